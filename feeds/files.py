"""Who may read a post image (served by /files/): whoever feeds.selectors lets see its post."""

from __future__ import annotations

from feeds import selectors
from feeds.models import PostImage, Visibility
from yiban_core.actor import Actor
from yiban_core.errors import DomainError
from yiban_core.files.owners import Audience, register
from yiban_core.moderation.models import ContentState

# `posts/<author>/<post>-<n>.png`: images stored before names were random.
PREFIXES = ("private/posts/", "posts/")


def image_audience(actor: Actor, name: str) -> Audience | None:
    post_id = PostImage.objects.filter(image=name).values_list("post_id", flat=True).first()
    if post_id is None:
        return None
    try:
        post = selectors.get_post(actor=actor, pk=post_id)
    except DomainError:
        return None
    # Held by moderation, only its author reads it: never cacheable by anyone.
    shown = post.visibility == Visibility.PUBLIC and post.moderation == ContentState.VISIBLE
    return Audience.PUBLIC if shown else Audience.RESTRICTED


def register_owner() -> None:
    register(prefixes=PREFIXES, audience=image_audience)
