"""Resource pages (课程超市): library with filters, upload, detail with versions,
download, rating and reviews, sharing, and course pages.

Reads go through resources.selectors, writes through resources.services.

Uploads are refused before their body is read when too large: the upload views
are csrf_exempt on the outside so that no middleware touches request.POST; they
first look at Content-Length (resources.files.too_large), then install
SizeLimitedUploadHandler in front of Django's handlers (for a missing or lying
Content-Length) and only then call the inner, csrf_protect'ed view, which reads
the body. Either refusal answers 413 with the form and "文件太大", nothing stored.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from frontend.errors import domain_errors, error_page, show_error
from frontend.forms import IdField
from frontend.views.feeds import more_url, run_action
from resources import rules, selectors, services
from resources.files import ALLOWED_TYPES, SizeLimitedUploadHandler, too_large
from resources.models import Licence, Rating, Resource, Subject, Visibility
from yiban_core.accounts import selectors as account_selectors
from yiban_core.accounts.rules import may_publish_to_school
from yiban_core.errors import DomainError, Invalid, NotAuthenticated
from yiban_core.files.owners import Audience
from yiban_core.files.serve import send
from yiban_core.groups import selectors as group_selectors
from yiban_core.groups.rules import role_in
from yiban_core.pagination import paginate

PAGE_SIZE = 20
REVIEWS_PAGE_SIZE = 20

SORT_CHOICES = [("newest", gettext_lazy("最新上传")), ("best", gettext_lazy("评分最高")),
                ("downloads", gettext_lazy("下载最多"))]

# Detected type -> the icon family shown on a card.
_ICON_BY_EXTENSION = {
    "pdf": "pdf", "doc": "doc", "docx": "doc", "odt": "doc", "epub": "doc", "txt": "doc",
    "ppt": "slides", "pptx": "slides", "odp": "slides",
    "xls": "sheet", "xlsx": "sheet", "ods": "sheet",
    "jpg": "image", "png": "image", "gif": "image", "webp": "image",
    "zip": "archive", "7z": "archive", "rar": "archive", "gz": "archive",
    "mp3": "audio", "wav": "audio", "flac": "audio", "m4a": "audio", "ogg": "audio",
    "mp4": "video", "webm": "video", "mov": "video",
}
ICON_LABELS = {
    "pdf": "PDF", "doc": gettext_lazy("文档"), "slides": gettext_lazy("课件"),
    "sheet": gettext_lazy("表格"), "image": gettext_lazy("图片"), "archive": gettext_lazy("压缩包"),
    "audio": gettext_lazy("音频"), "video": gettext_lazy("视频"), "link": gettext_lazy("链接"),
    "file": gettext_lazy("文件"),
}


# --- forms (they parse; the services decide) ---------------------------------------------


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=60)
    school = IdField(label=gettext_lazy("学校"), required=False)
    course = IdField(label=gettext_lazy("课程"), required=False)
    subject = forms.ChoiceField(label=gettext_lazy("学科"), required=False,
                                choices=[("", gettext_lazy("全部学科")), *Subject.choices])
    tag = forms.CharField(label=gettext_lazy("标签"), required=False, max_length=30)
    sort = forms.ChoiceField(label=gettext_lazy("排序"), required=False, choices=SORT_CHOICES)


class ResourceForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件"), required=False)
    url = forms.CharField(label=gettext_lazy("或者填写链接"), required=False, max_length=500,
                          widget=forms.URLInput(attrs={"placeholder": "https://"}))
    title = forms.CharField(label=gettext_lazy("标题"), max_length=120)
    description = forms.CharField(label=gettext_lazy("简介"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    subject = forms.ChoiceField(label=gettext_lazy("学科"),
                                choices=[("", gettext_lazy("请选择学科")), *Subject.choices])
    tags = forms.CharField(label=gettext_lazy("标签"), required=False, max_length=300,
                           help_text=gettext_lazy("用逗号或空格分隔，最多 8 个，例如：期末 高数"))
    course_code = forms.CharField(label=gettext_lazy("课程代码"), required=False, max_length=30,
                                  widget=forms.TextInput(attrs={"placeholder": "MA101"}))
    course_name = forms.CharField(label=gettext_lazy("课程名称"), required=False, max_length=100,
                                  widget=forms.TextInput(
                                      attrs={"placeholder": gettext_lazy("高等数学")}))
    licence = forms.ChoiceField(label=gettext_lazy("许可协议"), choices=Licence.choices,
                                initial=Licence.CC_BY)
    visibility = forms.ChoiceField(label=gettext_lazy("可见范围"), choices=Visibility.choices,
                                   initial=Visibility.PUBLIC, widget=forms.RadioSelect)
    group = forms.TypedChoiceField(label=gettext_lazy("群"), required=False, coerce=int,
                                   empty_value=None)

    def __init__(self, *args, groups=(), school_choice=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("选择一个群")), *[(g.pk, g.name) for g in groups]]
        if not school_choice:  # only a verified member addresses the school
            self.fields["visibility"].choices = [
                (v, label) for v, label in Visibility.choices if v != Visibility.SCHOOL]


class VersionForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("新版本文件"), required=False)
    url = forms.CharField(label=gettext_lazy("新链接"), required=False, max_length=500,
                          widget=forms.URLInput(attrs={"placeholder": "https://"}))
    note = forms.CharField(label=gettext_lazy("更新说明"), required=False, max_length=200)


class RatingForm(forms.Form):
    stars = forms.IntegerField(
        label=gettext_lazy("评分"), min_value=1, max_value=5,
        error_messages={"min_value": gettext_lazy("评分须为 1 到 5 星"),
                        "max_value": gettext_lazy("评分须为 1 到 5 星"),
                        "required": gettext_lazy("请选择 1 到 5 星"),
                        "invalid": gettext_lazy("评分须为 1 到 5 星")})
    review = forms.CharField(label=gettext_lazy("评价"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


def split_tags(text: str) -> list[str]:
    """Tags as typed: separated by commas (either width), 、 or spaces."""
    return [t for t in re.split(r"[,，、;；\s]+", text or "") if t]


# --- helpers -----------------------------------------------------------------------------


def icon_kind(resource: Resource) -> str:
    if resource.kind == Resource.Kind.LINK:
        return "link"
    blob = resource.current.blob if resource.current_id and resource.current else None
    if blob is None:
        return "file"
    return _ICON_BY_EXTENSION.get(ALLOWED_TYPES.get(blob.content_type, ""), "file")


def for_cards(qs: QuerySet[Resource]) -> QuerySet[Resource]:
    """Resources with what a card shows (frontend/resources/_card.html, the icon) joined,
    and no more: not their tags, their owner's profile or their course's school."""
    return (qs.select_related(None).prefetch_related(None)
            .select_related("owner", "course", "group", "current__blob"))


def decorate(resources: list[Resource]) -> list[Resource]:
    for resource in resources:
        resource.icon = icon_kind(resource)
        resource.icon_label = ICON_LABELS[resource.icon]
        resource.stars_filled = round(resource.rating_average or 0)
    return resources


def max_size_label() -> str:
    return filesizeformat(settings.RESOURCE_MAX_BYTES)


def too_large_error() -> Invalid:
    return Invalid(_("文件太大：不能超过 %(size)s") % {"size": max_size_label()}, field="file")


def guarded_upload(inner, refuse):
    """Wrap an upload view: refuse a too-large body before it is read (see the module doc)."""

    @csrf_exempt
    def view(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.method == "POST":
            if too_large(request):
                return refuse(request, *args, **kwargs)
            request.upload_handlers.insert(0, SizeLimitedUploadHandler(request))
        return csrf_protect(inner)(request, *args, **kwargs)

    view.__name__ = inner.__name__
    view.__doc__ = inner.__doc__
    view.reads_own_body = True  # frontend.middleware must not read the body first
    return view


# --- library -----------------------------------------------------------------------------


@domain_errors
def library(request):
    form = LibraryFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    sort = data.get("sort") or "newest"
    school_id, course_id = data.get("school"), data.get("course")
    qs = selectors.browse(actor=request.actor, query=data.get("q", ""), school_id=school_id,
                          course_id=course_id, subject=data.get("subject") or None,
                          tag=data.get("tag", ""), sort=sort)
    page = paginate(for_cards(qs), first=PAGE_SIZE, after=request.GET.get("after"))
    decorate(page.items)
    schools = account_selectors.school_names()
    course_school = school_id or (request.user.school_id if request.user.is_authenticated
                                  else None)
    courses = list(selectors.courses(actor=request.actor, school_id=course_school)[:200]) \
        if course_school else []
    chosen_course = None
    if course_id:
        chosen_course = selectors.courses(actor=request.actor).filter(pk=course_id).first()
        if chosen_course and chosen_course not in courses:
            courses.insert(0, chosen_course)
    filtered = any(data.get(k) for k in ("q", "school", "course", "subject", "tag"))
    sort_links = []
    for value, label in SORT_CHOICES:
        query = request.GET.copy()
        query.pop("after", None)
        query["sort"] = value
        sort_links.append((value, label, "?" + query.urlencode()))
    return render(request, "frontend/resources/library.html", {
        "form": form, "data": data, "sort": sort, "sort_links": sort_links,
        "page": page, "more": more_url(request, page), "schools": schools, "courses": courses,
        "subjects": Subject.choices, "filtered": filtered,
    })


@domain_errors
def course_page(request, pk):
    course = selectors.get_course(actor=request.actor, pk=pk)
    sort = request.GET.get("sort") or "newest"
    if sort not in ("newest", "best", "downloads"):
        raise Invalid(_("排序方式不正确"), field="sort")
    qs = selectors.browse(actor=request.actor, course_id=course.pk, sort=sort)
    page = paginate(for_cards(qs), first=PAGE_SIZE, after=request.GET.get("after"))
    decorate(page.items)
    return render(request, "frontend/resources/course.html", {
        "course": course, "page": page, "more": more_url(request, page), "sort": sort,
        "sort_links": [(v, label, f"?sort={v}") for v, label in SORT_CHOICES],
    })


# --- upload ------------------------------------------------------------------------------


def _upload_context(request, form, error: DomainError | None = None) -> dict:
    return {"form": form, "max_size": max_size_label(), "error": error,
            "school": request.user.school if request.user.school_id else None,
            "allowed": _("文档（Word、PDF、EPUB、TXT）、课件、表格、图片、压缩包、音频或视频"),
            "max_bytes": settings.RESOURCE_MAX_BYTES}


def _my_groups(request):
    return list(group_selectors.groups_of(actor=request.actor))


def _refuse_new(request):
    # The body was not read: an unbound form, the error shown by the file field.
    form = ResourceForm(groups=_my_groups(request),
                        school_choice=may_publish_to_school(request.user))
    error = too_large_error()
    return render(request, "frontend/resources/upload.html",
                  _upload_context(request, form, error), status=413)


def _resource_create(request):
    groups = _my_groups(request)
    school_choice = may_publish_to_school(request.user)
    if request.method != "POST":
        form = ResourceForm(groups=groups, school_choice=school_choice)
        return render(request, "frontend/resources/upload.html", _upload_context(request, form))
    form = ResourceForm(request.POST, request.FILES, groups=groups,
                        school_choice=school_choice)
    if getattr(request, "upload_refused", None):
        form = ResourceForm(request.POST, groups=groups, school_choice=school_choice)
        form.is_valid()
        show_error(request, too_large_error(), form)
        return render(request, "frontend/resources/upload.html",
                      _upload_context(request, form), status=413)
    if not form.is_valid():
        return render(request, "frontend/resources/upload.html",
                      _upload_context(request, form), status=400)
    data = form.cleaned_data
    try:
        with transaction.atomic():  # a refused upload leaves no new course behind either
            course = None
            if data["course_code"] or data["course_name"]:
                if request.user.school_id is None:
                    raise Invalid(_("设置学校后才能填写课程"), field="course_code")
                course = services.course_for(school=request.user.school,
                                             code=data["course_code"], name=data["course_name"])
            group = None
            if data["visibility"] == Visibility.GROUP and data["group"]:
                group = group_selectors.get_group(actor=request.actor, pk=data["group"])
            resource = services.publish_resource(
                actor=request.actor, title=data["title"], subject=data["subject"],
                upload=data["file"], url=data["url"], description=data["description"],
                tags=split_tags(data["tags"]), licence=data["licence"],
                visibility=data["visibility"], group=group, course=course,
            )
    except NotAuthenticated:
        return redirect_to_login(request.get_full_path())
    except DomainError as error:
        show_error(request, error, form)
        return render(request, "frontend/resources/upload.html",
                      _upload_context(request, form), status=400)
    messages.success(request, _("资源已发布"))
    return redirect("resource_detail", pk=resource.pk)


resource_create = guarded_upload(_resource_create, _refuse_new)


# --- detail ------------------------------------------------------------------------------


@domain_errors
def resource_detail(request, pk):
    resource = selectors.get_resource(actor=request.actor, pk=pk)
    decorate([resource])
    versions = list(selectors.versions(actor=request.actor, resource=resource))
    page = paginate(selectors.reviews(actor=request.actor, resource=resource),
                    first=REVIEWS_PAGE_SIZE, after=request.GET.get("after"))
    mine = selectors.my_rating(actor=request.actor, resource=resource)
    user = request.user if request.user.is_authenticated else None
    marked = selectors.helpful_marked_ids(actor=request.actor,
                                          rating_ids=[r.pk for r in page.items])
    for review in page.items:
        review.viewer_marked = review.pk in marked
        review.viewer_may_mark = rules.may_mark_helpful(request.actor, review)
    role = role_in(request.actor, resource.group)
    is_owner = rules.may_change(request.actor, resource)
    share_groups = []
    if user is not None:
        if resource.visibility == Visibility.GROUP:
            share_groups = [resource.group]
        elif resource.visibility == Visibility.PUBLIC:
            share_groups = _my_groups(request)
    rating_form = RatingForm(initial={"stars": mine.stars, "review": mine.review}
                             if mine else None)
    return render(request, "frontend/resources/detail.html", {
        "resource": resource, "versions": versions, "page": page,
        "more": more_url(request, page), "mine": mine, "is_owner": is_owner,
        "rating_form": rating_form, "share_groups": share_groups,
        "version_form": VersionForm(), "max_size": max_size_label(),
        "star_range": range(1, 6),
        "may_delete": rules.may_delete(request.actor, resource, role),
        "may_rate": rules.may_rate(request.actor, resource, role),
    })


@domain_errors
def resource_download(request, pk):
    resource = selectors.get_resource(actor=request.actor, pk=pk)
    if resource.kind == Resource.Kind.LINK:
        # The service only stores http(s) links; checked again, as this is a redirect.
        if not resource.url.lower().startswith(("http://", "https://")):
            raise Invalid(_("链接无效"), field="url")
        return HttpResponseRedirect(resource.url)
    version = services.record_download(actor=request.actor, resource_id=resource.pk)
    blob = version.blob
    return send(request, storage=blob.file.storage, name=blob.file.name,
                audience=Audience.RESTRICTED, filename=version.filename, as_attachment=True,
                content_type=blob.content_type)


def _version_context(request, resource, form, error=None) -> dict:
    return {"resource": resource, "form": form, "max_size": max_size_label(), "error": error}


@domain_errors
def _refuse_version(request, pk):
    resource = selectors.get_resource(actor=request.actor, pk=pk)
    form = VersionForm()
    error = too_large_error()
    return render(request, "frontend/resources/version.html",
                  _version_context(request, resource, form, error), status=413)


@domain_errors
def _version_create(request, pk):
    resource = selectors.get_resource(actor=request.actor, pk=pk)
    if not rules.may_change(request.actor, resource):
        messages.error(request, _("只有上传者可以修改这个资源"))
        return redirect("resource_detail", pk=resource.pk)
    if request.method != "POST":
        return render(request, "frontend/resources/version.html",
                      _version_context(request, resource, VersionForm()))
    if getattr(request, "upload_refused", None):
        form = VersionForm(request.POST)
        form.is_valid()
        show_error(request, too_large_error(), form)
        return render(request, "frontend/resources/version.html",
                      _version_context(request, resource, form), status=413)
    form = VersionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            version = services.add_version(
                actor=request.actor, resource_id=resource.pk, upload=form.cleaned_data["file"],
                url=form.cleaned_data["url"], note=form.cleaned_data["note"])
        except DomainError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("已上传第 %(n)d 版") % {"n": version.number})
            return redirect(reverse("resource_detail", args=[resource.pk]) + "#versions")
    return render(request, "frontend/resources/version.html",
                  _version_context(request, resource, form), status=400)


version_create = guarded_upload(_version_create, _refuse_version)


# --- rating, reviews, sharing, delete ----------------------------------------------------


@require_POST
def resource_rate(request, pk):
    detail = reverse("resource_detail", args=[pk])
    if not request.user.is_authenticated:
        return redirect_to_login(detail)
    form = RatingForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
            break
        return redirect(detail + "#rate")
    try:
        rating = services.rate_resource(actor=request.actor, resource_id=pk,
                                        stars=form.cleaned_data["stars"],
                                        review=form.cleaned_data["review"])
    except DomainError as error:
        if error.code in ("NOT_FOUND", "RATE_LIMITED"):
            return error_page(request, error)
        messages.error(request, error.message)
        return redirect(detail + "#rate")
    messages.success(request, _("已评分：%(n)d 星") % {"n": rating.stars})
    return redirect(detail + "#rate")


@require_POST
def review_helpful(request, pk):
    resource_id = Rating.objects.filter(pk=pk).values_list("resource_id", flat=True).first()
    default = (reverse("resource_detail", args=[resource_id]) + f"#review-{pk}"
               if resource_id else reverse("resource_library"))

    def action():
        rating = services.mark_helpful(actor=request.actor, rating_id=pk)
        return {"marked": True, "helpful_count": rating.helpful_count}

    return run_action(request, action, success=_("已标记为有用"), default_next=default)


@require_POST
def resource_share(request, pk):
    detail = reverse("resource_detail", args=[pk])
    group_id = request.POST.get("group") or None

    def action():
        group = None
        if group_id:
            group = group_selectors.get_group(actor=request.actor, pk=group_id)
        share = services.share_resource(actor=request.actor, resource_id=pk,
                                        text=request.POST.get("text", ""), group=group)
        return {"post": share.post_id, "url": reverse("post_detail", args=[share.post_id])}

    return run_action(request, action, success=_("已分享"), default_next=detail + "#share")


@require_POST
def resource_delete(request, pk):
    def action():
        services.delete_resource(actor=request.actor, resource_id=pk)
        return {"deleted": True}

    return run_action(request, action, success=_("资源已删除"),
                       default_next=reverse("resource_detail", args=[pk]),
                       success_next=reverse("resource_library"))

