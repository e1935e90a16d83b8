"""The log is append-only: nothing changes or deletes an entry but the retention prune,
which removes only entries older than AUDIT_RETENTION_DAYS, and is run by the workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import make_user
from yiban_core import periodic
from yiban_core.audit import services
from yiban_core.audit.models import AppendOnly, AuditEntry
from yiban_core.audit.tasks import prune_audit_log

pytestmark = pytest.mark.django_db(transaction=True)

ON_POSTGRESQL = connection.vendor == "postgresql"


def entry(days_ago: float = 0, action: str = "login.succeeded") -> AuditEntry:
    made = services.record(action, username="someone")
    # Backdated as a database restore would: raw SQL, which the trigger allows only here.
    if days_ago:
        with transaction.atomic(), connection.cursor() as cursor:
            if ON_POSTGRESQL:
                cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER "
                               "audit_entry_append_only")
            cursor.execute("UPDATE audit_auditentry SET at = %s WHERE id = %s",
                           [timezone.now() - timedelta(days=days_ago), made.pk])
            if ON_POSTGRESQL:
                cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER "
                               "audit_entry_append_only")
    return made


def test_the_model_refuses_to_change_or_delete_an_entry():
    made = entry()
    made.action = "login.failed"
    with pytest.raises(AppendOnly):
        made.save()
    with pytest.raises(AppendOnly):
        made.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=made.pk).update(action="login.failed")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=made.pk).delete()
    assert AuditEntry.objects.get(pk=made.pk).action == "login.succeeded"


@pytest.mark.postgresql  # the trigger exists there only (tests/conftest.py)
@pytest.mark.parametrize("sql", ["UPDATE audit_auditentry SET action = 'x' WHERE id = %s",
                                 "DELETE FROM audit_auditentry WHERE id = %s"])
def test_on_postgresql_plain_sql_cannot_change_or_delete_an_entry(sql):
    made = entry(days_ago=400)  # older than the retention, yet only the prune may delete it
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(sql, [made.pk])
    assert AuditEntry.objects.get(pk=made.pk).action == "login.succeeded"


@pytest.mark.postgresql  # the trigger exists there only (tests/conftest.py)
def test_on_postgresql_the_prune_setting_does_not_open_recent_entries():
    recent = entry(days_ago=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)",
                       [services.PRUNE_SETTING, services.retention_cutoff().isoformat()])
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [recent.pk])
    assert AuditEntry.objects.filter(pk=recent.pk).exists()


def test_on_sqlite_there_is_no_trigger_and_the_model_is_the_guard():
    """What is true on the embedded default: the migration installs nothing there."""
    with connection.cursor() as cursor:
        if ON_POSTGRESQL:
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s",
                           ["audit_entry_append_only"])
        else:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                           "AND tbl_name = 'audit_auditentry'")
        assert cursor.fetchone()[0] == (1 if ON_POSTGRESQL else 0)


def test_the_prune_removes_only_entries_older_than_the_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 180
    old = [entry(days_ago=200), entry(days_ago=181)]
    kept = [entry(days_ago=179), entry()]
    assert prune_audit_log.call() == 2
    assert set(AuditEntry.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert prune_audit_log.call() == 0  # idempotent


def test_the_retention_is_a_setting(settings):
    entry(days_ago=40)
    settings.AUDIT_RETENTION_DAYS = 60
    assert services.prune() == 0
    settings.AUDIT_RETENTION_DAYS = 30
    assert services.prune() == 1


def test_a_deleted_account_keeps_its_history():
    user = make_user("leaving_student")
    services.record("login.succeeded", user=user)
    user_id = user.pk
    user.delete()
    made = AuditEntry.objects.get(action="login.succeeded")
    assert (made.actor_id, made.actor_username) == (user_id, "leaving_student")


def test_the_workers_enqueue_the_prune_when_due_and_not_again_within_its_interval():
    path = prune_audit_log.module_path
    assert path in periodic.registered()
    assert path in periodic.enqueue_due("default")
    assert path not in periodic.enqueue_due("default")
    assert DBTaskResult.objects.filter(task_path=path).count() == 1
