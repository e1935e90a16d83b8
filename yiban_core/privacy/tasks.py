"""The privacy app's deferred work: building a data export, and removing expired ones
(run periodically by the workers, yiban_core/periodic.py)."""

from datetime import timedelta

from django_tasks import task

from yiban_core.privacy import exports
from yiban_core.privacy.models import DataExport

EXPIRE_EVERY = timedelta(hours=1)


@task()
def build_export(*, export_id: int) -> str:
    """Idempotent: an export no longer queued (built, failed, gone) is left as it is."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None:
        return "gone"
    return exports.build(export).status


@task()
def expire_exports() -> int:
    return exports.expire_due()
