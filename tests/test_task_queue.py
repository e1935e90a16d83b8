"""Background work is enqueued in the same transaction as the change (the outbox)."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tests.factories import actor_for, make_user
from yiban_core.accounts import services
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def notification_tasks():
    return DBTaskResult.objects.filter(task_path__endswith="deliver_notifications")


def run_worker():
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


def test_follow_notification_survives_until_a_worker_runs():
    fan, star = make_user(), make_user()
    services.follow(actor=actor_for(fan), username=star.username)
    # Committed with the follow, not yet delivered: a crash here loses nothing.
    assert notification_tasks().count() == 1
    assert not Notification.objects.exists()
    run_worker()
    notification = Notification.objects.get()
    assert (notification.recipient, notification.actor, notification.kind) == (
        star, fan, Notification.Kind.FOLLOWED)


def test_rolled_back_change_sends_nothing():
    fan, star = make_user(), make_user()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.follow(actor=actor_for(fan), username=star.username)
        raise RuntimeError("the request failed after the follow")
    assert not notification_tasks().exists()
    run_worker()
    assert not Notification.objects.exists()


def test_running_a_delivery_twice_notifies_once():
    from yiban_core.notifications.tasks import deliver_notifications

    fan, star = make_user(), make_user()
    for _ in range(2):
        deliver_notifications.call(recipient_ids=[star.pk], kind=Notification.Kind.FOLLOWED,
                                   actor_id=fan.pk, group_id=None, event_key="follow:1")
    assert Notification.objects.count() == 1
