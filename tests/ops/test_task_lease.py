"""A task claimed by a worker that died is run again once its lease has expired."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import actor_for, make_user
from yiban_core.accounts import services
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    call_command("task_worker", batch=True, no_startup_delay=True, verbosity=0,
                 worker_id="survivor")


def claimed_by_dead_worker(*, age_s: float, claims: int = 1) -> DBTaskResult:
    fan, star = make_user(), make_user()
    services.follow(actor=actor_for(fan), username=star.username)
    task = DBTaskResult.objects.get(task_path__endswith="deliver_notifications")
    DBTaskResult.objects.filter(pk=task.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(seconds=age_s),
        worker_ids=[f"dead-{i}" for i in range(claims)])
    return task


def test_an_expired_claim_is_run_again(settings):
    settings.TASK_LEASE_S = 60
    task = claimed_by_dead_worker(age_s=61)
    run_worker()
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids == ["dead-0", "survivor"]
    assert Notification.objects.count() == 1


def test_a_claim_within_its_lease_is_left_to_its_worker(settings):
    settings.TASK_LEASE_S = 60
    task = claimed_by_dead_worker(age_s=30)
    run_worker()
    task.refresh_from_db()
    assert task.status == "RUNNING"
    assert not Notification.objects.exists()


def test_a_task_that_keeps_killing_its_workers_fails_in_the_end(settings):
    settings.TASK_LEASE_S = 60
    settings.TASK_MAX_ATTEMPTS = 3
    task = claimed_by_dead_worker(age_s=61, claims=3)
    run_worker()
    task.refresh_from_db()
    assert task.status == "FAILED"
    assert "LeaseExpired" in task.exception_class_path
    assert not Notification.objects.exists()
