"""Minors mode (未成年人模式) in feeds: when it begins for someone, what they had published
for everyone outside a group is narrowed (feeds.rules.capped_visibility says to whom), as
if they had edited each post; new posts are capped as they are published (services).
Reposts others made keep showing the original only to those who may read it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from feeds import rules
from feeds.models import Post, Topic, Visibility
from yiban_core.accounts.models import User
from yiban_core.search.services import index_later


def narrow_minors_posts(*, user_ids) -> int:
    """Narrow these people's public posts when they are minors now; running twice does
    no harm. Returns how many posts were narrowed."""
    narrowed = 0
    for author in User.objects.select_related("profile").filter(pk__in=list(user_ids)):
        visibility = rules.capped_visibility(author, Visibility.PUBLIC)
        if visibility == Visibility.PUBLIC:  # no longer a minor
            continue
        posts = Post.objects.filter(author=author, visibility=Visibility.PUBLIC,
                                    group__isnull=True)
        for post in posts.iterator(chunk_size=200):
            with transaction.atomic():
                # Topic.post_count counts public posts only (as services._count_topics).
                Topic.objects.filter(pk__in=post.topic_links.values("topic_id")).update(
                    post_count=F("post_count") - 1)
                post.visibility = visibility
                post.save(update_fields=["visibility"])  # its card is forgotten
                index_later("post", post.pk)
            narrowed += 1
    return narrowed
