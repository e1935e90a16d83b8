"""What a cancelled account leaves in feeds (yiban_core/privacy/closure.py).

Posts and comments are deleted through the same services as the 删除 button (topics,
repost counts, points, the search index and the timelines follow), their images removed
from storage once the erasure commits; kept, they stay under the anonymised account
(已注销用户). Either way the person's likes, poll ballots, announcement receipts and
mentions go, and the counters they moved go back (a poll's totals too: an anonymous
ballot is still theirs)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from feeds import cards
from feeds import services as feed_services
from feeds.models import (
    AnnouncementRead,
    AnnouncementReminder,
    Comment,
    CommentLike,
    Mention,
    Poll,
    PollBallot,
    PollOption,
    PollVote,
    Post,
    PostImage,
    PostLike,
)
from yiban_core import events
from yiban_core.actor import Actor
from yiban_core.errors import DomainError
from yiban_core.privacy.registry import erasure
from yiban_core.search.services import index_later


def _delete_images_after_commit(names: list[str]) -> None:
    if not names:
        return
    storage = PostImage._meta.get_field("image").storage

    def delete() -> None:
        for name in names:
            storage.delete(name)
    transaction.on_commit(delete)


def _delete_posts(user) -> None:
    actor = Actor(user=user)
    posts = Post.objects.filter(author=user)
    images = list(PostImage.objects.filter(post__in=posts).values_list("image", flat=True))
    for post_id in list(posts.values_list("pk", flat=True)):
        try:
            feed_services.delete_post(actor=actor, post_id=post_id)
        except DomainError:  # one the author can no longer reach (moderation): at least gone
            Post.objects.filter(pk=post_id).delete()
            index_later("post", post_id)
    _delete_images_after_commit(images)


def _delete_comments(user) -> None:
    actor = Actor(user=user)
    for comment_id, post_id in list(Comment.objects.filter(author=user)
                                    .values_list("pk", "post_id")):
        if not Comment.objects.filter(pk=comment_id).exists():
            continue  # a reply under a comment of theirs deleted just before
        try:
            feed_services.delete_comment(actor=actor, comment_id=comment_id)
        except DomainError:
            Comment.objects.filter(pk=comment_id).delete()
            feed_services.recount_comments(post_id)


def _remove_likes(user) -> None:
    post_ids = list(PostLike.objects.filter(user=user).values_list("post_id", flat=True))
    PostLike.objects.filter(user=user).delete()
    Post.objects.filter(pk__in=post_ids).update(like_count=F("like_count") - 1)
    cards.forget_after_commit(cards.POST, post_ids)
    for post_id in post_ids:
        events.send(events.PostCountersChanged(post_id=post_id))
    comment_ids = list(CommentLike.objects.filter(user=user)
                       .values_list("comment_id", flat=True))
    CommentLike.objects.filter(user=user).delete()
    Comment.objects.filter(pk__in=comment_ids).update(like_count=F("like_count") - 1)


def _remove_ballots(user) -> None:
    for ballot in PollBallot.objects.filter(user=user):
        options = list(PollVote.objects.filter(ballot=ballot).values_list("option_id",
                                                                          flat=True))
        PollOption.objects.filter(pk__in=options).update(vote_count=F("vote_count") - 1)
        Poll.objects.filter(pk=ballot.poll_id).update(voter_count=F("voter_count") - 1)
        ballot.delete()  # and its votes


@erasure("feeds")
def erase(user, keep_content: bool) -> None:
    if not keep_content:
        _delete_posts(user)
        _delete_comments(user)
    else:
        # Kept words are re-indexed: the author's name in them is now 已注销用户.
        for post_id in Post.objects.filter(author=user).values_list("pk", flat=True):
            index_later("post", post_id)
        cards.forget_after_commit(cards.POST, list(
            Post.objects.filter(author=user).values_list("pk", flat=True)))
    _remove_likes(user)
    _remove_ballots(user)
    AnnouncementRead.objects.filter(user=user).delete()
    AnnouncementReminder.objects.filter(sent_by=user).update(sent_by=None)
    # A kept post that @mentioned them links to no one now; others' words stay as written.
    Mention.objects.filter(user=user).delete()
    Comment.objects.filter(reply_to=user).update(reply_to=None)
