"""Resource boards: public resources by Bayesian score (all time) and by downloads
(today, this week, this month, all time), over the site, a school, a course or a
subject. Redis sorted sets when Redis is there, else the database; both order by
score, then the lower id.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F, QuerySet

from resources.models import Course, Download, Resource, Subject, Visibility
from resources.selectors import school_q, visible_resources
from yiban_core.accounts.models import School
from yiban_core.actor import Actor
from yiban_core.credits import board_store
from yiban_core.credits.windows import WINDOWS, bucket, window_start

METRICS = ("score", "downloads")
SCORE_SCALE = 1_000_000  # scores are stored as integers so Redis and the database tie alike


def _scopes(resource: Resource) -> list[str]:
    scopes = ["site", f"subject:{resource.subject}"]
    if resource.course_id:
        scopes.append(f"course:{resource.course_id}")
    school_id = resource.course.school_id if resource.course_id else resource.school_id
    if school_id:
        scopes.append(f"school:{school_id}")
    return scopes


def _scope_name(*, school_id=None, course_id=None, subject=None) -> str:
    if course_id:
        return f"course:{course_id}"
    if subject:
        return f"subject:{subject}"
    if school_id:
        return f"school:{school_id}"
    return "site"


def _key(metric: str, scope: str, window: str = "all", when: datetime | None = None) -> str:
    return f"yb:lb:res:{metric}:{scope}:{window}:{bucket(window, when)}"


def score_points(resource: Resource) -> int:
    return round(resource.bayesian_score * SCORE_SCALE)


def record_score(resource: Resource, old_points: int) -> None:
    if resource.visibility != Visibility.PUBLIC:
        return
    delta = score_points(resource) - old_points
    board_store.increment_after_commit([(_key("score", s), resource.pk, delta, False)
                                        for s in _scopes(resource)])


def record_download(resource: Resource, when: datetime) -> None:
    if resource.visibility != Visibility.PUBLIC:
        return
    changes = [(_key("downloads", s, w, when), resource.pk, 1, w != "all")
               for s in _scopes(resource) for w in WINDOWS]
    board_store.increment_after_commit(changes)


def _scoped(qs: QuerySet, scope: dict, prefix: str = "") -> QuerySet:
    if scope.get("course_id"):
        qs = qs.filter(**{f"{prefix}course_id": scope["course_id"]})
    elif scope.get("subject"):
        qs = qs.filter(**{f"{prefix}subject": scope["subject"]})
    elif scope.get("school_id"):
        qs = qs.filter(school_q(scope["school_id"], prefix))
    return qs


def _db_rows(metric: str, window: str, scope: dict) -> QuerySet:
    public = Resource.objects.filter(visibility=Visibility.PUBLIC)
    if metric == "score":
        qs = _scoped(public, scope).filter(rating_count__gt=0).annotate(
            points=F("bayesian_score") * SCORE_SCALE)
        return qs.values("pk", "points").order_by("-points", "pk")
    start = window_start(window)
    if start is None:
        qs = _scoped(public, scope).filter(download_count__gt=0).annotate(
            points=F("download_count"))
        return qs.values("pk", "points").order_by("-points", "pk")
    downloads = _scoped(Download.objects.filter(created_at__gte=start,
                                                resource__visibility=Visibility.PUBLIC),
                        scope, prefix="resource__")
    return (downloads.values(pk=F("resource_id")).annotate(points=Count("pk"))
            .order_by("-points", "resource_id"))


def top(*, metric: str, window: str = "all", count: int = 100, use_redis: bool = True,
        **scope) -> list[tuple[int, int]]:
    """[(resource id, points)] best first."""
    if metric == "score":
        window = "all"
    if use_redis:
        rows = board_store.top(_key(metric, _scope_name(**scope), window), count)
        if rows is not None:
            return [(pk, int(points)) for pk, points in rows]
    return [(row["pk"], round(row["points"])) for row in _db_rows(metric, window, scope)[:count]]


def rebuild(*, missing_only: bool = False) -> int:
    """Recompute the Redis resource boards from the database; how many were rebuilt."""
    scopes = [{}] + [{"subject": s} for s in Subject.values]
    scopes += [{"course_id": pk} for pk in Course.objects.values_list("pk", flat=True)]
    scopes += [{"school_id": pk} for pk in School.objects.values_list("pk", flat=True)]
    count = 0
    for scope in scopes:
        for metric in METRICS:
            for window in (("all",) if metric == "score" else WINDOWS):
                def rows(metric=metric, window=window, scope=scope):
                    return [(row["pk"], round(row["points"]))
                            for row in _db_rows(metric, window, scope)]
                count += board_store.replace(_key(metric, _scope_name(**scope), window), rows,
                                             expires=window != "all", missing_only=missing_only)
    return count


def leaderboard(*, actor: Actor, metric: str, window: str = "all", count: int = 100,
                **scope) -> list[tuple[int, Resource, int]]:
    """[(rank, resource, points)]: the board as the viewer may see it, for the page and
    the API alike. The resources are read through the selector (a board may still hold
    one hidden or deleted since it was counted); ranks count the rows shown."""
    ranked = top(metric=metric, window=window, count=count, **scope)
    found = visible_resources(actor=actor).in_bulk([pk for pk, _points in ranked])
    shown = [(pk, points) for pk, points in ranked if pk in found]
    return [(rank, found[pk], points) for rank, (pk, points) in enumerate(shown, start=1)]
