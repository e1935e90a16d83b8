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

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiban_core import events
from yiban_core.accounts.models import School
from yiban_core.actor import Actor, web_session_only
from yiban_core.errors import Conflict, Invalid, PermissionDenied
from yiban_core.moderation import rules, words
from yiban_core.moderation.models import (
    EXCERPT_MAX_LENGTH,
    REPORT_DETAIL_MAX_LENGTH,
    Action,
    Case,
    CaseOrigin,
    CaseStatus,
    ContentState,
    Report,
    ReportReason,
    SensitiveWord,
)
from yiban_core.moderation.normalise import fold, pinyin_of
from yiban_core.moderation.targets import TargetKind, kind_of, set_state
from yiban_core.moderation.wordfile import read_word_file
from yiban_core.moderation.words import Verdict, check_text
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
