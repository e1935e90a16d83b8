"""Every read of groups. Any group can be found by name (so people can ask to
join), but a private group's members and content are for its members only."""

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from yiban_core.actor import Actor
from yiban_core.errors import NotFound
from yiban_core.groups.models import Ban, Group, Invitation, JoinRequest, Membership
from yiban_core.groups.rules import (
    membership,
    require_content_access,
    require_manager,
    school_app_reads_q,
    sees_join_code,
)
from yiban_core.ids import parse_id

# Owner first, then admins, then members.
ROLE_RANK = Case(
    When(role=Membership.Role.OWNER, then=Value(0)),
    When(role=Membership.Role.ADMIN, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def groups(
    *, actor: Actor, query: str = "", kind: str | None = None, school_id=None
) -> QuerySet[Group]:
    actor.require_scope("groups:read")
    qs = Group.objects.select_related("owner", "school").order_by("-member_count", "-pk")
    query = (query or "").strip()[:60]
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if kind:
        qs = qs.filter(kind=kind)
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs


def findable_group_ids(*, actor: Actor, ids) -> set[int]:
    """Which of `ids` the search may show the actor: any group by name, except a private
    group of another school, which only its members and that school's people find."""
    if not actor.has_scope("groups:read"):
        return set()
    qs = Group.objects.filter(pk__in=ids)
    if not actor.is_site_admin:
        user = actor.user
        elsewhere = Q(is_private=True, school__isnull=False)
        if user is not None:
            elsewhere &= ~Q(school_id=user.school_id) & ~Q(memberships__user=user)
        qs = qs.exclude(elsewhere)
    return set(qs.values_list("pk", flat=True))


def get_group(*, actor: Actor, pk) -> Group:
    actor.require_scope("groups:read")
    pk = parse_id(pk)
    group = Group.objects.select_related("owner", "school").filter(pk=pk).first() if pk else None
    if group is None:
        raise NotFound(_("没有这个群"), field="group")
    return group


def private_groups_open_to_school_apps(*, school) -> QuerySet[Group]:
    """The school's private interest groups whose managers let its school apps read them
    (for the install page, which names them)."""
    return (Group.objects.filter(school_app_reads_q(school.pk), kind=Group.Kind.INTEREST,
                                 is_private=True)
            .order_by("name", "pk"))


def groups_of(*, actor: Actor) -> QuerySet[Group]:
    """The caller's own groups, most recently joined first."""
    actor.require_scope("groups:read")
    user = actor.require_user()
    return (
        Group.objects.filter(memberships__user=user)
        .select_related("owner", "school")
        .annotate(joined_at=F("memberships__joined_at"))
        .order_by("-joined_at", "-pk")
    )


def members(*, actor: Actor, group: Group) -> QuerySet[Membership]:
    require_content_access(actor, group)
    return (
        group.memberships.select_related("user", "user__profile", "user__school")
        .annotate(role_rank=ROLE_RANK)
        .order_by("role_rank", "joined_at", "pk")
    )


def viewer_membership(*, actor: Actor, group: Group) -> Membership | None:
    return membership(actor.user, group)


def can_see_join_code(*, actor: Actor, group: Group) -> bool:
    member = membership(actor.user, group)
    return sees_join_code(group, member.role if member else None)


def pending_requests(*, actor: Actor, group: Group) -> QuerySet[JoinRequest]:
    require_manager(actor, group)
    return group.join_requests.filter(status=JoinRequest.Status.PENDING).select_related(
        "user", "user__school"
    ).order_by("created_at", "pk")


def pending_request_of(*, actor: Actor, group: Group) -> JoinRequest | None:
    """The caller's own request to join, while it waits for a decision."""
    if actor.user is None:
        return None
    return group.join_requests.filter(user=actor.user, status=JoinRequest.Status.PENDING).first()


def bans(*, actor: Actor, group: Group) -> QuerySet[Ban]:
    require_manager(actor, group)
    return group.bans.select_related("user").order_by("-created_at", "-pk")


def my_invitations(*, actor: Actor) -> QuerySet[Invitation]:
    actor.require_scope("groups:read")
    user = actor.require_user()
    return Invitation.objects.filter(invitee=user, status=Invitation.Status.PENDING).select_related(
        "group", "inviter"
    ).order_by("-created_at", "-pk")
