"""What a page of posts or comments shows that depends on the viewer, read per page.

Each loader is one query for everything queued before its first load
(yiban_core.graphql.loaders): the field that returns a page queues its posts
(`queue_posts`) or comments (`queue_comments`).
"""

from __future__ import annotations

from collections.abc import Iterable

from feeds import poll_selectors, selectors
from feeds.models import Comment, Post, Topic
from yiban_core.graphql.loaders import Loader


class LikedPosts(Loader[Post, bool]):
    default = False

    def batch_load(self, posts: list[Post]) -> dict[int, bool]:
        return dict.fromkeys(selectors.liked_post_ids(actor=self.actor, posts=posts), True)


class VisibleOriginals(Loader[Post, bool]):
    """Whether the viewer may still see the original of a repost."""

    default = False

    def batch_load(self, originals: list[Post]) -> dict[int, bool]:
        ids = [post.pk for post in originals]
        return dict.fromkeys(selectors.visible_post_ids(actor=self.actor, ids=ids), True)


class PostTopics(Loader[Post, list[Topic]]):
    def batch_load(self, posts: list[Post]) -> dict[int, list[Topic]]:
        selectors.attach_topics(posts)
        return {post.pk: post.topic_list() for post in posts}


class PostPolls(Loader[Post, "poll_selectors.PollView | None"]):
    """The polls of a page of posts, as the viewer sees them (three queries a page)."""

    def batch_load(self, posts: list[Post]) -> dict[int, poll_selectors.PollView]:
        return poll_selectors.polls_of(actor=self.actor, posts=posts)


class ReadAnnouncements(Loader[Post, bool]):
    default = False

    def batch_load(self, posts: list[Post]) -> dict[int, bool]:
        return dict.fromkeys(poll_selectors.read_ids(actor=self.actor, posts=posts), True)


class LikedComments(Loader[Comment, bool]):
    default = False

    def batch_load(self, comments: list[Comment]) -> dict[int, bool]:
        return dict.fromkeys(selectors.liked_comment_ids(actor=self.actor, comments=comments),
                             True)


def queue_posts(info, posts: Iterable[Post]) -> None:
    """A page of posts and the originals they repost."""
    posts = list(posts)
    originals = [p.repost_of for p in posts if p.repost_of_id is not None and p.repost_of]
    LikedPosts.of(info).queue([*posts, *originals])
    VisibleOriginals.of(info).queue(originals)
    PostTopics.of(info).queue([*posts, *originals])
    PostPolls.of(info).queue(posts)
    ReadAnnouncements.of(info).queue(posts)


def queue_comments(info, comments: Iterable[Comment]) -> None:
    """A page of comments and their replies (prefetched by selectors.comments)."""
    every = []
    for comment in comments:
        every.append(comment)
        every.extend(comment.replies.all())
    LikedComments.of(info).queue(every)


def prepare_found_posts(info, posts: list[Post]) -> None:
    """Posts found by the site search: their images (one query) and the page's loaders."""
    selectors.attach_details(posts)
    queue_posts(info, posts)
