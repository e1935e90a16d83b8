"""What groups keep about a person: their memberships, the groups they own, their join
requests, the invitations they received and sent, and the bans on them. Join codes are
not exported (a code is the group's key, not the person's data)."""

from django.utils.translation import gettext_lazy as _

from yiban_core.groups.models import Ban, Group, Invitation, JoinRequest, Membership
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import iso, name_of, rows


def export(user) -> dict:
    return {
        "memberships": rows(
            Membership.objects.filter(user=user).select_related("group").order_by("pk"),
            lambda m: {"group": m.group.name, "kind": m.group.get_kind_display(),
                       "role": m.get_role_display(), "joined_at": iso(m.joined_at)}),
        "groups_owned": rows(
            Group.objects.filter(owner=user).order_by("pk"),
            lambda g: {"id": g.pk, "name": g.name, "kind": g.get_kind_display(),
                       "description": g.description, "private": g.is_private,
                       "created_at": iso(g.created_at), "archived_at": iso(g.archived_at)}),
        "join_requests": rows(
            JoinRequest.objects.filter(user=user).select_related("group").order_by("pk"),
            lambda r: {"group": r.group.name, "message": r.message,
                       "status": r.get_status_display(), "created_at": iso(r.created_at),
                       "decided_at": iso(r.decided_at)}),
        "invitations_received": rows(
            Invitation.objects.filter(invitee=user).select_related("group", "inviter")
            .order_by("pk"),
            lambda i: {"group": i.group.name, "from": name_of(i.inviter),
                       "status": i.get_status_display(), "created_at": iso(i.created_at)}),
        "invitations_sent": rows(
            Invitation.objects.filter(inviter=user).select_related("group", "invitee")
            .order_by("pk"),
            lambda i: {"group": i.group.name, "to": name_of(i.invitee),
                       "status": i.get_status_display(), "created_at": iso(i.created_at)}),
        "bans": rows(
            Ban.objects.filter(user=user).select_related("group").order_by("pk"),
            lambda b: {"group": b.group.name, "reason": b.reason,
                       "created_at": iso(b.created_at)}),
    }


declare(Declaration(app="groups", title=_("群组"),
                    models=[Group, Membership, JoinRequest, Invitation, Ban], export=export))
