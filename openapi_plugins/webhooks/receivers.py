"""Where the core's webhook events are caused: model signals of the apps below.

The core never imports the open platform; it saves rows, and these receivers
(connected in WebhooksConfig.ready) call emit() inside the same transaction,
which writes a fan-out task only when some active subscription could hear of
the event: a post nobody subscribed to writes no extra row.

The school an event belongs to (whose installed apps hear of it): a group's
school for what happens in a group that has one, otherwise the school of the
author (post, comment) or owner (resource) when it was made. Something that
belongs to no school (a school-less user's post) is announced to nobody.

- post.published: a Post created (reposts included);
- comment.added: a Comment created;
- group.member_joined / group.member_left: a Membership created / deleted on its
  own (left, removed, banned); not when its group or user is deleted, when there
  is no group left to tell about;
- resource.shared: a ResourceShare created;
- resource.rated: a Rating created or changed.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from openapi_plugins.webhooks.events import emit


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


def on_post_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        _emit("post.published", instance.pk, _school_of(instance.group_id, instance.school_id))


def on_comment_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from feeds.models import Post

        post = Post.objects.filter(pk=instance.post_id).values("group_id", "school_id").first()
        if post is not None:
            _emit("comment.added", instance.pk, _school_of(post["group_id"], post["school_id"]))


def on_membership_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        _emit("group.member_joined", instance.pk, _school_of(instance.group_id, None))


def on_membership_deleted(sender, instance, origin=None, **kwargs) -> None:
    from django.db.models import QuerySet

    own = isinstance(origin, sender) or (isinstance(origin, QuerySet) and origin.model is sender)
    if not own:  # the group or the user is being deleted
        return
    from yiban_core.accounts.models import User

    username = User.objects.filter(pk=instance.user_id).values_list("username", flat=True).first()
    _emit("group.member_left",
          {"group_id": instance.group_id, "user_id": instance.user_id, "username": username,
           "left_at": timezone.now().isoformat()},
          _school_of(instance.group_id, None))


def _resource_school(resource_id: int) -> int | None:
    from resources.models import Resource

    row = Resource.objects.filter(pk=resource_id).values("group_id", "school_id").first()
    return _school_of(row["group_id"], row["school_id"]) if row else None


def on_share_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        _emit("resource.shared", instance.pk, _resource_school(instance.resource_id))


def on_rating_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        _emit("resource.rated", instance.pk, _resource_school(instance.resource_id))


def _when_subscribed(event: str, receiver):
    """Run `receiver` only when some subscription names `event`: one cached lookup,
    no query, for the rows nobody listens to."""
    from openapi_plugins.webhooks.selectors import subscribed_events

    def gated(sender, **kwargs):
        if event in subscribed_events():
            receiver(sender, **kwargs)

    return gated


def _subscriptions_changed(sender, **kwargs) -> None:
    from django.db import transaction

    from openapi_plugins.webhooks.selectors import forget_subscribed_events

    forget_subscribed_events()
    transaction.on_commit(forget_subscribed_events)  # and once the change is visible


def connect() -> None:
    from feeds.models import Comment, Post
    from openapi_plugins.webhooks.models import Subscription
    from resources.models import Rating, ResourceShare
    from yiban_core.groups.models import Membership

    for signal, event, receiver, model, uid in (
        (post_save, "post.published", on_post_saved, Post, "webhooks.post"),
        (post_save, "comment.added", on_comment_saved, Comment, "webhooks.comment"),
        (post_save, "group.member_joined", on_membership_saved, Membership, "webhooks.join"),
        (post_delete, "group.member_left", on_membership_deleted, Membership, "webhooks.leave"),
        (post_save, "resource.shared", on_share_saved, ResourceShare, "webhooks.share"),
        (post_save, "resource.rated", on_rating_saved, Rating, "webhooks.rating"),
    ):
        signal.connect(_when_subscribed(event, receiver), sender=model, weak=False,
                       dispatch_uid=uid)
    post_save.connect(_subscriptions_changed, sender=Subscription, dispatch_uid="webhooks.subs")
    post_delete.connect(_subscriptions_changed, sender=Subscription,
                        dispatch_uid="webhooks.subs-gone")
