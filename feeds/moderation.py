"""Posts and comments as moderation targets (yiban_core/moderation/targets.py): loaded for a
reporter through feeds' own selectors, so nobody reports what they may not read."""

from django.utils.translation import gettext as _

from feeds import selectors
from feeds.models import Comment, Post
from yiban_core.errors import NotFound
from yiban_core.moderation.targets import TargetKind, register


def _post_school(post: Post) -> int | None:
    return post.group.school_id if post.group_id is not None else post.school_id


def _load_comment(actor, pk) -> Comment:
    comment = (Comment.objects.select_related("post", "post__group").filter(pk=pk).first()
               if pk else None)
    if comment is None:
        raise NotFound(_("评论不存在或你无权查看"), field="targetId")
    selectors.get_post(actor=actor, pk=comment.post_id)  # NotFound when the post is unseen
    if not selectors.comment_is_shown(actor, comment):
        raise NotFound(_("评论不存在或你无权查看"), field="targetId")
    return comment


def register_targets() -> None:
    register(TargetKind(
        model=Post, type_name="Post",
        load_visible=lambda actor, pk: selectors.get_post(actor=actor, pk=pk),
        author_id=lambda post: post.author_id,
        group_id=lambda post: post.group_id,
        school_id=_post_school,
        excerpt=lambda post: post.text,
        path=lambda post: f"/posts/{post.pk}/",
        hideable=True,
    ))
    register(TargetKind(
        model=Comment, type_name="Comment", load_visible=_load_comment,
        author_id=lambda comment: comment.author_id,
        group_id=lambda comment: comment.post.group_id,
        school_id=lambda comment: _post_school(comment.post),
        excerpt=lambda comment: comment.text,
        path=lambda comment: f"/posts/{comment.post_id}/#comment-{comment.pk}",
        hideable=True,
    ))
