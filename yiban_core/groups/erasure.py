"""What a cancelled account leaves in groups (yiban_core/privacy/closure.py).

The person leaves every group as a member leaves (counters, the MembershipsChanged event:
chats, boards, timelines and sockets follow). A group they own is handed over, as 转让群主
would, to its longest-serving admin, else (a class group: to a teacher) its longest-serving
member, who is notified; a group with nobody to take it is deleted when they chose to
delete their content, else archived (read-only, still there for its past members' posts).
Their join requests, invitations and bans go; decisions and invitations they made for
others no longer name them."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yiban_core import events, personal_cache
from yiban_core.accounts.models import User
from yiban_core.groups.models import Ban, Group, Invitation, JoinRequest, Membership
from yiban_core.groups.services import forget_members
from yiban_core.notifications.models import Notification
from yiban_core.notifications.services import notify
from yiban_core.privacy.registry import erasure
from yiban_core.search.services import index_later

TEACHING_ROLES = {User.Role.TEACHER, User.Role.STAFF, User.Role.ADMIN}


def _heir(group: Group, user) -> Membership | None:
    others = (Membership.objects.select_related("user").filter(group=group, user__is_active=True)
              .exclude(user=user).order_by("joined_at", "pk"))
    admin = others.filter(role=Membership.Role.ADMIN).first()
    if admin is not None and (group.kind != Group.Kind.CLASS or admin.user.role in TEACHING_ROLES):
        return admin
    if group.kind == Group.Kind.CLASS:
        return others.filter(user__role__in=TEACHING_ROLES).first()
    return others.first()


def _hand_over(group: Group, user, keep_content: bool) -> None:
    heir = _heir(group, user)
    if heir is not None:
        heir.role = Membership.Role.OWNER
        Membership.objects.filter(group=group, user=user).update(role=Membership.Role.MEMBER)
        heir.save(update_fields=["role"])
        Group.objects.filter(pk=group.pk).update(owner=heir.user)
        personal_cache.forget([heir.user_id])
        notify(recipient_ids=[heir.user_id], kind=Notification.Kind.OWNERSHIP_TRANSFERRED,
               group_id=group.pk,
               event_key=f"owner:{group.pk}:{heir.user_id}:{timezone.now().timestamp()}")
    elif not keep_content:
        gone = events.MembershipsChanged.of(
            left=group.memberships.only("pk", "group_id", "user_id"), group_deleted=True)
        group_id = group.pk
        group.delete()
        index_later("group", group_id)
        events.send(gone)
    else:
        Group.objects.filter(pk=group.pk, archived_at__isnull=True).update(
            archived_at=timezone.now())
        forget_members(group.pk)  # no post_save


@erasure("groups")
def erase(user, keep_content: bool) -> None:
    for group in list(Group.objects.filter(owner=user)):
        _hand_over(group, user, keep_content)
    members = list(Membership.objects.filter(user=user))
    if members:
        left = events.MembershipsChanged.of(left=members)  # while they have their pks
        Membership.objects.filter(pk__in=[m.pk for m in members]).delete()
        for member in members:
            Group.objects.filter(pk=member.group_id).update(member_count=F("member_count") - 1)
        events.send(left)
    JoinRequest.objects.filter(user=user).delete()
    JoinRequest.objects.filter(decided_by=user).update(decided_by=None)
    Invitation.objects.filter(invitee=user).delete()
    Invitation.objects.filter(inviter=user).delete()
    Ban.objects.filter(user=user).delete()
    Ban.objects.filter(banned_by=user).update(banned_by=None)
    transaction.on_commit(lambda: personal_cache.forget([user.pk]))
