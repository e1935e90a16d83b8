"""Keeps what Redis holds for the feeds honest when the rows behind it change.

- Following someone, joining a group or being verified by one's school adds older
  posts to a home timeline that fan-out never delivered: the timeline is dropped
  after the commit and rebuilt from the database on the next read.
- The cards (feeds/cards.py) of a changed post, person, group, follow list or
  membership list are forgotten, at once and again after the commit.

Writes that send no signal call these themselves: the counter updates in
feeds/services.py, and users and memberships written in bulk (`people_changed`,
`memberships_changed`).
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from feeds import cards, timeline_store
from feeds.models import Post, PostImage
from yiban_core.accounts.models import Follow, Profile, User
from yiban_core.groups.models import Group, Membership


def _forget_timeline_after_commit(user_ids) -> None:
    user_ids = list(user_ids)
    if user_ids:
        transaction.on_commit(lambda: [timeline_store.forget(pk) for pk in user_ids])


def memberships_changed(joined: list[Membership], left: list[Membership]) -> None:
    """For memberships written or deleted in bulk, what the signals would have done."""
    _forget_timeline_after_commit({m.user_id for m in joined})
    changed = [*joined, *left]
    cards.forget_after_commit(cards.SOURCES, {m.user_id for m in changed})
    cards.forget_after_commit(cards.GROUP, {m.group_id for m in changed})  # member counts


def people_changed(user_ids) -> None:
    """For users updated in bulk (their names, schools, verification)."""
    user_ids = list(user_ids)
    cards.forget_after_commit(cards.USER, user_ids)
    _forget_timeline_after_commit(user_ids)  # see on_user


def on_user(sender, instance: User, update_fields=None, **kwargs) -> None:
    """A school verifying a user (or withdrawing it) opens its school-only posts to
    them, which fan-out never delivered: the timeline is rebuilt, as after a follow."""
    on_person(sender, instance)
    if update_fields is None or {"school", "verified_at"} & set(update_fields):
        _forget_timeline_after_commit([instance.pk])


def on_follow(sender, instance: Follow, created: bool = False, **kwargs) -> None:
    if created:
        _forget_timeline_after_commit([instance.follower_id])
    cards.forget_after_commit(cards.SOURCES, [instance.follower_id])


def on_membership_saved(sender, instance: Membership, created: bool, **kwargs) -> None:
    if created:  # a changed role changes no timeline
        memberships_changed([instance], [])


def on_membership_deleted(sender, instance: Membership, **kwargs) -> None:
    memberships_changed([], [instance])


def on_post(sender, instance: Post, created: bool = False, **kwargs) -> None:
    if not created:  # a new id: nobody has a card of it
        cards.forget_after_commit(cards.POST, [instance.pk])


def on_image(sender, instance: PostImage, **kwargs) -> None:
    cards.forget_after_commit(cards.POST, [instance.post_id])


def on_person(sender, instance, **kwargs) -> None:
    cards.forget_after_commit(cards.USER, [instance.pk if sender is User else instance.user_id])


def on_group(sender, instance: Group, **kwargs) -> None:
    cards.forget_after_commit(cards.GROUP, [instance.pk])
    if instance.kind == Group.Kind.SCHOOL:
        cards.forget_after_commit(cards.SCHOOL, [instance.school_id])


def connect() -> None:
    for signal in (post_save, post_delete):
        name = "save" if signal is post_save else "delete"
        signal.connect(on_follow, sender=Follow, dispatch_uid=f"feeds.follow.{name}")
        signal.connect(on_post, sender=Post, dispatch_uid=f"feeds.post.{name}")
        signal.connect(on_image, sender=PostImage, dispatch_uid=f"feeds.image.{name}")
        signal.connect(on_user if signal is post_save else on_person, sender=User,
                       dispatch_uid=f"feeds.user.{name}")
        signal.connect(on_person, sender=Profile, dispatch_uid=f"feeds.profile.{name}")
        signal.connect(on_group, sender=Group, dispatch_uid=f"feeds.group.{name}")
    post_save.connect(on_membership_saved, sender=Membership, dispatch_uid="feeds.membership.save")
    post_delete.connect(on_membership_deleted, sender=Membership,
                        dispatch_uid="feeds.membership.delete")
