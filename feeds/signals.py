"""Keeps what Redis holds for the feeds honest when the rows behind it change.

- Following someone, joining a group or being verified by one's school adds older
  posts to a home timeline that fan-out never delivered: the timeline is dropped
  after the commit and rebuilt from the database on the next read.
- The cards (feeds/cards.py) of a changed post, person, group, follow list or
  membership list are forgotten, at once and again after the commit.

Follows, memberships and users written in bulk are the core apps' writes: they are
heard as domain events (yiban_core/events.py: FollowChanged, BlockChanged, MembershipsChanged,
PeopleChanged), sent by the services that make them, bulk or single alike. These
subscribers run inside the sender's transaction (durable=True) because they forget
at once, for reads later in the same transaction; what they do after the commit
they queue themselves, and a rollback drops it.

Model-save receivers remain for the rows a card shows (a post, its images, a person,
a profile, a group), which anybody may save, the admin site included: each only
forgets a card of this app's cache. The counter updates in feeds/services.py send no
signal and forget their post's card themselves.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from feeds import cards, timeline_store
from feeds.models import Post, PostImage
from yiban_core import events
from yiban_core.accounts.models import Profile, User
from yiban_core.groups.models import Group


def _forget_timeline_after_commit(user_ids) -> None:
    user_ids = list(user_ids)
    if user_ids:
        transaction.on_commit(lambda: [timeline_store.forget(pk) for pk in user_ids])


def on_memberships_changed(event: events.MembershipsChanged) -> None:
    _forget_timeline_after_commit({m.user_id for m in event.joined})
    changed = [*event.joined, *event.left]
    cards.forget_after_commit(cards.SOURCES, {m.user_id for m in changed})
    cards.forget_after_commit(cards.GROUP, {m.group_id for m in changed})  # member counts


def on_people_changed(event: events.PeopleChanged) -> None:
    cards.forget_after_commit(cards.USER, event.user_ids)
    if event.school_changed:
        _forget_timeline_after_commit(event.user_ids)  # see on_user


def on_follow_changed(event: events.FollowChanged) -> None:
    if event.following:
        _forget_timeline_after_commit([event.follower_id])
    cards.forget_after_commit(cards.SOURCES, [event.follower_id])


def on_block_changed(event: events.BlockChanged) -> None:
    # Whom the blocker blocked is kept with their sources: the page filters on it. Fan-out
    # passed the blocker over meanwhile (feeds.tasks.fan_out_recipients): an unblock
    # rebuilds their timeline, as a follow does.
    if not event.blocking:
        _forget_timeline_after_commit([event.blocker_id])
    cards.forget_after_commit(cards.SOURCES, [event.blocker_id])


def on_minors_mode_began(event: events.MinorsModeBegan) -> None:
    from feeds.tasks import narrow_minors_posts

    narrow_minors_posts.enqueue(user_ids=list(event.user_ids))


def on_user(sender, instance: User, update_fields=None, **kwargs) -> None:
    """A school verifying a user (or withdrawing it) opens its school-only posts to
    them, which fan-out never delivered: the timeline is rebuilt, as after a follow."""
    on_person(sender, instance)
    if update_fields is None or {"school", "verified_at"} & set(update_fields):
        _forget_timeline_after_commit([instance.pk])


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
        signal.connect(on_post, sender=Post, dispatch_uid=f"feeds.post.{name}")
        signal.connect(on_image, sender=PostImage, dispatch_uid=f"feeds.image.{name}")
        signal.connect(on_user if signal is post_save else on_person, sender=User,
                       dispatch_uid=f"feeds.user.{name}")
        signal.connect(on_person, sender=Profile, dispatch_uid=f"feeds.profile.{name}")
        signal.connect(on_group, sender=Group, dispatch_uid=f"feeds.group.{name}")
    events.subscribe(events.MembershipsChanged, on_memberships_changed, durable=True)
    events.subscribe(events.FollowChanged, on_follow_changed, durable=True)
    events.subscribe(events.BlockChanged, on_block_changed, durable=True)
    events.subscribe(events.PeopleChanged, on_people_changed, durable=True)
    events.subscribe(events.MinorsModeBegan, on_minors_mode_began, durable=True)
