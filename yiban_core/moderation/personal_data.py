"""What moderation keeps about a person: the cases about their content (the excerpt is
their own words), the sanctions on them, the reports they filed (their reason, not the
reported words). Who moderated is not named, as the notifications do not name them."""

from django.utils.translation import gettext_lazy as _

from yiban_core.moderation.models import Case, Report, Sanction, SensitiveWord
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import iso, rows


def export(user) -> dict:
    return {
        "cases_about_my_content": rows(
            Case.objects.filter(author=user).order_by("pk"),
            lambda case: {"excerpt": case.excerpt, "status": case.get_status_display(),
                          "decision": case.get_decision_display(), "reason": case.reason,
                          "created_at": iso(case.created_at),
                          "decided_at": iso(case.decided_at),
                          "appeal": case.appeal_text, "appealed_at": iso(case.appealed_at)}),
        "sanctions": rows(
            Sanction.objects.filter(user=user).order_by("pk"),
            lambda s: {"kind": s.get_kind_display(), "until": iso(s.until),
                       "created_at": iso(s.created_at), "lifted_at": iso(s.lifted_at)}),
        "reports_filed": rows(
            Report.objects.filter(reporter=user).order_by("pk"),
            lambda r: {"reason": r.get_reason_display(), "detail": r.detail,
                       "created_at": iso(r.created_at)}),
    }


declare(Declaration(
    app="moderation", title=_("内容审核"), models=[Case, Report, Sanction],
    # A moderator's entry in the school's word list: the list's, not the moderator's data.
    not_personal=[SensitiveWord],
    export=export,
))
