"""The shared batch context of a roster sync: the report, the rules every row obeys,
and how a batch is applied.

A batch (at most MAX_BATCH rows) is one transaction. A bad row is rejected with a
reason (and its index, sourced id and, for files, file and line) while the sound
rows are applied. Terms, courses and sections (a school has few) are applied row by
row, each in a savepoint (apply_rows). Users and enrolments (thousands) are applied a
batch at a time (apply_in_bulk): what the batch needs is read in a few queries, every
row is decided in Python (decide_rows), and the writes are bulk, so the queries of a
batch do not grow with its rows; a row the writes refuse (a ban, a full group:
Refused) is rejected and the batch planned again without it, and when a bulk write
clashes with a sync running at the same moment, the rows are applied one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openapi_plugins.academic_affairs.models import (
    SyncRun,
)
from yiban_core.accounts.models import School, User
from yiban_core.actor import Actor
from yiban_core.errors import DomainError, Invalid

MAX_BATCH = 500
ACTIVE, TO_BE_DELETED = "active", "tobedeleted"
TEACHER_ACCOUNT_ROLES = {User.Role.TEACHER, User.Role.STAFF, User.Role.ADMIN}


class RowRejected(Exception):
    """A row that cannot be applied; the batch goes on without it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    run: SyncRun | None = None
    notes: list[str] = field(default_factory=list)  # what the reader should know (mode...)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # other schools' rows
    dry_run: bool = False  # a preview: nothing was changed

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def reject(self, row: dict, index: int, reason: str) -> None:
        entry = {"index": index, "sourcedId": row.get("sourced_id") or "", "reason": reason}
        for key in ("file", "line"):
            if row.get(key) is not None:
                entry[key] = row[key]
        self.rejected.append(entry)

    def merge(self, other: SyncReport) -> None:
        for name in ("created", "updated", "removed", "unchanged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.rejected.extend(other.rejected)
        self.notes.extend(other.notes)

    def plan(self) -> dict[str, Any]:
        """What the report says, as JSON: a preview kept to be compared with its apply."""
        return {"created": self.created, "updated": self.updated, "removed": self.removed,
                "unchanged": self.unchanged, "rejected": self.rejected,
                "skipped": self.skipped, "notes": self.notes}

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.removed


# --- helpers ------------------------------------------------------------------------

def field_text(row: dict, key: str, *, max_length: int, required: bool = False,
          label: str | None = None) -> str:
    value = str(row.get(key) or "").strip()
    if required and not value:
        raise RowRejected(_("缺少 %(field)s") % {"field": label or key})
    if len(value) > max_length:
        raise RowRejected(_("%(field)s 超过 %(n)d 个字符") % {"field": label or key,
                                                          "n": max_length})
    return value


def row_flag(row: dict, key: str) -> bool | None:
    """A true/false column (a CSV's text or GraphQL's Boolean); None when the row leaves
    it out."""
    value = row.get(key)
    if isinstance(value, bool):
        return value
    value = str(value or "").strip().lower()
    if not value:
        return None
    if value not in ("true", "false"):
        raise RowRejected(_("%(field)s 只能是 true 或 false") % {"field": key})
    return value == "true"


def row_status(row: dict) -> str:
    status = str(row.get("status") or ACTIVE).strip() or ACTIVE
    if status not in (ACTIVE, TO_BE_DELETED):
        raise RowRejected(_("status 只能是 active 或 tobedeleted，而不是 %(s)s") % {"s": status})
    return status


def row_date(row: dict, key: str) -> date:
    value = row.get(key)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise RowRejected(_("%(field)s 不是 YYYY-MM-DD 格式的日期") % {"field": key}) from None


def upsert_row(model, *, school: School, sourced_id: str, values: dict) -> tuple[Any, str]:
    """Create or update one row by (school, sourced_id): (object, created/updated/unchanged)."""
    obj = model.objects.select_for_update().filter(school=school, sourced_id=sourced_id).first()
    if obj is None:
        return model.objects.create(school=school, sourced_id=sourced_id, **values), "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=[*changed, "updated_at"])
    return obj, "updated"


def check_batch(rows: list) -> None:
    if len(rows) > MAX_BATCH:
        raise Invalid(_("一批最多 %(max)d 行，这一批有 %(n)d 行；请分批同步")
                      % {"max": MAX_BATCH, "n": len(rows)}, field="rows")


def apply_rows(rows: Iterable[dict], report: SyncReport, apply_row) -> None:
    for index, row in enumerate(rows):
        try:
            with transaction.atomic():  # a savepoint: a rejected row leaves no trace
                sourced_id = field_text(row, "sourced_id", max_length=255, required=True,
                                   label="sourcedId")
                report.count(apply_row(row, sourced_id))
        except RowRejected as error:
            report.reject(row, index, error.reason)
        except DomainError as error:
            report.reject(row, index, error.message)
        except IntegrityError:  # a sync of the same school running at the same moment
            report.reject(row, index, _("与同时进行的另一次同步冲突，请重试"))


@dataclass
class Sync:
    actor: Actor
    school: School
    # The day the roster is read as of: an enrolment that ended before it ends.
    today: date = field(default_factory=lambda: timezone.localdate())


# --- batches ------------------------------------------------------------------------

class Refused(Exception):
    """Rows the bulk writes of a batch refused (a ban, a full group), by index: the batch
    is rolled back to its savepoint and planned again without them."""

    def __init__(self, reasons: dict[int, str]):
        super().__init__(reasons)
        self.reasons = reasons


def apply_in_bulk(rows: list[dict], report: SyncReport, apply_batch) -> None:
    """Apply `rows` with apply_batch([(index, row)], report): it reads what the batch needs
    in a few queries, decides every row in Python (decide_rows) and writes in bulk, in a
    savepoint. A row its writes refuse (Refused) is rejected and the batch planned again
    without it. When a bulk write clashes (IntegrityError: a sync of the same school at the
    same moment), each row is applied on its own, and a row that still clashes is rejected:
    a clash rejects rows, never the batch."""
    refused: dict[int, str] = {}

    def attempt(batch: list[tuple[int, dict]]) -> SyncReport:
        while True:
            part = SyncReport()
            try:
                with transaction.atomic():
                    apply_batch([(i, row) for i, row in batch if i not in refused], part)
                return part
            except Refused as error:
                if not set(error.reasons) - set(refused):
                    raise RuntimeError("a refused row was planned again") from error
                refused.update(error.reasons)

    part = SyncReport()
    indexed = list(enumerate(rows))
    for start in range(0, len(indexed), MAX_BATCH):  # a OneRoster file: MAX_BATCH at a time
        chunk = indexed[start:start + MAX_BATCH]
        try:
            part.merge(attempt(chunk))
        except IntegrityError:
            for index, row in chunk:
                if index in refused:
                    continue
                try:
                    part.merge(attempt([(index, row)]))
                except IntegrityError:
                    part.reject(row, index, _("与同时进行的另一次同步冲突，请重试"))
    for index, reason in refused.items():
        part.reject(rows[index], index, reason)
    part.rejected.sort(key=lambda entry: entry["index"])
    report.merge(part)


def decide_rows(batch: list[tuple[int, dict]], report: SyncReport, decide_row) -> None:
    """decide_row(index, row, sourced_id) -> outcome for each row, in order; it validates
    before it changes the plan, so a rejected row leaves no trace."""
    for index, row in batch:
        try:
            sourced_id = field_text(row, "sourced_id", max_length=255, required=True,
                               label="sourcedId")
            report.count(decide_row(index, row, sourced_id))
        except RowRejected as error:
            report.reject(row, index, error.reason)
        except DomainError as error:
            report.reject(row, index, error.message)


def ids_of(batch: list[tuple[int, dict]], key: str) -> set[str]:
    return {str(row.get(key) or "").strip() for _index, row in batch} - {""}


def index_batch_later(kind: str, object_ids: list[int]) -> None:
    """index_later for the objects of a batch: one task (one outbox row) for them all."""
    if object_ids:
        from openapi_plugins.academic_affairs.tasks import index_synced

        index_synced.enqueue(kind=kind, object_ids=sorted(object_ids))
