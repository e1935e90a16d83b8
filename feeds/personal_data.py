"""What feeds keeps about a person: their posts (with images and polls), comments, likes,
votes, announcement receipts and reminders they sent. Another person's post appears by
its id only, never its words."""

from django.utils.translation import gettext_lazy as _

from feeds.models import (
    AnnouncementRead,
    AnnouncementReminder,
    Comment,
    CommentLike,
    Mention,
    PollBallot,
    Post,
    PostImage,
    PostLike,
)
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import file_name, iso, rows


def _image_name(image: PostImage) -> str:
    return file_name(f"feeds/post-{image.post_id}-{image.position + 1}", image.image.name)


def _post(post: Post) -> dict:
    poll = getattr(post, "poll", None)
    return {
        "id": post.pk, "text": post.text, "visibility": post.get_visibility_display(),
        "group": post.group.name if post.group_id else None,
        "created_at": iso(post.created_at), "edited_at": iso(post.edited_at),
        "repost_of": post.repost_of_id, "announcement": post.pinned_at is not None,
        "likes": post.like_count, "comments": post.comment_count, "reposts": post.repost_count,
        "moderation": post.moderation, "published": post.published,
        "images": [_image_name(image) for image in post.images.all()],
        "poll": None if poll is None else {
            "options": [option.text for option in poll.options.all()],
            "multiple": poll.multiple, "closes_at": iso(poll.closes_at)},
    }


def _comment(comment: Comment) -> dict:
    return {"id": comment.pk, "post": comment.post_id, "reply_to_comment": comment.parent_id,
            "text": comment.text, "created_at": iso(comment.created_at),
            "likes": comment.like_count, "moderation": comment.moderation,
            "published": comment.published}


def _ballot(ballot: PollBallot) -> dict:
    return {"post": ballot.poll.post_id, "voted_at": iso(ballot.created_at),
            "chose": [vote.option.text for vote in ballot.votes.all()]}


def export(user) -> dict:
    posts = (Post.objects.filter(author=user).select_related("group", "poll")
             .prefetch_related("images", "poll__options").order_by("pk"))
    return {
        "posts": rows(posts, _post),
        "comments": rows(Comment.objects.filter(author=user).order_by("pk"), _comment),
        "post_likes": rows(PostLike.objects.filter(user=user).order_by("pk"),
                           lambda like: {"post": like.post_id, "at": iso(like.created_at)}),
        "comment_likes": rows(CommentLike.objects.filter(user=user).order_by("pk"),
                              lambda like: {"comment": like.comment_id,
                                            "at": iso(like.created_at)}),
        "mentions": rows(Mention.objects.filter(user=user).order_by("pk"),
                         lambda mention: {"post": mention.post_id}),
        "poll_votes": rows(PollBallot.objects.filter(user=user).select_related("poll")
                           .prefetch_related("votes__option").order_by("pk"), _ballot),
        "announcements_read": rows(
            AnnouncementRead.objects.filter(user=user).order_by("pk"),
            lambda read: {"post": read.post_id, "at": iso(read.read_at)}),
        "reminders_sent": rows(
            AnnouncementReminder.objects.filter(sent_by=user).order_by("pk"),
            lambda reminder: {"post": reminder.post_id, "at": iso(reminder.sent_at),
                              "recipients": reminder.recipient_count}),
    }


def files(user):
    images = PostImage.objects.filter(post__author=user).order_by("post_id", "position")
    for image in images.iterator(chunk_size=500):
        yield _image_name(image), image.image


declare(Declaration(
    app="feeds", title=_("动态、评论与点赞"),
    models=[Post, Comment, PostLike, CommentLike, Mention, PollBallot, AnnouncementRead,
            AnnouncementReminder],
    export=export, files=files,
))
