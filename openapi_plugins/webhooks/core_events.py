"""The core's webhook events: what happened, the scope it needs, and its payload.

Each render(actor, object_ref) reads through the owning app's selectors *as the
receiving app* (a school actor with its approved scopes), so a payload never
holds what the app could not read over GraphQL; it returns None when the app may
not see the object (or it is gone), and then nothing is delivered.

Payloads are small and stable: Relay global IDs (the same as /graphql), plain
text, usernames, ISO 8601 times. The school an event belongs to (which school's
apps hear of it) is decided in receivers.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from openapi_plugins.webhooks.events import WebhookEvent
from yiban_core.actor import Actor
from yiban_core.errors import DomainError
from yiban_core.graphql.relay import global_id
from yiban_core.privacy import access_log
from yiban_core.privacy.consent_services import real_name_allowed


def _quietly(read: Callable[[], Any]) -> Any:
    """A selector's answer, or None when it refuses (no scope, not visible, not found)."""
    try:
        return read()
    except DomainError:
        return None


def _time(value) -> str | None:
    return value.isoformat() if value is not None else None


def _gid(type_name: str, pk: int | None) -> str | None:
    return global_id(type_name, pk) if pk is not None else None


def _user(user) -> dict:
    return {"id": global_id("User", user.pk), "username": user.username,
            "displayName": user.display_name}


def _group(group) -> dict:
    return {"id": global_id("Group", group.pk), "name": group.name, "kind": group.kind,
            "school": _gid("School", group.school_id)}


def _post(post) -> dict:
    return {
        "id": global_id("Post", post.pk), "text": post.text, "visibility": post.visibility,
        "author": _user(post.author), "group": _gid("Group", post.group_id),
        "school": _gid("School", post.school_id),
        "isRepost": post.is_repost, "imageCount": len(post.image_list()),
        "createdAt": _time(post.created_at),
    }


def _resource(resource) -> dict:
    return {
        "id": global_id("Resource", resource.pk), "title": resource.title, "kind": resource.kind,
        "subject": resource.subject, "visibility": resource.visibility,
        "owner": _user(resource.owner), "group": _gid("Group", resource.group_id),
        "school": _gid("School", resource.school_id),
        "ratingCount": resource.rating_count, "ratingAverage": resource.rating_average,
    }


# --- feeds ----------------------------------------------------------------------------


def render_post_published(actor: Actor, post_id) -> dict | None:
    from feeds.selectors import get_post

    post = _quietly(lambda: get_post(actor=actor, pk=post_id))
    return None if post is None else {"post": _post(post)}


def render_comment_added(actor: Actor, comment_id) -> dict | None:
    from feeds.models import Comment
    from feeds.selectors import comment_is_shown, get_post

    comment = Comment.objects.select_related("author").filter(pk=comment_id).first()
    if comment is None or not comment_is_shown(actor, comment):  # held by moderation
        return None
    # A comment is seen by whoever sees its post: the feeds selector decides.
    post = _quietly(lambda: get_post(actor=actor, pk=comment.post_id))
    if post is None:
        return None
    return {
        "comment": {
            "id": global_id("Comment", comment.pk), "text": comment.text,
            "author": _user(comment.author), "parent": _gid("Comment", comment.parent_id),
            "createdAt": _time(comment.created_at),
        },
        "post": _post(post),
    }


def render_poll_closed(actor: Actor, poll_id) -> dict | None:
    """The final counts of a poll whose post the app may read; never who voted."""
    from feeds.models import Poll
    from feeds.selectors import get_post

    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is None:
        return None
    post = _quietly(lambda: get_post(actor=actor, pk=poll.post_id))
    if post is None:
        return None
    return {
        "poll": {
            "id": global_id("Poll", poll.pk), "multiple": poll.multiple,
            "anonymous": poll.anonymous, "closesAt": _time(poll.closes_at),
            "closedAt": _time(poll.closed_at), "voterCount": poll.voter_count,
            "options": [{"id": global_id("PollOption", option.pk), "text": option.text,
                         "voteCount": option.vote_count}
                        for option in poll.options.order_by("position")],
        },
        "post": _post(post),
    }


# --- groups ---------------------------------------------------------------------------


def render_member_joined(actor: Actor, membership_id) -> dict | None:
    from yiban_core.groups.models import Membership
    from yiban_core.groups.selectors import get_group, members

    group_id = (Membership.objects.filter(pk=membership_id)
                .values_list("group_id", flat=True).first())
    if group_id is None:
        return None
    group = _quietly(lambda: get_group(actor=actor, pk=group_id))
    if group is None:
        return None
    member = _quietly(lambda: members(actor=actor, group=group).filter(pk=membership_id).first())
    if member is None:
        return None
    return {"group": _group(group), "member": _user(member.user), "role": member.role,
            "joinedAt": _time(member.joined_at)}


def render_member_left(actor: Actor, ref) -> dict | None:
    """ref: {"group_id", "user_id", "username", "left_at"}: the membership row is gone."""
    from yiban_core.groups.rules import can_see_content
    from yiban_core.groups.selectors import get_group

    if not isinstance(ref, dict):
        return None
    group = _quietly(lambda: get_group(actor=actor, pk=ref.get("group_id")))
    if group is None or not can_see_content(actor, group):
        return None
    return {"group": _group(group),
            "member": {"id": _gid("User", ref.get("user_id")), "username": ref.get("username")},
            "leftAt": ref.get("left_at")}


# --- resources ------------------------------------------------------------------------


def render_resource_shared(actor: Actor, share_id) -> dict | None:
    from feeds.selectors import visible_post_ids
    from resources.models import ResourceShare
    from resources.selectors import get_resource

    share = ResourceShare.objects.select_related("shared_by").filter(pk=share_id).first()
    if share is None:
        return None
    resource = _quietly(lambda: get_resource(actor=actor, pk=share.resource_id))
    if resource is None:
        return None
    post_visible = share.post_id in visible_post_ids(actor=actor, ids=[share.post_id])
    return {"resource": _resource(resource), "sharedBy": _user(share.shared_by),
            "post": _gid("Post", share.post_id) if post_visible else None,
            "sharedAt": _time(share.created_at)}


def render_resource_rated(actor: Actor, rating_id) -> dict | None:
    from resources.models import Rating
    from resources.selectors import get_resource, review_is_shown

    rating = Rating.objects.select_related("user").filter(pk=rating_id).first()
    if rating is None:
        return None
    resource = _quietly(lambda: get_resource(actor=actor, pk=rating.resource_id))
    if resource is None:
        return None
    return {"resource": _resource(resource),
            "rating": {"id": global_id("Rating", rating.pk), "stars": rating.stars,
                       # A review held by moderation: its stars count, its words wait.
                       "review": rating.review if review_is_shown(actor, rating) else "",
                       "author": _user(rating.user),
                       "updatedAt": _time(rating.updated_at)}}


# --- moderation -----------------------------------------------------------------------


def _case(actor: Actor, case) -> dict | None:
    """A case as the school's safety system reads it: only a case of the app's own school
    (its administrators' jurisdiction), with the reasons counted and never who reported.
    The excerpt of a private interest group's content is left out (null) unless its
    managers let the school's apps read the group (Group.school_apps_may_read)."""
    from django.db.models import Count

    from yiban_core.groups.rules import school_app_reads

    if case is None or actor.school is None or case.school_id != actor.school.pk:
        return None
    excerpt = case.excerpt
    if case.group is not None and not school_app_reads(actor.school.pk, case.group):
        excerpt = None
    reasons = dict(case.reports.values_list("reason").annotate(n=Count("pk")).order_by())
    type_name = _target_type_name(case)
    return {
        "id": global_id("ModerationCase", case.pk), "origin": case.origin,
        "target": {"type": type_name, "id": global_id(type_name, case.target_id)},
        "group": _gid("Group", case.group_id), "reportCount": case.report_count,
        "reasons": reasons, "excerpt": excerpt, "createdAt": _time(case.created_at),
    }


def _target_type_name(case) -> str:
    from yiban_core.moderation.targets import kind_of

    kind = kind_of(case.target_type.model_class())
    return kind.type_name if kind is not None else case.target_type.model


def render_report_created(actor: Actor, report_id) -> dict | None:
    from yiban_core.moderation.models import Report

    report = (Report.objects.select_related("case__target_type", "case__group")
              .filter(pk=report_id).first())
    case = _case(actor, report.case if report is not None else None)
    if case is None:
        return None
    return {"case": case, "report": {"reason": report.reason,
                                     "createdAt": _time(report.created_at)}}


def render_content_held(actor: Actor, case_id) -> dict | None:
    from yiban_core.moderation.models import Case

    case = _case(actor, Case.objects.select_related("target_type", "group")
                 .filter(pk=case_id).first())
    return None if case is None else {"case": case}


# --- classroom ------------------------------------------------------------------------


def render_checkin_closed(actor: Actor, checkin_id) -> dict | None:
    """The closed check-in and its attendance, for the apps of the class group's school
    (classroom.selectors decides: its own school's class groups only). 学号 only with
    profile:verified."""
    from classroom.selectors import closed_report

    report = closed_report(actor=actor, checkin_id=checkin_id)
    if report is None:
        return None
    checkin, counts, rows = report
    numbers = real_name_allowed(actor)  # a school app: the school's own basis
    if numbers:
        access_log.record_read([row.user for row in rows if row.user.member_number],
                               actor=actor, door="webhook")
    return {
        "checkin": {
            "id": global_id("Checkin", checkin.pk), "title": checkin.title,
            "group": _group(checkin.group), "startedBy": _user(checkin.started_by),
            "opensAt": _time(checkin.opens_at), "lateAfter": _time(checkin.late_after),
            "closesAt": _time(checkin.closes_at), "closedAt": _time(checkin.closed_at),
            "requiresCode": checkin.requires_code, "requiresPlace": checkin.requires_place,
            "oneDevicePerPerson": checkin.one_device,
        },
        "summary": {"expected": counts["expected"], "present": counts["present"],
                    "late": counts["late"], "absent": counts["absent"],
                    "excused": counts["excused"]},
        "attendance": [
            {"user": {**_user(row.user),
                      **({"memberNumber": row.user.member_number} if numbers else {})},
             "status": row.status,
             "checkedInAt": _time(row.record.checked_in_at if row.record else None)}
            for row in rows],
    }


CORE_EVENTS = (
    WebhookEvent("post.published", _("有人发布了本校可见范围内的动态"), "feed:read",
                 render_post_published),
    WebhookEvent("comment.added", _("有人评论了本校可见范围内的动态"), "feed:read",
                 render_comment_added),
    WebhookEvent("poll.closed", _("本校可见范围内的投票到了截止时间（含最终票数，不含投票人）"),
                 "feed:read", render_poll_closed),
    WebhookEvent("group.member_joined", _("有人加入了本校的群组"), "groups:read",
                 render_member_joined),
    WebhookEvent("group.member_left", _("有人退出或被移出了本校的群组"), "groups:read",
                 render_member_left),
    WebhookEvent("resource.shared", _("有人把学习资源分享到动态或群组"), "resources:read",
                 render_resource_shared),
    WebhookEvent("resource.rated", _("有人给学习资源评分或修改了评分"), "resources:read",
                 render_resource_rated),
    WebhookEvent("report.created", _("本校的内容、群组或用户被举报（不含举报人身份）"),
                 "school:moderation", render_report_created),
    WebhookEvent("content.held", _("本校有内容进入先审后发，等待审核"), "school:moderation",
                 render_content_held),
    WebhookEvent("checkin.closed", _("本校班级群的签到结束（附出勤统计和名单）"), "classroom:read",
                 render_checkin_closed),
)
