"""Domain events (yiban_core/events.py): durable subscribers write in the sender's
transaction, after-commit ones wait for it, and a rollback sends nothing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from openapi_plugins.webhooks import services as webhook_services
from realtime import events as live
from tests.factories import actor_for, make_interest_group, make_school, make_user
from tests.openapi.helpers import make_school_app
from yiban_core import events
from yiban_core.groups import services as group_services


def test_every_event_is_heard_by_some_app():
    kinds = [value for name, value in vars(events).items()
             if dataclasses.is_dataclass(value) and isinstance(value, type)
             and not name.startswith("_") and name != "Member"]
    assert len(kinds) >= 9
    assert [kind.__name__ for kind in kinds if not events.subscribers(kind)] == []


class Crash(Exception):
    """The process dies here: nothing after this line runs."""


@dataclass(frozen=True)
class Happened:
    what: str


@pytest.fixture
def heard(monkeypatch):
    """A durable and an after-commit subscriber of Happened, each noting what it heard."""
    monkeypatch.setitem(events._subscribers, Happened, [])
    now, later = [], []
    events.subscribe(Happened, lambda event: now.append(event.what), durable=True)
    events.subscribe(Happened, lambda event: later.append(event.what), durable=False)
    return now, later


@pytest.mark.django_db
def test_a_durable_subscriber_hears_at_once_an_after_commit_one_on_commit(
        heard, django_capture_on_commit_callbacks):
    now, later = heard
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            events.send(Happened("joined"))
            events.send(Happened("joined"))  # an equal event: after commit, once
            events.send(Happened("left"))
            assert now == ["joined", "joined", "left"] and later == []
    assert later == ["joined", "left"]


@pytest.mark.django_db
def test_a_rolled_back_savepoint_drops_its_after_commit_events(
        heard, django_capture_on_commit_callbacks):
    _now, later = heard
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            with pytest.raises(Crash), transaction.atomic():
                events.send(Happened("rolled back"))
                raise Crash
            events.send(Happened("rolled back"))  # not taken for the dropped one
            events.send(Happened("kept"))
    assert later == ["rolled back", "kept"]


def _queued(task_name: str) -> list[dict]:
    return [row.args_kwargs["kwargs"]
            for row in DBTaskResult.objects.filter(task_path__endswith=task_name)]


@pytest.fixture
def club(db):
    """An open interest group of a school whose app hears of joins and departures."""
    school = make_school()
    app, _secret = make_school_app(school, scopes=("groups:read",))
    webhook_services.subscribe(actor=actor_for(app.application.user), app=app,
                               url="http://127.0.0.1:9/hooks",
                               events=["group.member_joined", "group.member_left"])
    owner = make_user(school=school)
    return make_interest_group(owner, name="羽毛球社", school=school), make_user(school=school)


def test_a_rolled_back_join_and_leave_send_nothing(club, django_capture_on_commit_callbacks):
    group, student = club
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(Crash), transaction.atomic():
            group_services.join_group(actor=actor_for(student), group=group)
            group_services.leave_group(actor=actor_for(student), group=group)
            raise Crash
    assert callbacks == []
    assert _queued("fan_out_event") == [] and _queued("revoke_group_streams") == []

    # The control: the same changes, kept.
    with django_capture_on_commit_callbacks() as callbacks:
        group_services.join_group(actor=actor_for(student), group=group)
        group_services.leave_group(actor=actor_for(student), group=group)
    assert callbacks
    assert sorted(row["event"] for row in _queued("fan_out_event")) == [
        "group.member_joined", "group.member_left"]
    assert _queued("revoke_group_streams") == [{"pairs": [[student.pk, group.pk]]}]


@pytest.mark.django_db(transaction=True)
def test_a_departures_revoke_is_written_with_it_or_not_at_all(club):
    group, student = club
    group_services.join_group(actor=actor_for(student), group=group)

    with pytest.raises(Crash), transaction.atomic():
        group_services.leave_group(actor=actor_for(student), group=group)
        assert len(_queued("revoke_group_streams")) == 1  # in the same transaction
        raise Crash  # killed before the commit
    assert _queued("revoke_group_streams") == []
    assert group.memberships.filter(user=student).exists()

    group_services.leave_group(actor=actor_for(student), group=group)
    assert _queued("revoke_group_streams") == [{"pairs": [[student.pk, group.pk]]}]


@pytest.mark.django_db(transaction=True)
def test_a_departures_revoke_survives_a_crash_after_the_commit(club, monkeypatch, run_worker):
    """The process dies right after the commit, before any after-commit callback runs:
    the worker still takes the former member's sockets out of the group's stream."""
    group, student = club
    revoked = []
    monkeypatch.setattr(live, "revoke_group",
                        lambda *, user_id, group_id: revoked.append((user_id, group_id)))
    group_services.join_group(actor=actor_for(student), group=group)
    with monkeypatch.context() as crash:
        crash.setattr(connection, "run_and_clear_commit_hooks",
                      lambda: connection.run_on_commit.clear())
        group_services.remove_member(actor=actor_for(group.owner), group=group,
                                     username=student.username)
    assert revoked == [] and not group.memberships.filter(user=student).exists()
    run_worker()
    assert revoked == [(student.pk, group.pk)]
