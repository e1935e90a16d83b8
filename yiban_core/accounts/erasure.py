"""What a cancelled account leaves in accounts (yiban_core/privacy/closure.py): the profile
is emptied (the avatar file removed once the erasure commits), follows either way end with
the counters of the people on the other side put right, blocks go, and the person is no
longer an administrator of any school (the last one is refused at the request). The
account row itself is anonymised last, by the closure (closure.anonymise)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from yiban_core import events, personal_cache
from yiban_core.accounts.models import Block, Follow, Profile, School, User
from yiban_core.privacy.registry import erasure


def _end_follows(user) -> None:
    followees = list(Follow.objects.filter(follower=user).values_list("followee_id", flat=True))
    followers = list(Follow.objects.filter(followee=user).values_list("follower_id", flat=True))
    Follow.objects.filter(follower=user).delete()
    Follow.objects.filter(followee=user).delete()
    User.objects.filter(pk__in=followees).update(follower_count=F("follower_count") - 1)
    User.objects.filter(pk__in=followers).update(following_count=F("following_count") - 1)
    for followee_id in followees:
        events.send(events.FollowChanged(follower_id=user.pk, followee_id=followee_id,
                                         following=False))
    for follower_id in followers:
        events.send(events.FollowChanged(follower_id=follower_id, followee_id=user.pk,
                                         following=False))


def _end_blocks(user) -> None:
    pairs = list(Block.objects.filter(blocker=user).values_list("blocker_id", "blocked_id"))
    pairs += list(Block.objects.filter(blocked=user).values_list("blocker_id", "blocked_id"))
    Block.objects.filter(blocker=user).delete()
    Block.objects.filter(blocked=user).delete()
    for blocker_id, blocked_id in pairs:
        events.send(events.BlockChanged(blocker_id=blocker_id, blocked_id=blocked_id,
                                        blocking=False))


def _empty_profile(user) -> None:
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return
    avatar = profile.avatar.name if profile.avatar else ""
    Profile.objects.filter(pk=profile.pk).update(
        avatar="", bio="", major="", enrolment_year=None, birth_date=None,
        minor_by_school=False, welcome_dismissed_at=None)
    if avatar:
        storage = profile.avatar.storage
        transaction.on_commit(lambda: storage.delete(avatar))


@erasure("accounts")
def erase(user, keep_content: bool) -> None:
    _end_follows(user)
    _end_blocks(user)
    _empty_profile(user)
    for school in School.objects.filter(administrators=user):
        school.administrators.remove(user)
    personal_cache.forget([user.pk])
