"""Keeps Redis timelines honest when what feeds them changes.

Following someone or joining a group adds older posts to a home timeline that
fan-out never delivered; the timeline is dropped after the commit and rebuilt
from the database on the next read.
"""

from django.db import transaction
from django.db.models.signals import post_save

from feeds import timeline_store
from yiban_core.accounts.models import Follow
from yiban_core.groups.models import Membership


def _forget_after_commit(user_id: int) -> None:
    transaction.on_commit(lambda: timeline_store.forget(user_id))


def on_follow(sender, instance: Follow, created: bool, **kwargs) -> None:
    if created:
        _forget_after_commit(instance.follower_id)


def on_membership(sender, instance: Membership, created: bool, **kwargs) -> None:
    if created:
        _forget_after_commit(instance.user_id)


def connect() -> None:
    post_save.connect(on_follow, sender=Follow, dispatch_uid="feeds.follow")
    post_save.connect(on_membership, sender=Membership, dispatch_uid="feeds.membership")
