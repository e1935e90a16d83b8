"""What a cancelled account leaves in moderation (yiban_core/privacy/closure.py).

Cases about the person's content stay as the school's record of what was decided, but no
longer name them nor quote them (excerpt and appeal emptied). Their reports go (a case's
report count stays: the reports were made), as do the sanctions on them. Cases they
decided and words they added no longer name them."""

from __future__ import annotations

from yiban_core.moderation.models import Case, Report, Sanction, SensitiveWord
from yiban_core.privacy.registry import erasure


@erasure("moderation")
def erase(user, keep_content: bool) -> None:
    Case.objects.filter(author=user).update(author=None, excerpt="", appeal_text="")
    Case.objects.filter(decided_by=user).update(decided_by=None)
    Case.objects.filter(first_moderator=user).update(first_moderator=None)
    Report.objects.filter(reporter=user).delete()
    Sanction.objects.filter(user=user).delete()
    Sanction.objects.filter(created_by=user).update(created_by=None)
    SensitiveWord.objects.filter(created_by=user).update(created_by=None)
