"""Every read of groups. A private group's members and content are for its members only.

Who finds a group in a list (the groups page, search, the API's `groups`, the group
boards), `_listed_q`: public interest groups and official groups are for anyone to
discover; a class group, public or private, is its school's business, and a private
group of a school is found only by that school's people (the school they picked: they
may then ask to join, and the managers decide). A private group of no school has no
school to keep it in: any signed-in person may find it and ask. Members always find
their own groups, a site admin finds every group, a school app what it reads
(`school_app_reads_q`), an anonymous visitor only public ones. A group's own page
(its name and description) still opens by its address, for invitations and links.
"""

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext as _

from yiban_core import personal_cache
from yiban_core.accounts.models import Follow, User
from yiban_core.actor import Actor
from yiban_core.errors import NotFound, PermissionDenied
from yiban_core.groups.models import Ban, Group, Invitation, JoinRequest, Membership
from yiban_core.groups.rules import (
    joinable_q,
    membership,
    require_content_access,
    require_manager,
    school_app_reads_q,
    sees_join_code,
    sees_member_numbers,
)
from yiban_core.ids import parse_id

# Owner first, then admins, then members.
ROLE_RANK = Case(
    When(role=Membership.Role.OWNER, then=Value(0)),
    When(role=Membership.Role.ADMIN, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


# The parts of the groups page, in order (`directory`).
MINE, MY_SCHOOL, OTHERS = 0, 1, 2


def _listed_q(actor: Actor) -> Q:
    """The groups `actor` finds in lists: the rule at the top of this module."""
    anyone = Q(is_private=False) & ~Q(kind=Group.Kind.CLASS)
    user = actor.user
    if user is None:
        if actor.school is not None:  # a school app
            return anyone | school_app_reads_q(actor.school.pk)
        return anyone
    if actor.is_site_admin:
        return Q()
    listed = (anyone | Q(school__isnull=True)
              | Q(pk__in=Membership.objects.filter(user=user).values("group_id")))
    if user.school_id is not None:
        listed |= Q(school_id=user.school_id)
    return listed


def groups(
    *, actor: Actor, query: str = "", kind: str | None = None, school_id=None
) -> QuerySet[Group]:
    """The groups `actor` may find, biggest first, by name or description."""
    actor.require_scope("groups:read")
    qs = (Group.objects.filter(_listed_q(actor)).select_related("owner", "school")
          .order_by("-member_count", "-pk"))
    query = (query or "").strip()[:60]
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if kind:
        qs = qs.filter(kind=kind)
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs


def directory(*, actor: Actor, query: str = "", kind: str | None = None) -> QuerySet[Group]:
    """The groups page: the viewer's own groups (those they manage too), then the groups
    of their school they may join or ask to join, then every other group they may find;
    biggest first within each part. Each row carries its `part` (MINE, MY_SCHOOL,
    OTHERS), the viewer's `viewer_role`, `viewer_requested` (a request waiting) and
    `viewer_banned`."""
    qs = groups(actor=actor, query=query, kind=kind)
    user = actor.user
    if user is None:
        qs = qs.annotate(part=Value(OTHERS), viewer_role=Value(None, CharField()),
                         viewer_requested=Value(False), viewer_banned=Value(False))
    else:
        mine = Membership.objects.filter(group=OuterRef("pk"), user=user)
        qs = qs.annotate(viewer_banned=Exists(Ban.objects.filter(group=OuterRef("pk"),
                                                                 user=user)))
        sections = [When(Exists(mine), then=Value(MINE))]
        if user.school_id is not None:
            sections.append(When(Q(school_id=user.school_id, viewer_banned=False)
                                 & joinable_q(user), then=Value(MY_SCHOOL)))
        qs = qs.annotate(
            part=Case(*sections, default=Value(OTHERS), output_field=IntegerField()),
            viewer_role=Subquery(mine.values("role")[:1]),
            viewer_requested=_requested(user),
        )
    return qs.order_by("part", "-member_count", "-pk")


def _requested(user) -> Exists:
    return Exists(JoinRequest.objects.filter(group=OuterRef("pk"), user=user,
                                             status=JoinRequest.Status.PENDING))


def suggested_groups(*, actor: Actor, limit: int = 6) -> list[Group]:
    """Groups of the viewer's school they may join or ask to join (the welcome panel):
    those naming their major first, then the biggest. None without a school. Each row
    carries `viewer_requested`."""
    actor.require_scope("groups:read")
    user = actor.require_user()
    if user.school_id is None:
        return []
    qs = (Group.objects.filter(joinable_q(user), school_id=user.school_id)
          .exclude(Exists(Membership.objects.filter(group=OuterRef("pk"), user=user)))
          .exclude(Exists(Ban.objects.filter(group=OuterRef("pk"), user=user)))
          .select_related("school").annotate(viewer_requested=_requested(user)))
    major = getattr(getattr(user, "profile", None), "major", "")
    of_major = Value(1)
    if major:
        of_major = Case(When(Q(name__icontains=major) | Q(description__icontains=major),
                             then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(qs.annotate(of_major=of_major)
                .order_by("of_major", "-member_count", "-pk")[:limit])


def official_group(*, actor: Actor, school_id: int | None) -> Group | None:
    """A school's official group (public: its page is where the school speaks)."""
    actor.require_scope("groups:read")
    if school_id is None:
        return None
    return Group.objects.filter(kind=Group.Kind.SCHOOL, school_id=school_id).first()


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


def my_groups(*, actor: Actor) -> list[Group]:
    """`groups_of` with the caller's role in each (`my_role`), without owner or school:
    what the composer, the sidebar and the boards' tabs show. Cached per person
    (yiban_core/personal_cache.py): forgotten when they join, leave or change role, or
    a group of theirs changes (groups/apps.py)."""
    actor.require_scope("groups:read")
    return personal_cache.read(actor.require_user(), "my-groups", lambda: list(
        groups_of(actor=actor).select_related(None).annotate(my_role=F("memberships__role"))))


def members(*, actor: Actor, group: Group) -> QuerySet[Membership]:
    require_content_access(actor, group)
    return (
        group.memberships.select_related("user", "user__profile", "user__school")
        .annotate(role_rank=ROLE_RANK)
        .order_by("role_rank", "joined_at", "pk")
    )


def member_directory(*, actor: Actor, group: Group, query: str = "") -> QuerySet[Membership]:
    """The members with their 学号/工号, for the group's managers and its school's
    administrators (groups.rules.sees_member_numbers); `query` finds a name, a username or
    a number. Ordered as `members` (owner, admins, then by joining), for keyset pages."""
    me = membership(actor.user, group)
    if not sees_member_numbers(actor, group, me.role if me is not None else None):
        raise PermissionDenied(_("只有群主、管理员和本校管理员可以查看成员名册"))
    qs = (group.memberships.select_related("user", "user__profile")
          .annotate(role_rank=ROLE_RANK).order_by("role_rank", "joined_at", "pk"))
    query = (query or "").strip()[:40]
    if query:
        qs = qs.filter(Q(user__display_name__icontains=query)
                       | Q(user__username__icontains=query)
                       | Q(user__member_number__icontains=query))
    return qs


def roles_in(*, actor: Actor, group_ids) -> dict[int, str]:
    """{group id: the actor's role} for those of these groups they are in: one query, none
    when there are no groups."""
    group_ids = {pk for pk in group_ids if pk is not None}
    if actor.user is None or not group_ids:
        return {}
    return dict(Membership.objects.filter(user=actor.user, group_id__in=group_ids)
                .values_list("group_id", "role"))


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


def pending_invitation_count(*, actor: Actor) -> int:
    """How many invitations wait for the caller's answer (the home page's notice)."""
    actor.require_scope("groups:read")
    user = actor.require_user()
    return personal_cache.read(user, "pending-invitations", lambda: Invitation.objects.filter(
        invitee_id=user.pk, status=Invitation.Status.PENDING).count())


INVITE_CANDIDATES = 20


def invitee_candidates(*, actor: Actor, group: Group, query: str) -> list[User]:
    """Whom a manager's "邀请" box may mean: a username, a display name (not unique: the
    page lets the manager pick), or a 学号 of the group's school. A 学号 is private, so it
    finds someone only for a manager verified by that school, and then the chooser shows
    it partly hidden (mask_member_number); a name never shows one.
    People of the group's school and people the manager follows come first."""
    require_manager(actor, group)
    query = (query or "").strip().lstrip("@")[:40]
    if not query:
        return []
    match = Q(username__iexact=query) | Q(display_name=query)
    by_number = (group.school_id is not None
                 and actor.user.verified_school_id == group.school_id)
    if by_number:
        match |= Q(school_id=group.school_id, member_number=query)
    follows = Follow.objects.filter(follower=actor.user, followee=OuterRef("pk"))
    near = [When(Exists(follows), then=Value(1))]
    if group.school_id is not None:
        near.insert(0, When(school_id=group.school_id, then=Value(0)))
    people = (User.objects.filter(match, is_active=True)
              .select_related("school", "profile")
              .annotate(near=Case(*near, default=Value(2), output_field=IntegerField()),
                        is_member=Exists(Membership.objects.filter(group=group,
                                                                   user=OuterRef("pk"))))
              .order_by("near", "display_name", "pk")[:INVITE_CANDIDATES])
    people = list(people)
    for person in people:
        person.matched_number = (mask_member_number(person.member_number)
                                 if by_number and person.member_number == query else "")
    return people


def mask_member_number(number: str | None) -> str:
    """2023011234 → 20******34: enough to tell two namesakes apart, not to copy."""
    if not number:
        return ""
    keep = max(1, len(number) // 4)
    if len(number) <= 2 * keep:
        return "*" * len(number)
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]
