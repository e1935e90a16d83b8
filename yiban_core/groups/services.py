"""Every write to groups and memberships.

Each service checks permission, validates, and changes state in one
transaction; member_count moves in the same transaction as the membership row.
The group row is locked while members are added so a member cap holds under
concurrent joins.

Every membership written or deleted, one at a time or in bulk, is announced with
events.MembershipsChanged from here (_add_member, _remove_member, _add_members,
_remove_members, delete_group), so a join by code and a roster sync have the same
effects (webhooks, timelines, live streams): see yiban_core/events.py.
"""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiban_core import events, personal_cache
from yiban_core.accounts.models import School, User
from yiban_core.accounts.rules import require_not_blocked, require_roster_authority
from yiban_core.accounts.selectors import blocked_between_q, is_school_admin
from yiban_core.actor import Actor
from yiban_core.audit import services as audit
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups.models import Ban, Group, Invitation, JoinRequest, Membership
from yiban_core.groups.rules import (
    may_delete_group,
    may_remove,
    membership,
    require_manager,
    require_owner,
)
from yiban_core.ids import parse_id
from yiban_core.moderation.services import hold_if_needed, screen
from yiban_core.notifications.models import Notification
from yiban_core.notifications.services import notify
from yiban_core.ratelimit import check, failed, hit
from yiban_core.search.services import index_later
from yiban_core.unchanged import UNCHANGED, Unchanged

# No 0/O or 1/I/L: codes are read aloud in class and copied from a blackboard.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
POLICIES_BY_KIND = {
    Group.Kind.CLASS: {Group.JoinPolicy.CODE, Group.JoinPolicy.APPROVAL, Group.JoinPolicy.CLOSED},
    Group.Kind.INTEREST: {
        Group.JoinPolicy.OPEN, Group.JoinPolicy.APPROVAL, Group.JoinPolicy.CLOSED,
    },
    Group.Kind.SCHOOL: {Group.JoinPolicy.OPEN},
}
STAFF_ROLES = {User.Role.TEACHER, User.Role.STAFF, User.Role.ADMIN}
# Wrong class codes tolerated per 15 minutes: per person, and per address (many accounts).
WRONG_CODES_PER_USER = 10
WRONG_CODES_PER_IP = 30
JOIN_REQUESTS_PER_HOUR = 20


def forget_members(group_id: int) -> None:
    """The members' cached reads that show the group (groups.selectors.my_groups) are
    out of date: it was renamed, archived, handed over."""
    personal_cache.forget(Membership.objects.filter(group_id=group_id)
                          .values_list("user_id", flat=True))


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _i in range(JOIN_CODE_LENGTH))


def normalize_join_code(code: str) -> str:
    return "".join((code or "").split()).upper()


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid(_("群名不能为空"), field="name")
    if len(name) > 60:
        raise Invalid(_("群名不能超过 60 个字"), field="name")
    return name


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > 2000:
        raise Invalid(_("简介不能超过 2000 个字"), field="description")
    return description


def _check_cap(member_cap: int | None) -> None:
    if member_cap is not None and not 1 <= member_cap <= 100_000:
        raise Invalid(_("人数上限应在 1 到 100000 之间"), field="member_cap")


def create_group(
    *, actor: Actor, name: str, kind: str, description: str = "", is_private: bool | None = None,
    join_policy: str | None = None, member_cap: int | None = None, school: School | None = None,
) -> Group:
    actor.require_scope("groups:write")
    user = actor.require_user()
    name, description = _clean_name(name), _clean_description(description)
    _check_cap(member_cap)
    if kind == Group.Kind.CLASS:
        if user.role not in STAFF_ROLES or user.school_id is None:
            raise PermissionDenied(_("只有设置了学校的教师可以创建班级群"))
        school = user.school
        is_private = True if is_private is None else is_private
        join_policy = join_policy or Group.JoinPolicy.CODE
    elif kind == Group.Kind.INTEREST:
        is_private = bool(is_private)
        join_policy = join_policy or Group.JoinPolicy.OPEN
        if school is not None and school.pk != user.school_id:
            raise Invalid(_("只能把兴趣群挂在自己的学校下"), field="school")
    elif kind == Group.Kind.SCHOOL:
        if school is None or not is_school_admin(user, school):
            raise PermissionDenied(_("只有学校管理员可以创建学校官方群"))
        is_private, join_policy = False, Group.JoinPolicy.OPEN
    else:
        raise Invalid(_("群类型不正确"), field="kind")
    if join_policy not in POLICIES_BY_KIND[kind]:
        raise Invalid(_("这类群不能用这种加入方式"), field="join_policy")
    if kind == Group.Kind.SCHOOL and Group.objects.filter(kind=kind, school=school).exists():
        raise Conflict(_("这所学校已经有官方群了"), field="kind")
    school_id = school.pk if school is not None else user.school_id
    verdicts = [screen("name", name, school=school_id),
                screen("description", description, school=school_id)]
    name, description = (verdict.text for verdict in verdicts)
    try:
        with transaction.atomic():
            group = Group.objects.create(
                name=name, kind=kind, description=description, is_private=is_private,
                join_policy=join_policy, member_cap=member_cap, school=school, owner=user,
                member_count=1, join_code=new_join_code() if kind == Group.Kind.CLASS else None,
            )
            Membership.objects.create(group=group, user=user, role=Membership.Role.OWNER)
            personal_cache.forget([user.pk])  # their groups (groups.selectors.my_groups)
            hold_if_needed(group, *verdicts)  # a group is never held: a case opens
            index_later("group", group.pk)
    except IntegrityError:  # a concurrent official group, or a join code collision
        raise Conflict(_("创建失败，请重试"), field="kind") from None
    return group


def update_group(
    *, actor: Actor, group: Group, name: str | None = None, description: str | None = None,
    is_private: bool | None = None, join_policy: str | None = None,
    member_cap: int | Unchanged | None = UNCHANGED, school_apps_may_read: bool | None = None,
    premoderate: bool | Unchanged | None = UNCHANGED,
) -> Group:
    """Change a group's settings; everything is validated before anything is assigned.
    premoderate (先审后发): True or False, or None to follow the school's default."""
    require_manager(actor, group)
    changes = {}
    verdicts = []
    school_id = group.school_id or getattr(actor.user, "school_id", None)
    if name is not None:
        verdicts.append(screen("name", _clean_name(name), school=school_id))
        changes["name"] = verdicts[-1].text
    if description is not None:
        verdicts.append(screen("description", _clean_description(description),
                               school=school_id))
        changes["description"] = verdicts[-1].text
    if is_private is not None:
        if group.kind == Group.Kind.SCHOOL and is_private:
            raise Invalid(_("学校官方群不能设为私密"), field="is_private")
        changes["is_private"] = is_private
    if join_policy is not None:
        if join_policy not in POLICIES_BY_KIND[group.kind]:
            raise Invalid(_("这类群不能用这种加入方式"), field="join_policy")
        changes["join_policy"] = join_policy
    if member_cap is not UNCHANGED:
        _check_cap(member_cap)
        if member_cap is not None and member_cap < group.member_count:
            raise Invalid(_("人数上限不能小于现有成员数 %(n)d") % {"n": group.member_count},
                          field="member_cap")
        changes["member_cap"] = member_cap
    if school_apps_may_read is not None:
        # Only an interest group's managers choose: the school's apps read class groups
        # and the official group anyway (groups.rules.school_app_reads_q).
        if group.kind != Group.Kind.INTEREST:
            raise Invalid(_("只有兴趣群可以设置是否允许学校应用读取"),
                          field="school_apps_may_read")
        changes["school_apps_may_read"] = bool(school_apps_may_read)
    if premoderate is not UNCHANGED:
        if premoderate not in (True, False, None):
            raise Invalid(_("先审后发的设置不正确"), field="premoderate")
        changes["premoderate"] = premoderate
    for field, value in changes.items():
        setattr(group, field, value)
    if changes:
        with transaction.atomic():
            group.save(update_fields=list(changes))
            hold_if_needed(group, *verdicts)
            index_later("group", group.pk)
    return group


def _add_member(group: Group, user: User, role: str = Membership.Role.MEMBER) -> Membership:
    """Inside a transaction: lock the group, check bans and the cap, add the row."""
    locked = Group.objects.select_for_update().get(pk=group.pk)
    if locked.archived_at is not None:
        raise PermissionDenied(_("这个群已归档，不能再加入"))
    if Ban.objects.filter(group=group, user=user).exists():
        raise PermissionDenied(_("你已被禁止加入这个群"))
    if Membership.objects.filter(group=group, user=user).exists():
        raise Conflict(_("已经是群成员了"))
    if locked.member_cap is not None and locked.member_count >= locked.member_cap:
        raise Conflict(_("群成员已满"))
    member = Membership.objects.create(group=group, user=user, role=role)
    Group.objects.filter(pk=group.pk).update(member_count=F("member_count") + 1)
    group.member_count = locked.member_count + 1
    events.send(events.MembershipsChanged.of(joined=[member]))
    return member


def _remove_member(group: Group, member: Membership) -> None:
    left = events.MembershipsChanged.of(left=[member])  # while it has its pk
    member.delete()
    Group.objects.filter(pk=group.pk).update(member_count=F("member_count") - 1)
    group.member_count -= 1
    events.send(left)


def add_members_in_bulk(
    *, actor: Actor, school: School, additions: list[tuple[int, int, str]],
) -> tuple[list[Membership], dict[tuple[int, int], str]]:
    """Add many (group id, user id, role) at once for a school's batch job (a roster
    sync): `actor` speaks for `school`'s roster (accounts.rules.require_roster_authority)
    and every group is one of the school's. Bans, existing memberships and caps refuse
    single additions, the others are made; the caller decides whether a refusal undoes
    its batch. Inside the caller's transaction. Returns (memberships made, refused
    {(group id, user id): reason})."""
    require_roster_authority(actor, school)
    return _add_members(additions, school_id=school.pk)


def remove_members_in_bulk(*, actor: Actor, school: School,
                           members: list[Membership]) -> None:
    """End many memberships of `school`'s groups at once, for a school's batch job
    (`actor` as for add_members_in_bulk). Owners are the caller's to keep (a group
    is never left without one: the roster sync hands ownership over first)."""
    require_roster_authority(actor, school)
    group_ids = {m.group_id for m in members}
    if group_ids and Group.objects.filter(pk__in=group_ids).exclude(school=school).exists():
        raise PermissionDenied(_("只能管理本校的群"))
    _remove_members(members)


def _add_members(
    additions: list[tuple[int, int, str]], *, school_id: int | None,
) -> tuple[list[Membership], dict[tuple[int, int], str]]:
    """_add_member for many at once, for add_members_in_bulk (every group of `school_id`)
    and decide_requests (one group its manager checked; school_id None): inside a transaction,
    the groups are locked (in id order), bans, existing rows and caps are checked in
    the order given, then one bulk insert and one counter update per group."""
    if not additions:
        return [], {}
    group_ids = sorted({group_id for group_id, _user_id, _role in additions})
    user_ids = {user_id for _group_id, user_id, _role in additions}
    groups = {g.pk: g for g in Group.objects.select_for_update().filter(pk__in=group_ids)
              .order_by("pk").only("pk", "member_count", "member_cap", "school_id", "archived_at")}
    if set(groups) != set(group_ids) or (
            school_id is not None and any(g.school_id != school_id for g in groups.values())):
        raise PermissionDenied(_("只能管理本校的群"))
    banned = set(Ban.objects.filter(group_id__in=group_ids, user_id__in=user_ids)
                 .values_list("group_id", "user_id"))
    present = set(Membership.objects.filter(group_id__in=group_ids, user_id__in=user_ids)
                  .values_list("group_id", "user_id"))
    counts = {pk: group.member_count for pk, group in groups.items()}
    rows: list[Membership] = []
    refused: dict[tuple[int, int], str] = {}
    for group_id, user_id, role in additions:
        key, group = (group_id, user_id), groups[group_id]
        if group.archived_at is not None:
            refused[key] = _("这个群已归档，不能再加入")
        elif key in banned:
            refused[key] = _("你已被禁止加入这个群")
        elif key in present:
            refused[key] = _("已经是群成员了")
        elif group.member_cap is not None and counts[group_id] >= group.member_cap:
            refused[key] = _("群成员已满")
        else:
            present.add(key)
            counts[group_id] += 1
            rows.append(Membership(group_id=group_id, user_id=user_id, role=role))
    created = Membership.objects.bulk_create(rows)
    for group_id, count in counts.items():
        if count != groups[group_id].member_count:
            Group.objects.filter(pk=group_id).update(
                member_count=F("member_count") + (count - groups[group_id].member_count))
    if created:
        events.send(events.MembershipsChanged.of(joined=created))
    return created, refused


def _remove_members(members: list[Membership]) -> None:
    """_remove_member for many memberships at once: one delete, one counter update per
    group."""
    if not members:
        return
    Membership.objects.filter(pk__in=[m.pk for m in members])._raw_delete(Membership.objects.db)
    per_group: dict[int, int] = {}
    for member in members:
        per_group[member.group_id] = per_group.get(member.group_id, 0) + 1
    for group_id, n in per_group.items():
        Group.objects.filter(pk=group_id).update(member_count=F("member_count") - n)
    events.send(events.MembershipsChanged.of(left=members))


def _manager_ids(group: Group) -> list[int]:
    return list(
        group.memberships.filter(role__in=[Membership.Role.OWNER, Membership.Role.ADMIN])
        .values_list("user_id", flat=True)
    )


def join_group(*, actor: Actor, group: Group) -> Membership:
    """Join an open interest group, or one's own school's official group."""
    actor.require_scope("groups:write")
    user = actor.require_user()
    if group.kind == Group.Kind.SCHOOL:
        if not (user.is_verified and user.school_id == group.school_id):
            raise PermissionDenied(_("学校官方群只对本校认证用户开放"))
    elif group.join_policy == Group.JoinPolicy.APPROVAL:
        raise PermissionDenied(_("这个群需要审核，请提交入群申请"))
    elif group.join_policy == Group.JoinPolicy.CODE:
        raise PermissionDenied(_("请用班级码加入这个群"))
    elif group.join_policy == Group.JoinPolicy.CLOSED:
        raise PermissionDenied(_("这个群只能通过邀请加入"))
    with transaction.atomic():
        return _add_member(group, user)


def join_by_code(*, actor: Actor, code: str, client_ip: str = "") -> Membership:
    """Join a class by its code. Wrong codes are counted (per user, and per `client_ip`
    when the caller knows it), so codes cannot be found by guessing."""
    actor.require_scope("groups:write")
    user = actor.require_user()
    keys = [(f"join-code:user:{user.pk}", WRONG_CODES_PER_USER)]
    if client_ip:
        keys.append((f"join-code:ip:{client_ip}", WRONG_CODES_PER_IP))
    for key, limit in keys:
        check(key, limit=limit, window_s=900)
    code = normalize_join_code(code)
    group = Group.objects.filter(join_code=code).first() if code else None
    refusal = None
    if group is None or group.join_policy != Group.JoinPolicy.CODE:
        refusal = Invalid(_("班级码不正确"), field="code")
    elif user.school_id is not None and user.school_id != group.school_id:
        refusal = PermissionDenied(_("这是另一所学校的班级"))
    if refusal is not None:
        for key, _limit in keys:
            failed(key, window_s=900)
        raise refusal
    with transaction.atomic():
        return _add_member(group, user)


def join_school_group(*, user: User) -> Membership | None:
    """Called when a school verifies a user: they join the school's official group."""
    group = Group.objects.filter(kind=Group.Kind.SCHOOL, school_id=user.school_id).first()
    if group is None or Membership.objects.filter(group=group, user=user).exists():
        return None
    with transaction.atomic():
        return _add_member(group, user)


def request_to_join(*, actor: Actor, group: Group, message: str = "") -> JoinRequest:
    actor.require_scope("groups:write")
    user = actor.require_user()
    message = (message or "").strip()
    if len(message) > 200:
        raise Invalid(_("申请理由不能超过 200 个字"), field="message")
    verdict = screen("message", message, school=group.school_id or user.school_id)
    message = verdict.text
    if group.join_policy != Group.JoinPolicy.APPROVAL:
        raise Invalid(_("这个群不需要申请"), field="group")
    if Ban.objects.filter(group=group, user=user).exists():
        raise PermissionDenied(_("你已被禁止加入这个群"))
    if Membership.objects.filter(group=group, user=user).exists():
        raise Conflict(_("已经是群成员了"))
    hit(f"join-request:{user.pk}", limit=JOIN_REQUESTS_PER_HOUR, window_s=3600)
    try:
        with transaction.atomic():
            request = JoinRequest.objects.create(group=group, user=user, message=message)
            hold_if_needed(user, verdict)  # the writer's case: a request has no page of its own
            notify(recipient_ids=_manager_ids(group), kind=Notification.Kind.JOIN_REQUESTED,
                   actor_id=user.pk, group_id=group.pk, event_key=f"join-request:{request.pk}",
                   group_key=f"join_requested:{group.pk}")
    except IntegrityError:
        raise Conflict(_("你已经提交过申请，请等待审核")) from None
    return request


def _request(request_id) -> JoinRequest:
    request = JoinRequest.objects.select_related("group", "user").filter(pk=request_id).first()
    if request is None:
        raise NotFound(_("没有这条待审核的申请"), field="request")
    return request


def _locked(request: JoinRequest, status: str) -> JoinRequest:
    """Inside a transaction: lock the request's row, re-read it and move it to `status`;
    a request already decided (by a decision that just committed, too) is refused."""
    locked = JoinRequest.objects.select_for_update().get(pk=request.pk)
    locked.move_to(status)
    request.status = locked.status
    return request


def decide_request(*, actor: Actor, request_id, approve: bool) -> JoinRequest:
    actor.require_scope("groups:write")
    actor.require_user()
    request = _request(request_id)
    require_manager(actor, request.group)
    if approve and Ban.objects.filter(group=request.group, user=request.user).exists():
        raise Conflict(_("申请人已被本群封禁，请先解封"))
    with transaction.atomic():
        _locked(request, JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REJECTED)
        if approve:
            _add_member(request.group, request.user)
        request.decided_by = actor.user
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_by", "decided_at"])
        notify(recipient_ids=[request.user_id],
               kind=Notification.Kind.JOIN_APPROVED if approve else Notification.Kind.JOIN_REJECTED,
               actor_id=actor.user_id, group_id=request.group_id,
               event_key=f"join-decision:{request.pk}")
    return request


MAX_BULK_DECISIONS = 500


def decide_requests(*, actor: Actor, group: Group, request_ids, approve: bool
                    ) -> list[JoinRequest]:
    """Approve or reject many pending requests to join `group` at once (a teacher's
    first week): all or nothing. A request that is not pending, not of this group or
    does not exist refuses the whole batch, as does an approval a ban or the cap would
    refuse. Approved members are added in one bulk insert and announced with one
    MembershipsChanged of N entries, as a roster sync is."""
    require_manager(actor, group)
    ids = sorted({parse_id(value) or 0 for value in request_ids or ()})
    if not ids:
        raise Invalid(_("请至少选择一条申请"), field="request_ids")
    if len(ids) > MAX_BULK_DECISIONS:
        raise Invalid(_("一次最多处理 %(n)d 条申请") % {"n": MAX_BULK_DECISIONS},
                      field="request_ids")
    status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REJECTED
    with transaction.atomic():
        requests = list(JoinRequest.objects.select_for_update().select_related("user")
                        .filter(pk__in=ids, group=group).order_by("pk"))
        if len(requests) != len(ids):
            raise NotFound(_("有的申请不存在或不属于这个群，什么都没有改"), field="request_ids")
        decided = [r for r in requests if r.status != JoinRequest.Status.PENDING]
        if decided:
            raise Conflict(_("%(names)s 的申请已处理，什么都没有改")
                           % {"names": "、".join(str(r.user) for r in decided[:5])},
                           field="request_ids")
        if approve:
            _created, refused = _add_members(
                [(group.pk, r.user_id, Membership.Role.MEMBER) for r in requests], school_id=None)
            if refused:
                users = {r.user_id: r.user for r in requests}
                (_group_id, user_id), reason = next(iter(refused.items()))
                raise Conflict(_("%(name)s：%(reason)s，什么都没有改")
                               % {"name": users[user_id], "reason": reason}, field="request_ids")
        now = timezone.now()
        for request in requests:
            request.move_to(status)
            request.decided_by, request.decided_at = actor.user, now
        JoinRequest.objects.bulk_update(requests, ["status", "decided_by", "decided_at"])
        kind = Notification.Kind.JOIN_APPROVED if approve else Notification.Kind.JOIN_REJECTED
        for request in requests:
            notify(recipient_ids=[request.user_id], kind=kind, actor_id=actor.user_id,
                   group_id=group.pk, event_key=f"join-decision:{request.pk}")
    return requests


def cancel_request(*, actor: Actor, request_id) -> None:
    actor.require_scope("groups:write")
    user = actor.require_user()
    request = _request(request_id)
    if request.user_id != user.pk:
        raise NotFound(_("没有这条待审核的申请"), field="request")
    with transaction.atomic():
        _locked(request, JoinRequest.Status.CANCELLED)
        request.save(update_fields=["status"])


def invite(*, actor: Actor, group: Group, user_id=None, username: str | None = None
           ) -> Invitation:
    """Invite one person, named by id (the pages resolve a name or 学号 to one first,
    groups.selectors.invitee_candidates) or, as the API always could, by username."""
    require_manager(actor, group)
    if user_id is not None:
        pk = parse_id(user_id)
        invitee = User.objects.filter(pk=pk, is_active=True).first() if pk else None
    else:
        invitee = User.objects.filter(username=username or "", is_active=True).first()
    if invitee is None:
        raise NotFound(_("没有这个用户"), field="username")
    if Membership.objects.filter(group=group, user=invitee).exists():
        raise Conflict(_("TA 已经是群成员了"), field="username")
    if Ban.objects.filter(group=group, user=invitee).exists():
        raise Conflict(_("TA 已被本群封禁，请先解封"), field="username")
    if actor.user is not None:
        require_not_blocked(actor.user, invitee, doing=_("邀请 TA"), field="username")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(group=group, invitee=invitee,
                                                   inviter=actor.user)
            personal_cache.forget([invitee.pk])  # their pending invitations
            notify(recipient_ids=[invitee.pk], kind=Notification.Kind.INVITED,
                   actor_id=actor.user_id, group_id=group.pk,
                   event_key=f"invitation:{invitation.pk}")
    except IntegrityError:
        raise Conflict(_("已经邀请过 TA 了"), field="username") from None
    return invitation


def invite_users(*, actor: Actor, group: Group, user_ids) -> list[Invitation]:
    """Invite many people at once (a roster's students who have not joined yet). Those
    who are members, banned, inactive or already invited are passed over, so sending
    the same list twice invites nobody twice. Returns the invitations made."""
    require_manager(actor, group)
    ids = {parse_id(value) for value in user_ids or ()} - {None}
    if not ids:
        raise Invalid(_("请至少选择一位同学"), field="user_ids")
    if len(ids) > MAX_BULK_DECISIONS:
        raise Invalid(_("一次最多邀请 %(n)d 人") % {"n": MAX_BULK_DECISIONS}, field="user_ids")
    skip = (set(group.memberships.filter(user_id__in=ids).values_list("user_id", flat=True))
            | set(Ban.objects.filter(group=group, user_id__in=ids).values_list("user_id",
                                                                              flat=True))
            | set(Invitation.objects.filter(group=group, invitee_id__in=ids,
                                            status=Invitation.Status.PENDING)
                  .values_list("invitee_id", flat=True)))
    if actor.user is not None:  # nobody a block stands between (accounts/rules.py)
        skip |= set(User.objects.filter(blocked_between_q(actor.user), pk__in=ids)
                    .values_list("pk", flat=True))
    invitees = list(User.objects.filter(pk__in=ids - skip, is_active=True).order_by("pk")
                    .values_list("pk", flat=True))
    with transaction.atomic():
        made = Invitation.objects.bulk_create(
            [Invitation(group=group, invitee_id=pk, inviter=actor.user) for pk in invitees],
            ignore_conflicts=True)
        made = list(Invitation.objects.filter(group=group, invitee_id__in=invitees,
                                              status=Invitation.Status.PENDING))
        personal_cache.forget(invitees)
        for invitation in made:
            notify(recipient_ids=[invitation.invitee_id], kind=Notification.Kind.INVITED,
                   actor_id=actor.user_id, group_id=group.pk,
                   event_key=f"invitation:{invitation.pk}")
    return made


def answer_invitation(*, actor: Actor, invitation_id, accept: bool) -> Invitation:
    actor.require_scope("groups:write")
    user = actor.require_user()
    invitation = Invitation.objects.select_related("group").filter(
        pk=invitation_id, invitee=user, status=Invitation.Status.PENDING
    ).first()
    if invitation is None:
        raise NotFound(_("没有这条邀请"), field="invitation")
    with transaction.atomic():
        if accept:
            _add_member(invitation.group, user)
        invitation.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.DECLINED
        invitation.save(update_fields=["status"])
        personal_cache.forget([user.pk])
    return invitation


def leave_group(*, actor: Actor, group: Group) -> None:
    actor.require_scope("groups:write")
    member = membership(actor.require_user(), group)
    if member is None:
        raise NotFound(_("你不是这个群的成员"))
    if member.role == Membership.Role.OWNER:
        raise Invalid(_("群主要先转让群主才能退出"))
    with transaction.atomic():
        _remove_member(group, member)


def _target_member(group: Group, username: str) -> Membership:
    member = group.memberships.select_related("user").filter(user__username=username).first()
    if member is None:
        raise NotFound(_("TA 不是这个群的成员"), field="username")
    return member


def _require_outranks(actor: Actor, manager: Membership | None, target: Membership) -> None:
    if target.role == Membership.Role.OWNER:
        raise PermissionDenied(_("不能移除群主"))
    if not may_remove(actor, manager.role if manager else None, target.role):
        raise PermissionDenied(_("管理员不能移除其他管理员"))


def remove_member(*, actor: Actor, group: Group, username: str) -> None:
    manager = require_manager(actor, group)
    target = _target_member(group, username)
    _require_outranks(actor, manager, target)
    with transaction.atomic():
        _remove_member(group, target)
        notify(recipient_ids=[target.user_id], kind=Notification.Kind.REMOVED,
               actor_id=actor.user_id, group_id=group.pk,
               event_key=f"removed:{group.pk}:{target.user_id}:{target.joined_at.timestamp()}")


def ban_member(*, actor: Actor, group: Group, username: str, reason: str = "") -> Ban:
    manager = require_manager(actor, group)
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(_("没有这个用户"), field="username")
    if user.pk == actor.user_id:
        raise Invalid(_("不能封禁自己"), field="username")
    target = Membership.objects.filter(group=group, user=user).first()
    if target is not None:
        _require_outranks(actor, manager, target)
    if len(reason or "") > 200:
        raise Invalid(_("理由不能超过 200 个字"), field="reason")
    return record_ban(group=group, user=user, banned_by=actor.user, reason=reason)


def record_ban(*, group: Group, user: User, banned_by: User | None, reason: str = "") -> Ban:
    """Ban `user` from `group` (out of it, pending requests rejected) for a caller that
    has checked who may: ban_member (the group's managers) and a moderation decision
    (the case's moderators, school admins included). The group's owner is never banned."""
    target = Membership.objects.filter(group=group, user=user).first()
    if target is not None and target.role == Membership.Role.OWNER:
        raise PermissionDenied(_("不能封禁群主"))
    try:
        with transaction.atomic():
            if target is not None:
                _remove_member(group, target)
            JoinRequest.objects.filter(group=group, user=user,
                                       status=JoinRequest.Status.PENDING).update(
                status=JoinRequest.Status.REJECTED, decided_by=banned_by,
                decided_at=timezone.now())
            return Ban.objects.create(group=group, user=user, banned_by=banned_by,
                                      reason=(reason or "").strip()[:200])
    except IntegrityError:
        raise Conflict(_("TA 已经被封禁了"), field="username") from None


def unban_member(*, actor: Actor, group: Group, username: str) -> None:
    require_manager(actor, group)
    deleted, _details = Ban.objects.filter(group=group, user__username=username).delete()
    if not deleted:
        raise NotFound(_("TA 没有被封禁"), field="username")


def set_member_role(*, actor: Actor, group: Group, username: str, role: str) -> Membership:
    require_owner(actor, group)
    if role not in (Membership.Role.ADMIN, Membership.Role.MEMBER):
        raise Invalid(_("只能设为管理员或成员（群主请用转让）"), field="role")
    target = _target_member(group, username)
    if target.role == Membership.Role.OWNER:
        raise Invalid(_("群主的身份只能通过转让改变"), field="username")
    previous, target.role = target.role, role
    with transaction.atomic():
        target.save(update_fields=["role"])
        personal_cache.forget([target.user_id])  # a manager moderates (the menu's queue link)
        audit.record("group.role_changed", by=actor, target=target.user,
                     school=group.school_id,
                     detail={"group_id": group.pk, "group": group.name, "from": previous,
                             "to": role})
    return target


def transfer_ownership(*, actor: Actor, group: Group, username: str) -> Group:
    owner = require_owner(actor, group)
    target = _target_member(group, username)
    if target.pk == owner.pk:
        raise Invalid(_("你已经是群主了"), field="username")
    if group.kind == Group.Kind.CLASS and target.user.role not in STAFF_ROLES:
        raise Invalid(_("班级群只能转让给教师"), field="username")
    previous_role = target.role
    with transaction.atomic():
        owner.role = Membership.Role.ADMIN
        owner.save(update_fields=["role"])  # first: at most one owner at any moment
        target.role = Membership.Role.OWNER
        target.save(update_fields=["role"])
        group.owner = target.user
        group.save(update_fields=["owner"])
        personal_cache.forget([owner.user_id, target.user_id])
        audit.record("group.role_changed", by=actor, target=target.user,
                     school=group.school_id,
                     detail={"group_id": group.pk, "group": group.name,
                             "from": previous_role, "to": Membership.Role.OWNER})
        notify(recipient_ids=[target.user_id], kind=Notification.Kind.OWNERSHIP_TRANSFERRED,
               actor_id=actor.user_id, group_id=group.pk,
               event_key=f"owner:{group.pk}:{target.user_id}:{timezone.now().timestamp()}")
    return group


def regenerate_join_code(*, actor: Actor, group: Group) -> Group:
    require_manager(actor, group)
    if group.kind != Group.Kind.CLASS:
        raise Invalid(_("只有班级群有班级码"))
    for _attempt in range(5):
        group.join_code = new_join_code()
        try:
            with transaction.atomic():
                group.save(update_fields=["join_code"])
            return group
        except IntegrityError:
            continue
    raise Conflict(_("生成班级码失败，请重试"))


def delete_group(*, actor: Actor, group: Group) -> None:
    if not actor.is_site_admin:
        owner = require_owner(actor, group)
        if not may_delete_group(actor, group, owner.role):
            raise PermissionDenied(_("学校官方群只能由站点管理员删除"))
    with transaction.atomic():
        group_id = group.pk
        gone = events.MembershipsChanged.of(left=group.memberships.only("pk", "group_id",
                                                                         "user_id"),
                                            group_deleted=True)
        personal_cache.forget(group.invitations.filter(status=Invitation.Status.PENDING)
                              .values_list("invitee_id", flat=True))
        group.delete()
        index_later("group", group_id)
        events.send(gone)
