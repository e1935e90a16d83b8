"""Posts and topics in the site search (registered in FeedsConfig.ready)."""

from feeds import selectors
from feeds.models import Post, Topic
from yiban_core.moderation.models import ContentState
from yiban_core.search.registry import Document, Source, register


def _post_document(pk: int) -> Document | None:
    post = Post.objects.select_related("author").filter(pk=pk).first()
    # Held or removed by moderation: out of the index (both backends) until approved.
    if post is None or not post.text or post.moderation != ContentState.VISIBLE:
        return None
    return Document(title=post.text[:60], body=post.text, created_at=post.created_at,
                    school_id=post.school_id, author_id=post.author_id, named=False)


def _topic_document(pk: int) -> Document | None:
    topic = Topic.objects.filter(pk=pk).first()
    if topic is None:
        return None
    return Document(title=topic.name, body="", created_at=topic.created_at)


def _seen_topics(actor):
    # A topic shows once a public post uses it: its name alone never reveals a private post.
    if not actor.has_scope("feed:read"):
        return Topic.objects.none()
    return Topic.objects.filter(post_count__gt=0)


def _visible_topics(actor, ids: list[int]) -> set[int]:
    return set(_seen_topics(actor).filter(pk__in=ids).values_list("pk", flat=True))


def register_sources() -> None:
    register(Source(
        kind="post", label="动态", document=_post_document,
        visible_ids=lambda actor, ids: selectors.visible_post_ids(actor=actor, ids=ids),
        visible=lambda actor: selectors.seen_posts(actor=actor),
        load=lambda ids: selectors.with_details(Post.objects.all()).in_bulk(ids),
        # A results row: the author (name, avatar) and group, not the reposted original.
        load_shown=lambda ids: Post.objects.select_related(
            "author", "author__profile", "group").in_bulk(ids),
        all_ids=lambda: Post.objects.values_list("pk", flat=True).iterator(), scope="feed:read",
        node="feeds.schema.PostNode", prepare="feeds.schema.loaders.prepare_found_posts",
    ))
    register(Source(
        kind="topic", label="话题", document=_topic_document, visible_ids=_visible_topics,
        visible=_seen_topics,
        load=lambda ids: Topic.objects.in_bulk(ids),
        all_ids=lambda: Topic.objects.values_list("pk", flat=True).iterator(), scope="feed:read",
        node="feeds.schema.TopicNode",
    ))
