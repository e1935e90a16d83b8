"""Screening what people write, reports, holding content, and the sensitive-word lists.

`screen(field, text, school=...)` is the one call every service makes before it stores
text a person wrote (posts, comments, reviews, resource titles and descriptions, group
names and descriptions, display names, bios):

- `block`: Invalid on the field, so nothing is saved;
- `replace`: the text to save has each matched character starred;
- `review` and `flag` are acted on by `hold_if_needed(obj, *verdicts)`, which the service
  calls once the row is written (in its transaction): `review` holds a hideable row (a
  post, comment, resource or review: saved with moderation=held, seen by its author
  only) and opens a case with origin word_review (ContentHeld sent); `flag` publishes it
  and opens a case with origin word_flag.

Texts with no state of their own (a group's name and description, a person's display name,
bio or major, a join request's message) cannot be held: refusing them as `block` does would
make `review` a second `block`. So a `review` word there keeps the text and opens a case
with origin word_review on the group or the person (the writer, for a join request), for a
moderator to judge (and rename or sanction), as `flag` does.

Whose list: the site's, plus the school's where the text is written: a group's school
for what is written in or about a group, else the writer's school.

`report_content` files a report (举报): it opens or joins the target's open case, and once
settings.MODERATION_HIDE_AFTER_REPORTS distinct verified school members have reported a
hideable target in that case, the target is held until the case is decided. The reported
person is told nothing at report time and never who reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiban_core import events, personal_cache
from yiban_core.accounts.models import School, User
from yiban_core.actor import Actor, web_session_only
from yiban_core.audit import services as audit
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups.models import Ban
from yiban_core.ids import parse_id
from yiban_core.moderation import rules, targets, words
from yiban_core.moderation.models import (
    EXCERPT_MAX_LENGTH,
    REPORT_DETAIL_MAX_LENGTH,
    Action,
    Case,
    CaseOrigin,
    CaseStatus,
    ContentState,
    Decision,
    Report,
    ReportReason,
    Sanction,
    SanctionKind,
    SensitiveWord,
)
from yiban_core.moderation.normalise import fold, pinyin_of
from yiban_core.moderation.targets import TargetKind, kind_of, set_state
from yiban_core.moderation.wordfile import read_word_file
from yiban_core.moderation.words import Verdict, check_text
from yiban_core.notifications.models import Notification
from yiban_core.notifications.services import notify
from yiban_core.ratelimit import hit

BATCH = 1000


def screen(field: str, text: str, *, school=None) -> Verdict:
    """The verdict on a text about to be saved; its `.text` is what to save.
    Raises Invalid on `field` when a listed word blocks it."""
    verdict = check_text(text, school=school)
    if verdict.action == Action.BLOCK:
        raise Invalid(_("含有不允许发布的内容：%(words)s") % {
            "words": "、".join(verdict.words_with(Action.BLOCK))}, field=field)
    return verdict


def screened(field: str, text: str, *, school=None) -> str:
    """The text to save (see screen)."""
    return screen(field, text, school=school).text


def school_of(user, group=None) -> int | None:
    """The school whose list applies: the group's, else the writer's."""
    if group is not None and group.school_id is not None:
        return group.school_id
    return getattr(user, "school_id", None)


def derive(word: str) -> tuple[str, str]:
    """A listed word's folded form and pinyin; Invalid when nothing is left of it."""
    normalised = fold((word or "").strip())
    if not normalised:
        raise Invalid(_("敏感词不能只有空格或符号"), field="word")
    return normalised, pinyin_of(normalised)


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int


@web_session_only(gettext_lazy("敏感词表只能在管理后台或命令行修改"))
def import_words(*, actor: Actor, data: bytes, school: School | None = None) -> ImportReport:
    """Load a word file (wordfile.py) into the site list or a school's: new words are added,
    listed ones take the file's action, words not in the file stay. All or nothing."""
    if not rules.may_edit_word_list(actor, school):
        raise PermissionDenied(_("只有站点管理员或该校管理员可以修改敏感词表"))
    lines = read_word_file(data)
    created = updated = 0
    with transaction.atomic():
        existing = {w.normalised: w for w in
                    SensitiveWord.objects.select_for_update().filter(school=school)}
        now = timezone.now()
        new, changed = [], []
        for line in lines:
            normalised = fold(line.word)
            row = existing.get(normalised)
            if row is None:
                new.append(SensitiveWord(word=line.word, normalised=normalised,
                                         pinyin=pinyin_of(normalised), action=line.action,
                                         school=school, created_by=actor.user))
            elif row.action != line.action:
                row.action, row.updated_at = line.action, now
                changed.append(row)
        SensitiveWord.objects.bulk_create(new, batch_size=BATCH)
        SensitiveWord.objects.bulk_update(changed, ["action", "updated_at"], batch_size=BATCH)
        created, updated = len(new), len(changed)
        audit.record("words.imported", by=actor, school=school,
                     target_type="moderation.sensitiveword",
                     target_text=school.name if school else _("全站词表"),
                     detail={"created": created, "updated": updated, "lines": len(lines)})
        transaction.on_commit(words.forget)  # bulk writes send no signal
    return ImportReport(created=created, updated=updated,
                        unchanged=len(lines) - created - updated)


# --- cases, holding, and acting on `review` and `flag` ----------------------------------


def _kind(target) -> TargetKind:
    kind = kind_of(target)
    if kind is None:
        raise Invalid(_("这类内容不能举报"), field="targetId")
    return kind


def open_case(target, *, origin: str) -> Case:
    """The target's open case, opened now (with `origin`) when it has none. Call inside a
    transaction; the case row is locked until it ends, so concurrent reports queue up."""
    kind = _kind(target)
    content_type = ContentType.objects.get_for_model(kind.model)
    found = Case.objects.select_for_update().filter(
        target_type=content_type, target_id=target.pk, status=CaseStatus.OPEN)
    case = found.first()
    if case is not None:
        return case
    try:
        with transaction.atomic():  # a savepoint: another request may open it first
            return Case.objects.create(
                target_type=content_type, target_id=target.pk, origin=origin,
                author_id=kind.author_id(target), group_id=kind.group_id(target),
                school_id=kind.school_id(target),
                excerpt=" ".join(kind.excerpt(target).split())[:EXCERPT_MAX_LENGTH])
    except IntegrityError:
        return found.get()


def hold(target, *, origin: str) -> Case:
    """Hold a hideable row (seen by its author and moderators only) until its case is
    decided; ContentHeld is sent."""
    kind = _kind(target)
    if not kind.hideable:
        raise ValueError(f"{kind.label} cannot be held")
    with transaction.atomic():
        case = open_case(target, origin=origin)
        if set_state(kind.model, target.pk, ContentState.HELD):
            target.moderation = ContentState.HELD
            events.send(events.ContentHeld(case_id=case.pk))
    return case


def hold_if_needed(target, *verdicts: Verdict) -> Case | None:
    """Act on the `review` and `flag` words of the verdicts on what was just written to
    `target` (see the module's docstring). Call in the writing service's transaction."""
    worst = max((v.action for v in verdicts if v.action in (Action.REVIEW, Action.FLAG)),
                key=lambda action: action == Action.REVIEW, default=None)
    if worst is None:
        return None
    if worst == Action.REVIEW and _kind(target).hideable:
        return hold(target, origin=CaseOrigin.WORD_REVIEW)
    origin = CaseOrigin.WORD_REVIEW if worst == Action.REVIEW else CaseOrigin.WORD_FLAG
    with transaction.atomic():
        return open_case(target, origin=origin)


# --- reports ------------------------------------------------------------------------


def _clean_detail(detail) -> str:
    detail = (detail or "").strip()
    if len(detail) > REPORT_DETAIL_MAX_LENGTH:
        raise Invalid(_("补充说明最多 %(n)d 字") % {"n": REPORT_DETAIL_MAX_LENGTH},
                      field="detail")
    return detail


def _verified_reporters(case: Case) -> int:
    return (Report.objects.filter(case=case, reporter__verified_at__isnull=False,
                                  reporter__school__isnull=False)
            .values("reporter_id").distinct().count())


def report_content(*, actor: Actor, target, reason: str, detail: str = "") -> Report:
    """Report `target` (a post, comment, resource, review, group or person) that the actor
    can see. One open report per reporter and target (CONFLICT); never one's own."""
    actor.require_scope("feed:write")
    user = actor.require_user()
    kind = _kind(target)
    target = kind.load_visible(actor, target.pk)  # NotFound: what they may not see
    if kind.author_id(target) == user.pk:
        raise Invalid(_("不能举报自己的内容"), field="targetId")
    if reason not in ReportReason.values:
        raise Invalid(_("请选择举报理由"), field="reason")
    detail = _clean_detail(detail)
    hit(f"report:{user.pk}", limit=settings.MODERATION_REPORTS_PER_HOUR, window_s=3600)
    with transaction.atomic():
        case = open_case(target, origin=CaseOrigin.REPORTS)
        # The case row is locked: a second report by the same person waits here, then sees
        # the first.
        if Report.objects.filter(case=case, reporter=user).exists():
            raise Conflict(_("你已经举报过这条内容，我们正在处理"), field="targetId")
        try:
            with transaction.atomic():
                report = Report.objects.create(case=case, reporter=user, reason=reason,
                                               detail=detail)
        except IntegrityError:  # the unique constraint, should the lock not have held
            raise Conflict(_("你已经举报过这条内容，我们正在处理"), field="targetId") from None
        Case.objects.filter(pk=case.pk).update(report_count=F("report_count") + 1,
                                               updated_at=timezone.now())
        events.send(events.ReportFiled(case_id=case.pk, report_id=report.pk))
        if (kind.hideable and target.moderation == ContentState.VISIBLE
                and _verified_reporters(case) >= settings.MODERATION_HIDE_AFTER_REPORTS):
            hold(target, origin=CaseOrigin.REPORTS)
    report.case.refresh_from_db()
    return report



# --- deciding cases and appeals (issue 19, item 2) -------------------------------------------
#
# A decision on a case reported, held or flagged:
# - approve / dismiss: the content is (again) visible; the reports were not upheld;
# - remove: the content is REMOVED, seen by its author only, marked 已删除 with the reason;
# - warn / mute N days / suspend / ban from the group: a sanction on the author, and the
#   content judged is removed as well (it is why the author is sanctioned).
# The author is told what was decided and why (and may appeal once, within APPEAL_DAYS);
# each reporter is told 已处理 or 未违规, never the author's sanction. An appeal reopens the
# case for another moderator, who restores (approve: content visible, sanction lifted) or
# upholds.

APPEAL_DAYS = 30
APPEAL_SCOPE = "feed:write"  # as reporting: a token writing for its user
REASON_MAX_LENGTH = 1000
MUTE_DAYS_MAX = 365
REMOVING = (Decision.REMOVE, Decision.WARN, Decision.MUTE, Decision.SUSPEND, Decision.BAN)
_AUTHOR_KINDS = {
    Decision.APPROVE: Notification.Kind.CONTENT_APPROVED,
    Decision.DISMISS: Notification.Kind.CONTENT_APPROVED,
    Decision.REMOVE: Notification.Kind.CONTENT_REMOVED,
    Decision.WARN: Notification.Kind.WARNED,
    Decision.MUTE: Notification.Kind.MUTED,
    Decision.SUSPEND: Notification.Kind.SUSPENDED,
    Decision.BAN: Notification.Kind.BANNED_FROM_GROUP,
}


def _case_id(value) -> int:
    pk = parse_id(value)
    if pk is None:
        raise NotFound(_("没有这条审核"), field="case_id")
    return pk


def _locked_case(pk: int) -> Case:
    # Lock the case row only (an outer join to its author may not be locked on PostgreSQL).
    case = (Case.objects.select_for_update(of=("self",)).select_related("target_type", "author")
            .filter(pk=pk).first())
    if case is None:
        raise NotFound(_("没有这条审核"), field="case_id")
    return case


def _clean_reason(decision: str, reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise Invalid(_("理由不能超过 %(n)d 个字") % {"n": REASON_MAX_LENGTH}, field="reason")
    if not reason and decision not in (Decision.APPROVE, Decision.DISMISS):
        raise Invalid(_("请写明理由：作者会看到它"), field="reason")
    return reason


def _clean_mute_days(decision: str, mute_days) -> int | None:
    if decision != Decision.MUTE:
        return None
    days = parse_id(mute_days) if not isinstance(mute_days, bool) else None
    if days is None or not 1 <= days <= MUTE_DAYS_MAX:
        raise Invalid(_("禁言天数须在 1 到 %(n)d 之间") % {"n": MUTE_DAYS_MAX},
                      field="mute_days")
    return days


def decide_case(*, actor: Actor, case_id, decision: str, reason: str = "",
                mute_days=None) -> Case:
    """Decide an open case (or its appeal) in the actor's jurisdiction. Outside it, or about
    the actor's own content, or an appeal of the actor's own decision: PermissionDenied; a
    case already decided: Conflict; nothing changes on any error."""
    actor.require_scope(rules.MODERATION_SCOPE)
    actor.require_user()
    pk = _case_id(case_id)
    with transaction.atomic():
        case = _locked_case(pk)
        rules.require_decider(actor, case)
        if case.status != CaseStatus.OPEN:
            raise Conflict(_("这条审核已经处理过了"))
        if decision not in rules.decisions_for(actor, case):
            if decision == Decision.SUSPEND and case.appealed_at is None:
                raise PermissionDenied(_("只有学校管理员或站点管理员可以封禁账号"))
            raise Invalid(_("不能对这条审核作出这个处理"), field="decision")
        reason = _clean_reason(decision, reason)
        days = _clean_mute_days(decision, mute_days)
        if case.appealed_at is not None:
            _decide_appeal(actor, case, restore=decision == Decision.APPROVE, reason=reason)
        else:
            _decide(actor, case, decision, reason, days)
        events.send(events.ModerationDecided(case_id=case.pk, moderator_id=actor.user_id,
                                             decision=case.decision))
    return case


def _model(case: Case):
    return case.target_type.model_class()


def _hideable(case: Case) -> bool:
    kind = targets.kind_of(_model(case))
    return kind is not None and kind.hideable


def _state(case: Case) -> str | None:
    if not _hideable(case):
        return None
    return (_model(case).objects.filter(pk=case.target_id)
            .values_list("moderation", flat=True).first())


def _decide(actor: Actor, case: Case, decision: str, reason: str, days: int | None) -> None:
    was_held = _state(case) == ContentState.HELD
    now = timezone.now()
    if _hideable(case):
        state = ContentState.REMOVED if decision in REMOVING else ContentState.VISIBLE
        targets.set_state(_model(case), case.target_id, state)
    if decision == Decision.BAN:
        if case.author is None:
            raise Invalid(_("作者的账号已不存在"), field="decision")
        # groups.services screens text through this module: imported when used, not in a circle
        from yiban_core.groups.services import record_ban

        if not Ban.objects.filter(group_id=case.group_id, user=case.author).exists():
            record_ban(group=case.group, user=case.author, banned_by=actor.user,
                       reason=reason)
    elif decision in (Decision.WARN, Decision.MUTE, Decision.SUSPEND) and case.author_id:
        until = now + timedelta(days=days) if decision == Decision.MUTE else None
        Sanction.objects.create(user_id=case.author_id, kind=decision, until=until,
                                case=case, created_by=actor.user)
        if decision == Decision.SUSPEND:  # no more logins, sessions or tokens
            User.objects.filter(pk=case.author_id).update(is_active=False)
            personal_cache.forget([case.author_id])  # the cached signed-in user, too
    case.status, case.decision, case.reason, case.mute_days = (
        CaseStatus.DECIDED, decision, reason, days)
    case.decided_by, case.decided_at = actor.user, now
    case.save()
    if decision in REMOVING or was_held:  # a cleared report the author never knew of: silence
        _tell_author(case, _AUTHOR_KINDS[decision], reason, step="decided")
    _tell_reporters(case, upheld=decision in REMOVING, step="decided")


def _decide_appeal(actor: Actor, case: Case, *, restore: bool, reason: str) -> None:
    now = timezone.now()
    if restore:
        if _hideable(case):
            targets.set_state(_model(case), case.target_id, ContentState.VISIBLE)
        lifted = list(case.sanctions.filter(lifted_at__isnull=True))
        case.sanctions.filter(pk__in=[s.pk for s in lifted]).update(lifted_at=now)
        if any(s.kind == SanctionKind.SUSPEND for s in lifted):
            User.objects.filter(pk=case.author_id).update(is_active=True)
            personal_cache.forget([case.author_id])
        if case.decision == Decision.BAN and case.group_id and case.author_id:
            Ban.objects.filter(group_id=case.group_id, user_id=case.author_id).delete()
        case.decision = Decision.APPROVE
    case.status, case.reason, case.appeal_decided = CaseStatus.DECIDED, reason, True
    case.decided_by, case.decided_at = actor.user, now
    case.save()
    kind = Notification.Kind.APPEAL_GRANTED if restore else Notification.Kind.APPEAL_UPHELD
    _tell_author(case, kind, reason, step="appeal")
    _tell_reporters(case, upheld=not restore, step="appeal")


def _tell_author(case: Case, kind: str, reason: str, *, step: str) -> None:
    if case.author_id is None:
        return
    notify(recipient_ids=[case.author_id], kind=kind, event_key=f"moderation:{case.pk}:{step}",
           group_id=case.group_id if kind == Notification.Kind.BANNED_FROM_GROUP else None,
           target=case, excerpt=reason)


def _tell_reporters(case: Case, *, upheld: bool, step: str) -> None:
    reports = case.reports.all()
    reporter_ids = list(reports.values_list("reporter_id", flat=True))
    if not reporter_ids:
        return
    kind = Notification.Kind.REPORT_HANDLED if upheld else Notification.Kind.REPORT_NO_VIOLATION
    notify(recipient_ids=reporter_ids, kind=kind, target=case,
           event_key=f"report-outcome:{case.pk}:{step}")
    reports.update(outcome_notified_at=timezone.now())


def appeal_case(*, actor: Actor, case_id, text: str) -> Case:
    """The author appeals a decision against them, once per case, within APPEAL_DAYS: the
    case is open again (appealed), for a moderator other than the one who decided it."""
    actor.require_scope(APPEAL_SCOPE)
    user = actor.require_user()
    pk = _case_id(case_id)
    text = (text or "").strip()
    if not text:
        raise Invalid(_("请写明申诉理由"), field="text")
    if len(text) > REASON_MAX_LENGTH:
        raise Invalid(_("申诉理由不能超过 %(n)d 个字") % {"n": REASON_MAX_LENGTH}, field="text")
    with transaction.atomic():
        case = _locked_case(pk)
        if case.author_id != user.pk:
            raise PermissionDenied(_("只有内容的作者可以申诉"))
        if case.appealed_at is not None:
            raise Conflict(_("每条处理只能申诉一次"))
        if case.status != CaseStatus.DECIDED or case.decision not in REMOVING:
            raise Invalid(_("这条审核没有可申诉的处理"))
        if case.decided_at < timezone.now() - timedelta(days=APPEAL_DAYS):
            raise Invalid(_("已超过申诉期限（%(n)d 天）") % {"n": APPEAL_DAYS})
        if Case.objects.filter(target_type_id=case.target_type_id, target_id=case.target_id,
                               status=CaseStatus.OPEN).exists():
            raise Conflict(_("这项内容已有一条待处理的审核"))
        case.status, case.appeal_text, case.appealed_at = CaseStatus.OPEN, text, timezone.now()
        case.first_moderator_id = case.decided_by_id
        case.save()
    return case
# --- pre-moderation (先审后发): the school's default ----------------------------------------


@web_session_only(gettext_lazy("学校的先审后发设置只能在网页上修改"))
def set_school_premoderation(*, actor: Actor, school: School, enabled: bool) -> School:
    """Turn the school's default 先审后发 on or off (rules.premoderation_reason says what it
    covers): its administrators and site admins, in a web session."""
    if not rules.may_set_school_premoderation(actor, school):
        raise PermissionDenied(_("只有该校管理员可以修改学校的先审后发设置"))
    if not isinstance(enabled, bool):
        raise Invalid(_("先审后发的设置不正确"), field="enabled")
    School.objects.filter(pk=school.pk).update(premoderate_default=enabled)
    school.premoderate_default = enabled
    return school
