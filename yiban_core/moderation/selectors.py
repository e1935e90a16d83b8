"""Who sees which moderation cases: the review queue of a moderator's jurisdiction
(rules.jurisdiction_q), and a case as its author sees it (what was decided and why, and
whether they may still appeal). Reporters are named to moderators only."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiban_core import personal_cache
from yiban_core.actor import Actor
from yiban_core.errors import Invalid, NotFound, PermissionDenied
from yiban_core.ids import parse_id
from yiban_core.moderation import rules, targets
from yiban_core.moderation.models import Case, CaseStatus, Report, ReportReason
from yiban_core.notifications.targets import Excerpts, excerpt
from yiban_core.pagination import Page, paginate

STATUSES = (CaseStatus.OPEN, CaseStatus.DECIDED)


def _ordered(qs: QuerySet, status: str) -> QuerySet:
    # The open queue is worked oldest first (an appeal keeps its place); decided, newest first.
    if status == CaseStatus.OPEN:
        return qs.order_by("created_at", "pk")
    return qs.order_by("-decided_at", "-pk")


def queue_cases(*, actor: Actor, status: str = CaseStatus.OPEN,
                kind: str | None = None) -> QuerySet[Case]:
    """The cases of the actor's jurisdiction with that status (and target kind, by its
    GraphQL type name: "Post", "Comment", "Resource", "Rating", "Group", "User")."""
    actor.require_scope(rules.MODERATION_SCOPE)
    actor.require_user()
    if status not in STATUSES:
        raise Invalid(_("状态只能是 open 或 decided"), field="status")
    where = rules.jurisdiction_q(actor)
    if where is None:
        return Case.objects.none()
    qs = Case.objects.filter(where, status=status)
    if kind:
        found = targets.by_type_name(kind)
        if found is None:
            raise Invalid(_("没有这种审核对象"), field="kind")
        qs = qs.filter(target_type=ContentType.objects.get_for_model(found.model))
    reports = Report.objects.select_related("reporter").order_by("pk")
    return _ordered(qs.select_related("author", "group", "school", "target_type", "decided_by")
                    .prefetch_related(Prefetch("reports", queryset=reports)), status)


def moderation_queue(*, actor: Actor, status: str = CaseStatus.OPEN, kind: str | None = None,
                     cursor: str | None = None, page_size: int | None = None) -> Page:
    """A page of the queue, each case described for moderators (describe_cases)."""
    page = paginate(queue_cases(actor=actor, status=status, kind=kind), first=page_size,
                    after=cursor)
    describe_cases(actor=actor, cases=page.items)
    return page


def describe_cases(*, actor: Actor, cases: list[Case]) -> list[Case]:
    """Give each case what the queue shows: `kind` (the TargetKind), `path` (the content's
    page, when it still exists), `state` (its ContentState, for hideable content),
    `reason_counts` [(reason, label, count)], most reported first, and `viewer_may_decide`,
    `viewer_decisions`. One query per kind of target, whatever the page size."""
    wanted: dict[type, list[int]] = {}
    for case in cases:
        case.kind = targets.kind_of(case.target_type.model_class())
        if case.kind is not None:
            wanted.setdefault(case.kind.model, []).append(case.target_id)
    rows = {}
    for model, ids in wanted.items():
        qs = model.objects.filter(pk__in=ids)
        rows.update({(model, row.pk): row for row in qs})
    labels = dict(ReportReason.choices)
    for case in cases:
        row = rows.get((case.kind.model, case.target_id)) if case.kind else None
        case.path = case.kind.path(row) if row is not None else None
        case.state = getattr(row, "moderation", None) if row is not None else None
        counts = Counter(report.reason for report in case.reports.all())
        case.reason_counts = [(reason, labels.get(reason, reason), n)
                              for reason, n in counts.most_common()]
        case.viewer_may_decide = (case.status == CaseStatus.OPEN
                                  and rules.may_decide(actor, case))
        case.viewer_decisions = (rules.decisions_for(actor, case) if case.viewer_may_decide
                                 else [])
    return cases


def my_case(*, actor: Actor, case_id) -> Case:
    """A case about the actor's own content (or account), as its author sees it: never who
    reported it. `appeal_open`: they may still appeal (services.appeal_case)."""
    from yiban_core.moderation.services import APPEAL_DAYS, REMOVING

    user = actor.require_user()
    pk = parse_id(case_id)
    case = (Case.objects.select_related("target_type", "group").filter(pk=pk, author=user).first()
            if pk is not None else None)
    if case is None:
        raise NotFound(_("没有这条审核"), field="case_id")
    case.kind = targets.kind_of(case.target_type.model_class())
    row = (case.kind.model.objects.filter(pk=case.target_id).first()
           if case.kind is not None else None)
    case.path = case.kind.path(row) if row is not None else None
    case.state = getattr(row, "moderation", None) if row is not None else None
    case.appeal_open = (case.status == CaseStatus.DECIDED and case.appealed_at is None
                        and case.decision in REMOVING and case.decided_at is not None
                        and case.decided_at >= timezone.now() - timedelta(days=APPEAL_DAYS))
    return case


def latest_cases_of(*, actor: Actor, model, ids) -> dict[int, Case]:
    """For the author's marks on their own held or removed content (审核中 / 已删除): the
    newest case of each of `ids` that the actor wrote, by target id."""
    if actor.user is None or not ids:
        return {}
    qs = (Case.objects.filter(target_type=ContentType.objects.get_for_model(model),
                              target_id__in=list(ids), author=actor.user)
          .order_by("target_id", "-pk"))
    found: dict[int, Case] = {}
    for case in qs:
        found.setdefault(case.target_id, case)
    return found


def moderates_anything(*, actor: Actor) -> bool:
    """Whether the signed-in user moderates anything (the 审核队列 link in every page's
    menu): cached per person, forgotten when their roles change."""
    if actor.user is None:
        return False
    return personal_cache.read(actor.user, "moderates", lambda: rules.has_jurisdiction(actor))


def require_moderator(actor: Actor) -> None:
    """The queue page is for those with a jurisdiction."""
    actor.require_user()
    if not rules.has_jurisdiction(actor):
        raise PermissionDenied(_("你没有需要审核的群组或学校"))


# --- notifications about a case (yiban_core.notifications.targets) --------------------------

def _concerned(actor: Actor, ids: list[int]) -> QuerySet[Case]:
    if actor.user is None:
        return Case.objects.none()
    return Case.objects.filter(Q(author=actor.user) | Q(reports__reporter=actor.user),
                               pk__in=ids).distinct()


def notified_case_ids(actor: Actor, ids: list[int]) -> set[int]:
    """The cases a notification may name to its reader: their own, or one they reported."""
    return set(_concerned(actor, ids).values_list("pk", flat=True))


def notification_excerpts(actor: Actor, refs: list[tuple[str, int, int | None]]) -> dict:
    """What a moderation notification quotes: the words judged (the reader wrote or
    reported them)."""
    cases = {c.pk: c for c in _concerned(actor, [ref[1] for ref in refs])}
    found = {}
    for ref in refs:
        case = cases.get(ref[1])
        if case is not None:
            found[ref] = Excerpts(target=excerpt(case.excerpt) if case.excerpt else None)
    return found

