"""The retention prune, run periodically by the workers (yiban_core/periodic.py)."""

from datetime import timedelta

from django_tasks import task

from yiban_core.audit import services

PRUNE_EVERY = timedelta(hours=6)


@task()
def prune_audit_log() -> int:
    """Idempotent: a second run finds nothing older than the retention."""
    return services.prune()
