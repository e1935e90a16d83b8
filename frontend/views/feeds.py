"""Feed pages and actions: composer, timelines, post detail with comments, topics.

Reads go through feeds.selectors and writes through feeds.services; these views
only ask and show. Every action (like, comment, repost, delete, pin) answers in
two ways from one URL, so the pages work with and without JavaScript:

- a plain form POST gets a flash message and a redirect back to `next`;
- a fetch() from frontend/static/frontend/feeds.js (Accept: application/json)
  gets JSON: the new state on success, {"code", "message", "field"} with a 4xx
  status on a DomainError. Nothing a person can cause ends in a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from feeds import poll_selectors, poll_services, rules, selectors, services
from feeds.models import MAX_IMAGES, POLL_MAX_OPTIONS, POST_MAX_LENGTH, Post, Visibility
from frontend import fragments
from frontend.csv_export import csv_response
from frontend.errors import STATUS_BY_CODE, domain_errors, error_page, retry_later
from yiban_core import redirects
from yiban_core.accounts.rules import may_publish_to_school
from yiban_core.errors import DomainError, Invalid, NotAuthenticated, RateLimited
from yiban_core.groups import selectors as group_selectors
from yiban_core.groups.models import Group, Membership
from yiban_core.groups.rules import role_in

PAGE_SIZE = 20
COMMENTS_PAGE_SIZE = 50
# The composer's poll deadlines (hours from now), the first the default.
POLL_DURATIONS = [(24, _lazy("1 天")), (1, _lazy("1 小时")), (72, _lazy("3 天")),
                  (168, _lazy("7 天")), (720, _lazy("30 天"))]


# --- helpers shared with the home, profile and group views ---------------------------------


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _next_url(request, default: str) -> str:
    return redirects.next_url(request, default)


def error_json(error: DomainError) -> JsonResponse:
    return JsonResponse({"code": error.code, "message": error.message, "field": error.field},
                        status=STATUS_BY_CODE.get(error.code, 400))


def my_groups_with_roles(request) -> list[Group]:
    """The viewer's groups, each with `my_role`: for the composer and the manager buttons."""
    if not request.user.is_authenticated:
        return []
    return group_selectors.my_groups(actor=request.actor)


def composer_groups(groups: Iterable[Group]) -> list[Group]:
    """Groups the viewer may post to (a school's official group: its managers only)."""
    return [g for g in groups if rules.may_post_in(g, g.my_role)]


def decorate_posts(request, posts: list[Post], *, roles: dict[int, str] | None = None,
                   my_groups: list[Group] | None = None) -> list[Post]:
    """Attach what a post card needs to know about the viewer: liked, may delete, may pin,
    and the original of a repost when the viewer may still see it. `roles`: the viewer's
    role in the posts' groups (taken from `my_groups`, or read here, when not given)."""
    actor = request.actor
    if roles is None and my_groups is not None:
        roles = {g.pk: g.my_role for g in my_groups}
    elif roles is None:
        roles = group_selectors.roles_in(actor=actor, group_ids={p.group_id for p in posts})
    liked = selectors.liked_post_ids(actor=actor, posts=posts)
    originals = selectors.shown_reposts(actor=actor, posts=posts)
    polls = poll_selectors.polls_of(actor=actor, posts=posts, roles=roles,
                                    voter_names_only=True)
    read = poll_selectors.read_ids(actor=actor, posts=posts)
    for post in posts:
        post.poll_view = polls.get(post.pk)
        post.viewer_has_read = post.pk in read
        role = roles.get(post.group_id)
        post.viewer_liked = post.pk in liked
        post.viewer_manages = rules.may_pin(actor, post, role)
        post.viewer_can_delete = rules.may_delete_post(actor, post, role)
        post.viewer_role = role
        post.shown_original = originals.get(post.pk)
        post.lost_original = post.is_repost and post.shown_original is None
        post.can_repost = (rules.may_repost(actor, post.shown_original or post)
                           and not post.lost_original)
    return posts


def composer_context(request, *, groups: list[Group], group: Group | None = None,
                     text: str = "", visibility: str = Visibility.PUBLIC,
                     next_url: str = "") -> dict:
    return {
        "composer_groups": composer_groups(groups),
        "composer_group": group,
        "composer_text": text,
        "composer_visibility": visibility,
        "composer_next": next_url or request.get_full_path(),
        "visibility_choices": [(v, label) for v, label in Visibility.choices
                               if v != Visibility.GROUP and (
                                   v != Visibility.SCHOOL
                                   or may_publish_to_school(request.user))],
        "post_max_length": POST_MAX_LENGTH,
        "max_images": MAX_IMAGES,
        "poll_durations": POLL_DURATIONS,
        "poll_max_options": POLL_MAX_OPTIONS,
    }


def more_url(request, page) -> str | None:
    if not page.has_next:
        return None
    query = request.GET.copy()
    query["after"] = page.end_cursor
    return "?" + query.urlencode()


def run_action(request, action: Callable[[], dict], *, success: str | None, default_next: str,
                success_next: str | None = None):
    """Run a service call; answer JSON to fetch() and redirect-with-message to a form."""
    try:
        result = action()
    except DomainError as error:
        if wants_json(request):
            return retry_later(error_json(error), error)
        if isinstance(error, NotAuthenticated):
            return redirect_to_login(_next_url(request, default_next))
        if isinstance(error, RateLimited):
            return error_page(request, error)
        messages.error(request, error.message)
        return redirect(_next_url(request, default_next))
    if wants_json(request):
        return JsonResponse(result)
    if success:
        messages.success(request, success)
    return redirect(success_next or _next_url(request, default_next))


# --- composer -------------------------------------------------------------------------------


@require_POST
def post_create(request):
    """Publish from any composer; on a refusal the text is kept and the reason shown."""
    text = request.POST.get("text", "")
    visibility = request.POST.get("visibility") or Visibility.PUBLIC
    group_id = request.POST.get("group") or None
    announce = request.POST.get("announce") == "1"
    images = request.FILES.getlist("images")
    default_next = reverse("home")
    group = None
    try:
        if group_id is not None:
            group = group_selectors.get_group(actor=request.actor, pk=group_id)
        post = services.publish_post(actor=request.actor, text=text, visibility=visibility,
                                     group=group, images=images, announce=announce,
                                     mention_ids=request.POST.getlist("mention"),
                                     poll=poll_from_form(request.POST))
    except DomainError as error:
        if wants_json(request):
            return error_json(error)
        if isinstance(error, NotAuthenticated):
            return redirect_to_login(_next_url(request, default_next))
        context = composer_context(
            request, groups=my_groups_with_roles(request), group=group, text=text,
            visibility=visibility, next_url=_next_url(request, default_next))
        context["error"] = error
        if group is not None:  # keep the announcement choice with the kept text
            context["composer_may_announce"] = rules.may_announce_in(
                request.actor, group, role_in(request.actor, group))
            context["composer_announce"] = announce
        status = STATUS_BY_CODE.get(error.code, 400)
        return render(request, "frontend/feeds/compose.html", context, status=status)
    if wants_json(request):
        return JsonResponse({"id": post.pk, "url": reverse("post_detail", args=[post.pk])})
    messages.success(request, _("公告已发布，已通知全体成员") if announce else _("已发布"))
    return redirect(_next_url(request, default_next))


def poll_from_form(data) -> poll_services.PollSpec | None:
    """The composer's poll: one option a line (blank lines skipped), a deadline chosen
    from POLL_DURATIONS. None when no option was written."""
    options = [line for line in (data.get("poll_options") or "").splitlines() if line.strip()]
    if not options:
        return None
    hours = {str(h): h for h, _label in POLL_DURATIONS}.get(data.get("poll_hours") or "24")
    if hours is None:
        raise Invalid(_("截止时间不正确"), field="closes_at")
    return poll_services.PollSpec(
        options=options, closes_at=timezone.now() + timedelta(hours=hours),
        multiple=data.get("poll_multiple") == "1", anonymous=data.get("poll_anonymous") == "1",
        results_hidden=data.get("poll_hidden") == "1")


# --- post detail and comments ---------------------------------------------------------------


@domain_errors
def post_detail(request, pk):
    post = selectors.get_post(actor=request.actor, pk=pk)
    role = role_in(request.actor, post.group if post.group_id else None)
    receipts = None
    if post.is_announcement:
        if role is not None:  # a member opening an announcement has read it
            poll_services.mark_announcement_read(actor=request.actor, post_id=post.pk)
        if rules.sees_read_receipts(request.actor, post, role):
            receipts = poll_selectors.read_receipts(actor=request.actor, post=post, role=role)
    decorate_posts(request, [post], roles={post.group_id: role} if role else {})
    page = selectors.comments(actor=request.actor, post=post, first=COMMENTS_PAGE_SIZE,
                              after=request.GET.get("after"))
    everyone = [c for top in page.items for c in [top, *top.replies.all()]]
    liked = selectors.liked_comment_ids(actor=request.actor, comments=everyone)
    for comment in everyone:
        _decorate_comment(request, comment, post, liked)
    return render(request, "frontend/feeds/detail.html", {
        "post": post, "posts": [post], "page": page, "more": more_url(request, page),
        "comment_bodies": fragments.comment_bodies(request, everyone, post),
        "receipts": receipts,
        "may_remind": receipts is not None and rules.may_remind_unread(
            request.actor, post, post.viewer_role),
    })


def _decorate_comment(request, comment, post: Post, liked: set[int]) -> None:
    comment.viewer_liked = comment.pk in liked
    comment.viewer_can_delete = rules.may_delete_comment(request.actor, comment, post,
                                                         post.viewer_role)


def _comment_html(request, comment, post: Post) -> str:
    decorate_posts(request, [post])
    _decorate_comment(request, comment, post, set())
    template = "frontend/feeds/_reply.html" if comment.parent_id else "frontend/feeds/_comment.html"
    return render_to_string(template, {"comment": comment, "post": post}, request=request)


@require_POST
def comment_create(request, pk):
    detail = reverse("post_detail", args=[pk])
    parent_id = request.POST.get("parent") or None

    def action():
        comment = services.add_comment(actor=request.actor, post_id=pk,
                                       text=request.POST.get("text", ""), parent_id=parent_id,
                                       mention_ids=request.POST.getlist("mention"))
        post = selectors.get_post(actor=request.actor, pk=pk)
        result = {"id": comment.pk, "parent": comment.parent_id,
                  "comment_count": post.comment_count}
        if wants_json(request):
            result["html"] = _comment_html(request, comment, post)
        return result

    return run_action(request, action, success=_("评论已发布"),
                       default_next=f"{detail}#comments")


@require_POST
def comment_delete(request, pk):
    def action():
        post_id = _comment_post_id(pk)
        services.delete_comment(actor=request.actor, comment_id=pk)
        count = Post.objects.filter(pk=post_id).values_list("comment_count", flat=True).first()
        return {"deleted": True, "comment_count": count or 0}

    return run_action(request, action, success=_("评论已删除"), default_next=reverse("home"))


def _comment_post_id(comment_id) -> int | None:
    from feeds.models import Comment

    return Comment.objects.filter(pk=comment_id).values_list("post_id", flat=True).first()


@require_POST
def comment_like(request, pk):
    def action():
        comment = services.like_comment(actor=request.actor, comment_id=pk)
        return {"liked": True, "like_count": comment.like_count}

    return run_action(request, action, success=None, default_next=reverse("home"))


@require_POST
def comment_unlike(request, pk):
    def action():
        comment = services.unlike_comment(actor=request.actor, comment_id=pk)
        return {"liked": False, "like_count": comment.like_count}

    return run_action(request, action, success=None, default_next=reverse("home"))


# --- post actions ---------------------------------------------------------------------------


@require_POST
def post_like(request, pk):
    def action():
        post = services.like_post(actor=request.actor, post_id=pk)
        return {"liked": True, "like_count": post.like_count}

    return run_action(request, action, success=None,
                       default_next=reverse("post_detail", args=[pk]))


@require_POST
def post_unlike(request, pk):
    def action():
        post = services.unlike_post(actor=request.actor, post_id=pk)
        return {"liked": False, "like_count": post.like_count}

    return run_action(request, action, success=None,
                       default_next=reverse("post_detail", args=[pk]))


@require_POST
def post_repost(request, pk):
    def action():
        new = services.repost(actor=request.actor, post_id=pk, text=request.POST.get("text", ""))
        original = Post.objects.filter(pk=new.repost_of_id).values_list(
            "pk", "repost_count").first()
        return {"id": new.pk, "url": reverse("post_detail", args=[new.pk]),
                "original_id": original[0] if original else None,
                "repost_count": original[1] if original else 0, "message": _("已转发")}

    return run_action(request, action, success=_("已转发"),
                       default_next=reverse("post_detail", args=[pk]))


@require_POST
def post_delete(request, pk):
    def action():
        services.delete_post(actor=request.actor, post_id=pk)
        return {"deleted": True}

    # After a delete from the post's own page, back home: that page is gone.
    next_url = _next_url(request, reverse("home"))
    if next_url.split("?")[0].split("#")[0] == reverse("post_detail", args=[pk]):
        next_url = reverse("home")
    return run_action(request, action, success=_("动态已删除"), default_next=reverse("home"),
                       success_next=next_url)


@require_POST
def post_pin(request, pk):
    pinned = request.POST.get("pinned", "1") == "1"

    def action():
        post = services.set_pinned(actor=request.actor, post_id=pk, pinned=pinned)
        return {"pinned": post.is_announcement}

    return run_action(request, action,
                       success=_("已设为群公告") if pinned else _("已取消群公告"),
                       default_next=reverse("post_detail", args=[pk]))


@require_POST
def post_vote(request, pk):
    def action():
        poll_services.vote(actor=request.actor, post_id=pk,
                           option_ids=request.POST.getlist("option"))
        return {"voted": True}

    return run_action(request, action, success=_("投票成功"),
                      default_next=reverse("post_detail", args=[pk]))


@domain_errors
def poll_results_csv(request, pk):
    """A poll's results as a spreadsheet, for whoever sees its counts: one row per option;
    a named poll adds who chose it. An anonymous poll's file never names anyone."""
    post, view = poll_selectors.poll_voters(actor=request.actor, post_id=pk)
    header = [_("选项"), _("票数"), _("百分比")]
    if view.sees_voters:
        header.append(_("投票人"))
    rows = []
    for option in view.options:
        row = [option.text, option.count, f"{option.percent}%"]
        if view.sees_voters:
            row.append("、".join(user.display_name or user.username for user in option.voters))
        rows.append(row)
    return csv_response(f"poll-{post.pk}.csv", header, rows)


@require_POST
def announcement_read(request, pk):
    def action():
        poll_services.mark_announcement_read(actor=request.actor, post_id=pk)
        return {"read": True}

    return run_action(request, action, success=_("已标记为已读"),
                      default_next=reverse("post_detail", args=[pk]))


@require_POST
def announcement_remind(request, pk):
    def action():
        count = poll_services.remind_unread(actor=request.actor, post_id=pk)
        return {"reminded": count,
                "message": _("已提醒 %(n)d 位未读成员") % {"n": count}}

    return run_action(request, action, success=_("已提醒未读的成员"),
                      default_next=reverse("post_detail", args=[pk]))


# --- topics ---------------------------------------------------------------------------------


@domain_errors
def topic(request, name):
    found = selectors.get_topic(actor=request.actor, name=name)
    page = selectors.topic_timeline(actor=request.actor, name=name, first=PAGE_SIZE,
                                    after=request.GET.get("after"))
    decorate_posts(request, page.items)
    return render(request, "frontend/feeds/topic.html", {
        "topic": found, "page": page, "more": more_url(request, page),
        "trending": selectors.trending_topics(actor=request.actor),
    })



# --- timelines inside other pages -----------------------------------------------------------


def group_feed_context(request, group: Group, me: Membership | None) -> dict:
    """Announcements, the timeline and (for members who may post) a composer of a group.

    Called only when the viewer may see the group's content; the selectors check again.
    """
    roles = {group.pk: me.role} if me is not None else {}
    announcements, page = selectors.group_page_posts(
        actor=request.actor, group=group, first=PAGE_SIZE, after=request.GET.get("after"))
    decorate_posts(request, announcements + page.items, roles=roles)
    context = {"announcements": announcements, "page": page, "more": more_url(request, page)}
    may_post = rules.may_post_in(group, me.role if me is not None else None)
    if may_post:
        context.update(composer_context(request, groups=[], group=group,
                                        next_url=request.path))
        context["composer_may_announce"] = rules.may_announce_in(
            request.actor, group, me.role if me is not None else None)
    context["may_post"] = may_post
    return context


def user_feed_context(request, person) -> dict:
    page = selectors.user_timeline(actor=request.actor, user=person, first=PAGE_SIZE,
                                   after=request.GET.get("after"))
    decorate_posts(request, page.items)
    return {"page": page, "more": more_url(request, page)}
