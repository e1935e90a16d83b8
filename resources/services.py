"""Every write to resources: publish, new versions, downloads, ratings, reviews, shares.

Each checks permission and input before anything is stored, writes rows and
aggregates in one transaction, and pays points through the credits ledger.
"""

from __future__ import annotations

from urllib.parse import urlparse

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from feeds import services as feed_services
from feeds.models import Visibility as PostVisibility
from resources import boards, files, rules, scoring
from resources.models import (
    Course,
    Download,
    Licence,
    Rating,
    Resource,
    ResourceShare,
    ResourceVersion,
    ReviewHelpful,
    Subject,
    Tag,
    Visibility,
)
from resources.selectors import can_see_resource, get_resource, review_is_shown
from yiban_core import events
from yiban_core.accounts.models import School
from yiban_core.accounts.rules import require_school_publisher
from yiban_core.actor import Actor
from yiban_core.credits import services as credits
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups.models import Group
from yiban_core.groups.rules import role_in
from yiban_core.moderation.services import hold_if_needed, school_of, screen
from yiban_core.moderation.words import Verdict
from yiban_core.notifications.models import Notification
from yiban_core.notifications.services import notify
from yiban_core.ratelimit import hit
from yiban_core.search.services import index_later

MAX_TAGS = 8
RATINGS_PER_HOUR = 60  # new ratings and changes to one


def _text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(_("不能为空"), field=field)
    if len(value) > max_length:
        raise Invalid(_("不能超过 %(n)d 个字") % {"n": max_length}, field=field)
    return value


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 500:
        raise Invalid(_("请填写以 http:// 或 https:// 开头的链接"), field="url")
    return url


def _clean_tags(tags, *, school, verdicts: list[Verdict]) -> list[str]:
    """The tag names to save; each one's verdict is added to `verdicts`."""
    names = []
    for raw in tags or []:
        verdict = screen("tags", " ".join(str(raw).split())[:30], school=school)
        verdicts.append(verdict)
        if verdict.text and verdict.text not in names:
            names.append(verdict.text)
    if len(names) > MAX_TAGS:
        raise Invalid(_("最多 %(n)d 个标签") % {"n": MAX_TAGS}, field="tags")
    return names


def _screened(verdicts: list[Verdict], field: str, text: str, *, school) -> str:
    """The text to save (moderation's screen), its verdict kept for hold_if_needed."""
    verdict = screen(field, text, school=school)
    verdicts.append(verdict)
    return verdict.text


def course_for(*, school: School, code: str, name: str = "") -> Course:
    """The course with this code at this school, created on first mention."""
    code = _text(code, field="course_code", max_length=30, required=True).upper()
    course = Course.objects.filter(school=school, code=code).first()
    if course is not None:
        return course
    name = _text(name, field="course_name", max_length=100, required=True)
    try:
        with transaction.atomic():
            return Course.objects.create(school=school, code=code, name=name)
    except IntegrityError:
        return Course.objects.get(school=school, code=code)


def _version(resource: Resource, *, actor: Actor, upload=None, url: str = "",
             note: str = "") -> ResourceVersion:
    number = (resource.versions.order_by("-number").values_list("number", flat=True).first()
              or 0) + 1
    if resource.kind == Resource.Kind.FILE:
        blob = files.store_blob(upload)
        version = ResourceVersion.objects.create(
            resource=resource, number=number, blob=blob, note=note, uploaded_by=actor.user,
            filename=files.safe_filename(resource.title, blob.content_type),
        )
    else:
        version = ResourceVersion.objects.create(resource=resource, number=number, url=url,
                                                 note=note, uploaded_by=actor.user)
        resource.url = url
    resource.current = version
    resource.save(update_fields=["current", "url", "updated_at"])
    return version


def publish_resource(
    *, actor: Actor, title: str, subject: str, upload=None, url: str = "",
    description: str = "", tags=(), licence: str = Licence.CC_BY,
    visibility: str = Visibility.PUBLIC, group: Group | None = None, course: Course | None = None,
) -> Resource:
    actor.require_scope("resources:write")
    user = actor.require_user()
    school = school_of(user, group)
    verdicts: list[Verdict] = []
    title = _screened(verdicts, "title",
                      _text(title, field="title", max_length=120, required=True), school=school)
    description = _screened(verdicts, "description",
                            _text(description, field="description", max_length=5000),
                            school=school)
    if subject not in Subject.values:
        raise Invalid(_("请选择学科"), field="subject")
    if licence not in Licence.values:
        raise Invalid(_("许可协议不正确"), field="licence")
    tag_names = _clean_tags(tags, school=school, verdicts=verdicts)
    if (upload is None) == (not url):
        raise Invalid(_("请上传一个文件，或填写一个链接（二选一）"), field="file")
    if url:
        url = _clean_url(url)
    else:
        files.check_size(upload)
        files.detect_type(upload)  # refuse before anything is written
    if group is not None:
        if not rules.may_share_in_group(role_in(actor, group)):
            raise PermissionDenied(_("只有群成员可以向群里分享资源"))
        visibility = Visibility.GROUP
    elif visibility == Visibility.GROUP:
        raise Invalid(_("群内资源要选一个群"), field="group")
    elif visibility not in Visibility.values:
        raise Invalid(_("可见范围不正确"), field="visibility")
    if visibility == Visibility.SCHOOL:
        require_school_publisher(user)
    with transaction.atomic():
        resource = Resource.objects.create(
            owner=user, kind=Resource.Kind.LINK if url else Resource.Kind.FILE, title=title,
            description=description, url=url, subject=subject, licence=licence,
            visibility=visibility, group=group, school_id=user.school_id, course=course,
        )
        resource.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tag_names])
        _version(resource, actor=actor, upload=upload, url=url)
        hold_if_needed(resource, *verdicts)
        index_later("resource", resource.pk)
        credits.award(user_id=user.pk, rule="resource_shared", key=str(resource.pk),
                      source=resource)
    return resource


def _owned(actor: Actor, resource_id) -> Resource:
    actor.require_scope("resources:write")
    actor.require_user()
    resource = get_resource(actor=actor, pk=resource_id)
    if not rules.may_change(actor, resource):
        raise PermissionDenied(_("只有上传者可以修改这个资源"))
    return resource


def add_version(*, actor: Actor, resource_id, upload=None, url: str = "",
                note: str = "") -> ResourceVersion:
    """A new version; the old ones stay in the history."""
    resource = _owned(actor, resource_id)
    verdict = screen("note", _text(note, field="note", max_length=200),
                     school=school_of(actor.user, resource.group))
    note = verdict.text
    if resource.kind == Resource.Kind.FILE:
        if upload is None:
            raise Invalid(_("请上传新版本的文件"), field="file")
        files.check_size(upload)
        files.detect_type(upload)
    else:
        url = _clean_url(url)
    with transaction.atomic():
        version = _version(resource, actor=actor, upload=upload, url=url, note=note)
        hold_if_needed(resource, verdict)  # the note is shown with the resource
        return version


def update_resource(*, actor: Actor, resource_id, title: str | None = None,
                    description: str | None = None, subject: str | None = None,
                    licence: str | None = None, tags=None) -> Resource:
    resource = _owned(actor, resource_id)
    school = school_of(actor.user, resource.group)
    changes = {}
    verdicts: list[Verdict] = []
    if title is not None:
        changes["title"] = _screened(
            verdicts, "title", _text(title, field="title", max_length=120, required=True),
            school=school)
    if description is not None:
        changes["description"] = _screened(
            verdicts, "description", _text(description, field="description", max_length=5000),
            school=school)
    if subject is not None:
        if subject not in Subject.values:
            raise Invalid(_("请选择学科"), field="subject")
        changes["subject"] = subject
    if licence is not None:
        if licence not in Licence.values:
            raise Invalid(_("许可协议不正确"), field="licence")
        changes["licence"] = licence
    tag_names = (_clean_tags(tags, school=school, verdicts=verdicts) if tags is not None
                 else None)
    with transaction.atomic():
        for name, value in changes.items():
            setattr(resource, name, value)
        resource.save(update_fields=[*changes, "updated_at"])  # not stale counters
        if tag_names is not None:
            resource.tags.set([Tag.objects.get_or_create(name=n)[0] for n in tag_names])
        hold_if_needed(resource, *verdicts)
        index_later("resource", resource.pk)
    return resource


def delete_resource(*, actor: Actor, resource_id) -> None:
    actor.require_scope("resources:write")
    actor.require_user()
    resource = get_resource(actor=actor, pk=resource_id)
    if not rules.may_delete(actor, resource, role_in(actor, resource.group)):
        raise PermissionDenied(_("只能删除自己的资源"))
    with transaction.atomic():
        credits.reverse_for(resource)
        resource_id = resource.pk
        resource.delete()  # blobs stay: other resources may hold the same bytes
        index_later("resource", resource_id)


def record_download(*, actor: Actor, resource_id) -> ResourceVersion:
    """The version to send; counts one download per user per resource per day."""
    resource = get_resource(actor=actor, pk=resource_id)
    version = resource.current
    if resource.kind != Resource.Kind.FILE or version is None or version.blob_id is None:
        raise Invalid(_("这是一个链接资源，没有文件可下载"), field="resource")
    if actor.user is None:
        return version
    today = timezone.localdate()
    with transaction.atomic():
        _download, created = Download.objects.get_or_create(resource=resource, user=actor.user,
                                                            day=today)
        if created:
            Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
            if resource.owner_id != actor.user.pk:
                credits.award(user_id=resource.owner_id, rule="resource_downloaded",
                              key=f"{resource.pk}:{actor.user.pk}:{today}", source=resource)
            boards.record_download(resource, timezone.now())  # on commit
            index_later("resource", resource.pk)  # downloads rank search results
    return version


def rate_resource(*, actor: Actor, resource_id, stars, review: str = "") -> Rating:
    """1 to 5 stars and an optional review; a second rating by the same person updates it."""
    actor.require_scope("resources:write")
    user = actor.require_user()
    resource = get_resource(actor=actor, pk=resource_id)
    if not isinstance(stars, int) or isinstance(stars, bool) or not 1 <= stars <= 5:
        raise Invalid(_("评分须为 1 到 5 星"), field="stars")
    verdict = screen("review", _text(review, field="review", max_length=2000),
                     school=school_of(user, resource.group))
    review = verdict.text
    if rules.rates_own(actor, resource):
        raise PermissionDenied(_("不能给自己的资源评分"))
    if not rules.may_rate(actor, resource, role_in(actor, resource.group)):
        raise PermissionDenied(_("只有群成员可以给群内资源评分"))
    hit(f"rating:{user.pk}", limit=RATINGS_PER_HOUR, window_s=3600)
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        old_points = boards.score_points(locked)
        rating = Rating.objects.filter(resource=locked, user=user).first()
        if rating is None:
            rating = Rating.objects.create(resource=locked, user=user, stars=stars, review=review)
            locked.rating_count += 1
            locked.rating_sum += stars
            credits.award(user_id=locked.owner_id, rule="resource_rated",
                          key=f"{locked.pk}:{user.pk}", source=locked)
            # The first rating only: changing the stars later notifies nobody again.
            notify(recipient_ids=[locked.owner_id], kind=Notification.Kind.RESOURCE_RATED,
                   actor_id=user.pk, event_key=f"rating:{rating.pk}", target=locked,
                   detail_id=rating.pk, group_key=f"resource_rated:{locked.pk}")
        else:
            locked.rating_sum += stars - rating.stars
            rating.stars, rating.review = stars, review
            rating.save(update_fields=["stars", "review", "updated_at"])
        if review:
            credits.award(user_id=user.pk, rule="review_written", key=str(rating.pk),
                          source=locked)
        locked.bayesian_score = scoring.bayesian(locked.rating_sum, locked.rating_count,
                                                 scoring.site_mean())
        locked.save(update_fields=["rating_count", "rating_sum", "bayesian_score"])
        hold_if_needed(rating, verdict)  # the review's words; its stars still count
        index_later("resource", locked.pk)  # "best rated" sorts by the score
        events.send(events.ResourceRated(rating_id=rating.pk, resource_id=locked.pk))
        boards.record_score(locked, old_points)  # moves the boards on commit
    return rating


def mark_helpful(*, actor: Actor, rating_id) -> Rating:
    actor.require_scope("resources:write")
    user = actor.require_user()
    rating = Rating.objects.select_related("resource").filter(pk=rating_id).first()
    if (rating is None or not can_see_resource(actor, rating.resource) or not rating.review
            or not review_is_shown(actor, rating)):
        raise NotFound(_("评价不存在"), field="rating")
    if not rules.may_mark_helpful(actor, rating):
        raise Invalid(_("不能给自己的评价点有用"), field="rating")
    try:
        with transaction.atomic():
            ReviewHelpful.objects.create(rating=rating, user=user)
            Rating.objects.filter(pk=rating.pk).update(helpful_count=F("helpful_count") + 1)
    except IntegrityError:
        raise Conflict(_("已经标记过了"), field="rating") from None
    rating.helpful_count += 1
    return rating


def share_resource(*, actor: Actor, resource_id, text: str = "",
                   group: Group | None = None) -> ResourceShare:
    """Share into a group or one's own timeline, as a post: never to a wider audience
    than the resource has (a group resource stays in its group, a school one in its school)."""
    actor.require_scope("resources:write")
    user = actor.require_user()
    resource = get_resource(actor=actor, pk=resource_id)
    visibility = PostVisibility.PUBLIC
    if resource.visibility == Visibility.GROUP:
        if group is None or group.pk != resource.group_id:
            raise Invalid(_("群内资源只能分享到它所在的群"), field="group")
    elif resource.visibility == Visibility.SCHOOL:
        if group is not None or user.verified_school_id != resource.school_id:
            raise Invalid(_("本校资源只能以本校可见的动态分享"), field="group")
        visibility = PostVisibility.SCHOOL
    with transaction.atomic():
        post = feed_services.publish_post(
            actor=actor, text=text or _("分享了学习资源《%(title)s》") % {"title": resource.title},
            group=group, visibility=visibility,
        )
        share = ResourceShare.objects.create(resource=resource, post=post, shared_by=user)
        events.send(events.ResourceShared(share_id=share.pk, resource_id=resource.pk))
        return share


def recompute_scores() -> int:
    """Bring every Bayesian score to the current site mean (the boards are rebuilt after)."""
    mean = scoring.site_mean()
    changed = 0
    for resource in Resource.objects.filter(rating_count__gt=0).only("pk", "rating_sum",
                                                                     "rating_count"):
        score = scoring.bayesian(resource.rating_sum, resource.rating_count, mean)
        changed += Resource.objects.filter(pk=resource.pk).exclude(bayesian_score=score).update(
            bayesian_score=score)
    return changed
