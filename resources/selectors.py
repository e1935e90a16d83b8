"""Every read of resources: the one place that decides who sees a resource.

A resource is seen by its owner, and otherwise by its visibility: public:
everyone; school: verified members of the owner's school (when published); group: the
group's members, or anyone when the group is not private. Boards rank public
resources only, so a ranking never reveals a school-only or group resource.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from resources.models import (
    Course,
    Rating,
    Resource,
    ResourceVersion,
    ReviewHelpful,
    Subject,
    Visibility,
)
from yiban_core.actor import Actor
from yiban_core.errors import Invalid, NotFound
from yiban_core.groups.models import Membership
from yiban_core.groups.rules import school_app_reads_q
from yiban_core.ids import parse_id, require_id
from yiban_core.moderation.models import ContentState
from yiban_core.notifications.targets import DELETED, HIDDEN, Excerpts, excerpt

SORTS = {
    "newest": ("-pk",),
    "best": ("-bayesian_score", "-pk"),
    "downloads": ("-download_count", "-pk"),
}


def visible_q(actor: Actor) -> Q:
    """Who reads a resource: by its visibility, and always its owner; one held or removed
    by moderation (Resource.moderation) its owner only."""
    user = actor.user
    q = Q(visibility=Visibility.PUBLIC) | Q(visibility=Visibility.GROUP, group__is_private=False)
    if user is not None:
        q |= Q(visibility=Visibility.GROUP,
               group_id__in=Membership.objects.filter(user=user).values("group_id"))
        if user.verified_school_id is not None:
            q |= Q(visibility=Visibility.SCHOOL, school_id=user.verified_school_id)
    elif actor.school is not None:
        q |= Q(visibility=Visibility.SCHOOL, school_id=actor.school.pk)
        q |= Q(visibility=Visibility.GROUP) & school_app_reads_q(actor.school.pk, "group__")
    q &= Q(moderation=ContentState.VISIBLE)
    return q | Q(owner_id=user.pk) if user is not None else q


def with_details(qs: QuerySet[Resource]) -> QuerySet[Resource]:
    return (qs.select_related("owner", "owner__profile", "course", "course__school", "group",
                              "current", "current__blob")
            .prefetch_related("tags"))


def visible_resources(*, actor: Actor) -> QuerySet[Resource]:
    actor.require_scope("resources:read")
    return with_details(Resource.objects.filter(visible_q(actor)))


def visible_resource_ids(*, actor: Actor, ids) -> set[int]:
    """Which of these resource ids the viewer may see: one query."""
    ids = list(ids)
    if not ids or not actor.has_scope("resources:read"):
        return set()
    return set(seen_resources(actor=actor).filter(pk__in=ids).values_list("pk", flat=True))


def seen_resources(*, actor: Actor) -> QuerySet[Resource]:
    """The resources the viewer may see, bare: visible_resource_ids' rule as a queryset
    (the site search checks its ranked rows against it in SQL)."""
    if not actor.has_scope("resources:read"):
        return Resource.objects.none()
    return Resource.objects.filter(visible_q(actor))


def notification_excerpts(actor: Actor, refs) -> dict[tuple, Excerpts]:
    """What notifications about resources quote, for (kind, resource id, rating id): the
    title, and the rating's stars and review, while the reader may see the resource."""
    titles = dict(Resource.objects.filter(pk__in={pk for _k, pk, _d in refs})
                  .values_list("pk", "title"))
    visible = visible_resource_ids(actor=actor, ids=titles)
    ratings = {pk: (stars, review) for pk, stars, review in Rating.objects.filter(
        shown_reviews_q(actor), pk__in={d for _k, _pk, d in refs if d}, resource_id__in=visible,
    ).values_list("pk", "stars", "review")}
    found = {}
    for kind, pk, detail in refs:
        if pk not in visible:
            found[(kind, pk, detail)] = Excerpts(target_state=DELETED if pk not in titles
                                                 else HIDDEN)
            continue
        said = None
        if detail in ratings:
            stars, review = ratings[detail]
            said = "★" * stars + "☆" * (5 - stars) + (f" {excerpt(review)}" if review else "")
        found[(kind, pk, detail)] = Excerpts(excerpt(titles[pk]), "", said,
                                             "" if said or not detail else DELETED)
    return found


def can_see_resource(actor: Actor, resource: Resource) -> bool:
    if not actor.has_scope("resources:read"):
        return False
    return Resource.objects.filter(visible_q(actor), pk=resource.pk).exists()


def get_resource(*, actor: Actor, pk) -> Resource:
    resources = visible_resources(actor=actor)  # the scope first: a token without it learns nothing
    pk = parse_id(pk)
    resource = resources.filter(pk=pk).first() if pk else None
    if resource is None:
        raise NotFound(_("资源不存在或你无权查看"), field="resource")
    return resource


def browse(*, actor: Actor, query: str = "", school_id=None, course_id=None, subject=None,
           tag: str = "", sort: str = "newest") -> QuerySet[Resource]:
    """The library with its filters; order fixed per sort so pages walk by cursor."""
    if sort not in SORTS:
        raise Invalid(_("排序方式不正确"), field="sort")
    if subject and subject not in Subject.values:
        raise Invalid(_("学科不正确"), field="subject")
    qs = visible_resources(actor=actor)
    query = (query or "").strip()[:60]
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(description__icontains=query))
    school_id, course_id = _as_id(school_id, "school"), _as_id(course_id, "course")
    if school_id:
        qs = qs.filter(school_q(school_id))
    if course_id:
        qs = qs.filter(course_id=course_id)
    if subject:
        qs = qs.filter(subject=subject)
    if tag:
        qs = qs.filter(tags__name=tag.strip())
    return qs.order_by(*SORTS[sort])


def versions(*, actor: Actor, resource: Resource) -> QuerySet[ResourceVersion]:
    get_resource(actor=actor, pk=resource.pk)
    return resource.versions.select_related("blob", "uploaded_by").order_by("-number")


def shown_reviews_q(actor: Actor, prefix: str = "") -> Q:
    """Reviews held or removed by moderation are shown to their authors only."""
    q = Q(**{f"{prefix}moderation": ContentState.VISIBLE})
    return q | Q(**{f"{prefix}user_id": actor.user.pk}) if actor.user is not None else q


def review_is_shown(actor: Actor, rating: Rating) -> bool:
    """A review held or removed by moderation is shown to its author only."""
    return rating.moderation == ContentState.VISIBLE or (
        actor.user is not None and rating.user_id == actor.user.pk)


def reviews(*, actor: Actor, resource: Resource) -> QuerySet[Rating]:
    """Ratings with a review, most helpful first."""
    get_resource(actor=actor, pk=resource.pk)
    return (resource.ratings.exclude(review="").filter(shown_reviews_q(actor))
            .select_related("user", "user__profile").order_by("-helpful_count", "-pk"))


def helpful_marked_ids(*, actor: Actor, rating_ids) -> set[int]:
    """Which of these reviews the viewer has marked helpful: one query for a page."""
    rating_ids = list(rating_ids)
    if actor.user is None or not rating_ids:
        return set()
    return set(ReviewHelpful.objects.filter(user=actor.user, rating_id__in=rating_ids)
               .values_list("rating_id", flat=True))


def school_q(school_id, prefix: str = "") -> Q:
    """What belongs to a school: its courses' resources, and resources without a course
    published by its members. The library and the school boards share this rule."""
    return (Q(**{f"{prefix}course__school_id": school_id})
            | Q(**{f"{prefix}course__isnull": True, f"{prefix}school_id": school_id}))


def _as_id(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    return require_id(value, field=field, error=Invalid)


def my_rating(*, actor: Actor, resource: Resource) -> Rating | None:
    if actor.user is None:
        return None
    return resource.ratings.filter(user=actor.user).first()


def get_course(*, actor: Actor, pk) -> Course:
    actor.require_scope("resources:read")
    pk = parse_id(pk)
    course = Course.objects.select_related("school").filter(pk=pk).first() if pk else None
    if course is None:
        raise NotFound(_("没有这门课程"), field="course")
    return course


def courses(*, actor: Actor, school_id=None, query: str = "") -> QuerySet[Course]:
    actor.require_scope("resources:read")
    school_id = _as_id(school_id, "school")
    qs = Course.objects.select_related("school").order_by("school_id", "code", "pk")
    if school_id:
        qs = qs.filter(school_id=school_id)
    query = (query or "").strip()[:60]
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return qs
