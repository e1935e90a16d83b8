"""Where the core's webhook events are caused: domain events (yiban_core/events.py).

The core never imports the open platform; its services send domain events, and
these durable subscribers (registered in WebhooksConfig.ready) call emit() inside
the sender's transaction, which writes a fan-out task only when some active
subscription could hear of the event: a post nobody subscribed to writes no extra
row, and a rolled-back change announces nothing.

The school an event belongs to (whose installed apps hear of it): a group's
school for what happens in a group that has one, otherwise the school of the
author (post, comment) or owner (resource) when it was made. Something that
belongs to no school (a school-less user's post) is announced to nobody.

Groups without a school (interest groups open to anyone) decided: only school
groups announce joins and leaves. A school-less group has no administrator who
installed an app for it and its members come from many schools, so who joined a
club is told to no school's app. What is written in such a group is the
author's: it goes to the author's school's apps, and only when the app may read
it (a public group's post, never a private group's).

- post.published: PostPublished (reposts and shared resources' posts included);
- comment.added: CommentAdded;
- poll.closed: PollClosed (once per poll, at its deadline), with the final counts;
- group.member_joined / group.member_left: MembershipsChanged, one delivery per
  membership, a single join and a roster sync alike; not when the group was
  deleted, when there is no group left to tell about;
- resource.shared: ResourceShared;
- resource.rated: ResourceRated (made or changed);
- report.created: ReportFiled, content.held: ContentHeld (moderation): to the apps of the
  case's school (Case.school, its administrators' jurisdiction) that hold the scope
  school:moderation; a case of no school (a school-less group's, a school-less author's)
  is announced to nobody. The payload never names the reporter.
- checkin.closed: CheckinClosed (classroom), to the apps of the class group's school with
  classroom:read; the attendance list and its summary.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from openapi_plugins.webhooks.events import emit
from yiban_core import events


def _school_of(group_id: int | None, fallback_school_id: int | None) -> int | None:
    if group_id is not None:
        from yiban_core.groups.models import Group

        school_id = Group.objects.filter(pk=group_id).values_list("school_id", flat=True).first()
        if school_id is not None:
            return school_id
    return fallback_school_id


def _emit(event: str, object_ref, school_id: int | None) -> None:
    if school_id is not None:
        emit(event, object_id=object_ref, school_id=school_id)


def on_post_published(event: events.PostPublished) -> None:
    _emit("post.published", event.post_id, _school_of(event.group_id, event.school_id))


def on_comment_added(event: events.CommentAdded) -> None:
    from feeds.models import Post

    post = Post.objects.filter(pk=event.post_id).values("group_id", "school_id").first()
    if post is not None:
        _emit("comment.added", event.comment_id,
              _school_of(post["group_id"], post["school_id"]))


def on_poll_closed(event: events.PollClosed) -> None:
    _emit("poll.closed", event.poll_id, _school_of(event.group_id, event.school_id))


def _group_schools(members) -> dict[int, int | None]:
    from yiban_core.groups.models import Group

    return dict(Group.objects.filter(pk__in={m.group_id for m in members})
                .values_list("pk", "school_id"))


def on_members_joined(event: events.MembershipsChanged) -> None:
    if event.joined:
        schools = _group_schools(event.joined)
        for member in event.joined:
            _emit("group.member_joined", member.membership_id, schools.get(member.group_id))


def on_members_left(event: events.MembershipsChanged) -> None:
    if not event.left or event.group_deleted:
        return
    from yiban_core.accounts.models import User

    schools = _group_schools(event.left)
    names = dict(User.objects.filter(pk__in={m.user_id for m in event.left})
                 .values_list("pk", "username"))
    left_at = timezone.now().isoformat()
    for member in event.left:
        _emit("group.member_left",
              {"group_id": member.group_id, "user_id": member.user_id,
               "username": names.get(member.user_id), "left_at": left_at},
              schools.get(member.group_id))


def _resource_school(resource_id: int) -> int | None:
    from resources.models import Resource

    row = Resource.objects.filter(pk=resource_id).values("group_id", "school_id").first()
    return _school_of(row["group_id"], row["school_id"]) if row else None


def on_resource_shared(event: events.ResourceShared) -> None:
    _emit("resource.shared", event.share_id, _resource_school(event.resource_id))


def on_resource_rated(event: events.ResourceRated) -> None:
    _emit("resource.rated", event.rating_id, _resource_school(event.resource_id))


def _case_school(case_id: int) -> int | None:
    from yiban_core.moderation.models import Case

    return Case.objects.filter(pk=case_id).values_list("school_id", flat=True).first()


def on_report_filed(event: events.ReportFiled) -> None:
    _emit("report.created", event.report_id, _case_school(event.case_id))


def on_content_held(event: events.ContentHeld) -> None:
    _emit("content.held", event.case_id, _case_school(event.case_id))


def on_checkin_closed(event: events.CheckinClosed) -> None:
    _emit("checkin.closed", event.checkin_id, event.school_id)


def _when_subscribed(event: str, subscriber):
    """Run `subscriber` only when some subscription names `event`: one cached lookup,
    no query, for the changes nobody listens to."""
    from openapi_plugins.webhooks.selectors import subscribed_events

    def gated(domain_event) -> None:
        if event in subscribed_events():
            subscriber(domain_event)

    gated.__name__ = subscriber.__name__
    return gated


def _subscriptions_changed(sender, **kwargs) -> None:
    from django.db import transaction

    from openapi_plugins.webhooks.selectors import forget_subscribed_events

    forget_subscribed_events()
    transaction.on_commit(forget_subscribed_events)  # and once the change is visible


def connect() -> None:
    from openapi_plugins.webhooks.models import Subscription

    for domain_event, event, subscriber in (
        (events.PostPublished, "post.published", on_post_published),
        (events.CommentAdded, "comment.added", on_comment_added),
        (events.PollClosed, "poll.closed", on_poll_closed),
        (events.MembershipsChanged, "group.member_joined", on_members_joined),
        (events.MembershipsChanged, "group.member_left", on_members_left),
        (events.ResourceShared, "resource.shared", on_resource_shared),
        (events.ResourceRated, "resource.rated", on_resource_rated),
        (events.ReportFiled, "report.created", on_report_filed),
        (events.ContentHeld, "content.held", on_content_held),
        (events.CheckinClosed, "checkin.closed", on_checkin_closed),
    ):
        events.subscribe(domain_event, _when_subscribed(event, subscriber), durable=True)
    # The webhooks app's own cache: which events anybody subscribes to.
    post_save.connect(_subscriptions_changed, sender=Subscription, dispatch_uid="webhooks.subs")
    post_delete.connect(_subscriptions_changed, sender=Subscription,
                        dispatch_uid="webhooks.subs-gone")
