"""Posts and comments as moderation targets (yiban_core/moderation/targets.py): loaded for a
reporter through feeds' own selectors, so nobody reports what they may not read.

When moderation changes a post's or comment's state (ContentStateChanged), the post's card
is forgotten (the card carries the state, which feeds/visibility.py checks), the post is
indexed again (a held post leaves the search index) and a comment's post recounts its
comments (a held comment is not counted). One held when written (`published` false) goes out
when approved: points, notices, fan-out and PostPublished / CommentAdded, as at writing."""

from django.utils.translation import gettext as _

from feeds import cards, selectors, services, tasks
from feeds.models import Comment, Post
from yiban_core import events
from yiban_core.accounts.models import User
from yiban_core.errors import NotFound
from yiban_core.moderation.models import ContentState
from yiban_core.moderation.targets import TargetKind, register
from yiban_core.search.services import index_later


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


def on_content_state_changed(event: events.ContentStateChanged) -> None:
    """Durable: inside the moderator's transaction (the index task is its outbox row). A post
    or comment held at writing and now approved is sent out as it would have been then."""
    approved = event.state == ContentState.VISIBLE
    if event.model_label == Post._meta.label_lower:
        cards.forget_after_commit(cards.POST, [event.target_id])
        selectors.forget_trending()
        index_later("post", event.target_id)
        if approved and Post.objects.filter(pk=event.target_id, published=False).update(
                published=True):
            post = Post.objects.select_related("group", "repost_of").get(pk=event.target_id)
            services.send_out_post(post)
            mentioned = list(post.mentions.values_list("user_id", flat=True))
            if mentioned:
                tasks.notify_visible_mentions.enqueue(post_id=post.pk, user_ids=mentioned)
    elif event.model_label == Comment._meta.label_lower:
        post_id = (Comment.objects.filter(pk=event.target_id)
                   .values_list("post_id", flat=True).first())
        if post_id is not None:
            services.recount_comments(post_id)
        if approved and Comment.objects.filter(pk=event.target_id, published=False).update(
                published=True):
            comment = Comment.objects.select_related("post").get(pk=event.target_id)
            usernames = list(comment.mention_links.values())
            services.send_out_comment(comment, mentioned_ids=User.objects.filter(
                username__in=usernames).values_list("pk", flat=True))


def connect() -> None:
    events.subscribe(events.ContentStateChanged, on_content_state_changed, durable=True)
