"""Minors mode's quiet hours (yiban_core.notifications.rules): no live notification to a
minor between 22:00 and 07:00 school time; stored all the same, caught up afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import actor_for, make_school, make_user
from tests.privacy.minors import make_minor
from tests.realtime.test_consumer import connect, frame_of_type, run, run_worker
from yiban_core.accounts import services as accounts
from yiban_core.notifications import rules
from yiban_core.notifications.models import Notification

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "realtime.layers.ProcessChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _quiet_now(settings):
    """Quiet hours around the present hour (whatever time the test runs at)."""
    hour = timezone.localtime().hour
    settings.MINORS_QUIET_HOURS = (hour, (hour + 2) % 24)


def _loud_now(settings):
    hour = timezone.localtime().hour
    settings.MINORS_QUIET_HOURS = ((hour + 2) % 24, (hour + 3) % 24)


@given(st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2040, 1, 1)))
def test_quiet_hours_run_from_22_to_7_school_time(moment):
    at = moment.replace(tzinfo=SHANGHAI)
    assert rules.in_quiet_hours(at) == (at.hour >= 22 or at.hour < 7)


def test_the_default_is_22_to_7():
    assert rules.in_quiet_hours(dt.datetime(2026, 12, 7, 22, 0, tzinfo=SHANGHAI))
    assert rules.in_quiet_hours(dt.datetime(2026, 12, 8, 6, 59, tzinfo=SHANGHAI))
    assert not rules.in_quiet_hours(dt.datetime(2026, 12, 8, 7, 0, tzinfo=SHANGHAI))
    assert not rules.in_quiet_hours(dt.datetime(2026, 12, 7, 21, 59, tzinfo=SHANGHAI))


@pytest.mark.django_db
def test_only_minors_are_held_and_a_birth_date_counts():
    from yiban_core.actor import Actor
    from yiban_core.privacy.minors import set_birth_date

    school = make_school()
    marked, adult, young = make_minor(school=school), make_user(), make_user()
    set_birth_date(actor=Actor.for_user(young), birth_date=dt.date(2010, 3, 1))
    night = dt.datetime(2026, 12, 7, 23, 30, tzinfo=SHANGHAI)
    noon = dt.datetime(2026, 12, 7, 12, 0, tzinfo=SHANGHAI)
    ids = [marked.pk, adult.pk, young.pk]
    assert rules.held_recipients(ids, night) == {marked.pk, young.pk}
    assert rules.held_recipients(ids, noon) == frozenset()


@pytest.mark.django_db(transaction=True)
def test_a_minor_gets_no_live_notification_in_quiet_hours_but_it_is_stored(
        settings, in_memory_layer):
    _quiet_now(settings)
    school = make_school()
    minor, adult = make_minor("xiaoli", school=school), make_user("dali", school=school)
    fan = make_user("fensi")

    async def scenario():
        to_minor, to_adult = await connect(minor), await connect(adult)
        for person in (minor, adult):
            await database_sync_to_async(accounts.follow)(actor=actor_for(fan),
                                                          username=person.username)
        await run_worker()
        pushed = await frame_of_type(to_adult, "notification")
        assert pushed["kind"] == "followed"
        assert await to_minor.receive_nothing(timeout=0.5)
        # a reconnecting page is not caught up during the quiet hours either
        await to_minor.send_json_to({"type": "resume", "after_notification": 0})
        assert await to_minor.receive_nothing(timeout=0.5)
        stored = await database_sync_to_async(
            lambda: list(Notification.objects.filter(recipient=minor, read_at__isnull=True)))()
        assert len(stored) == 1
        # after the quiet hours the catch-up brings it
        _loud_now(settings)
        await to_minor.send_json_to({"type": "resume", "after_notification": 0})
        caught_up = await frame_of_type(to_minor, "notification")
        assert caught_up["id"] == stored[0].pk and caught_up["unread_count"] == 1
        await to_minor.disconnect()
        await to_adult.disconnect()

    run(scenario())


@pytest.mark.django_db(transaction=True)
def test_outside_quiet_hours_a_minor_is_notified_live(settings, in_memory_layer):
    _loud_now(settings)
    minor, fan = make_minor(school=make_school()), make_user()

    async def scenario():
        to_minor = await connect(minor)
        await database_sync_to_async(accounts.follow)(actor=actor_for(fan),
                                                      username=minor.username)
        await run_worker()
        assert (await frame_of_type(to_minor, "notification"))["kind"] == "followed"
        await to_minor.disconnect()

    run(scenario())
