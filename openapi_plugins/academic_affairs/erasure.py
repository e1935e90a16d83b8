"""What a cancelled account leaves in the academic-affairs plugin
(yiban_core/privacy/closure.py).

Every roster link is severed: the school's ids of the person (SourcedUser) go with their
enrolments. A later roster import of the same sourcedId or 学号 then finds no account to
match (the account itself has no 学号 left) and makes a new one: the person is never
brought back. Sync and import runs they started stay as the school's record, naming no one."""

from __future__ import annotations

from openapi_plugins.academic_affairs.models import ImportRun, SourcedUser, SyncRun
from yiban_core.privacy.registry import erasure


@erasure("academic_affairs")
def erase(user, keep_content: bool) -> None:
    SourcedUser.objects.filter(user=user).delete()  # and their enrolments
    SyncRun.objects.filter(user=user).update(user=None)
    ImportRun.objects.filter(user=user).update(user=None)
