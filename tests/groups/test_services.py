import pytest

from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
)
from yiban_core.accounts import services as account_services
from yiban_core.accounts.models import User
from yiban_core.actor import ANONYMOUS
from yiban_core.errors import Conflict, Invalid, NotAuthenticated, NotFound, PermissionDenied
from yiban_core.groups import selectors, services
from yiban_core.groups.models import Group, JoinRequest, Membership

pytestmark = pytest.mark.django_db


def member_names(group, viewer):
    return {m.user.username for m in selectors.members(actor=actor_for(viewer), group=group)}


def test_teacher_creates_class_group_and_students_join_by_code():
    teacher = make_teacher()
    group = make_class_group(teacher)
    assert group.school == teacher.school and group.is_private
    assert len(group.join_code) == 8

    student = make_user(school=teacher.school)
    # Codes are read aloud and typed by hand: spaces and case do not matter.
    code = f" {group.join_code[:4].lower()} {group.join_code[4:]} "
    services.join_by_code(actor=actor_for(student), code=code)
    group.refresh_from_db()
    assert group.member_count == 2
    assert member_names(group, student) == {teacher.username, student.username}


def test_wrong_join_code_changes_nothing():
    group = make_class_group(make_teacher())
    student = make_user()
    for code in ["", "WRONG123", "x" * 500]:
        with pytest.raises(Invalid) as error:
            services.join_by_code(actor=actor_for(student), code=code)
        assert error.value.field == "code"
    group.refresh_from_db()
    assert group.member_count == 1


def test_regenerated_code_retires_the_old_one():
    teacher = make_teacher()
    group = make_class_group(teacher)
    old = group.join_code
    services.regenerate_join_code(actor=actor_for(teacher), group=group)
    with pytest.raises(Invalid):
        services.join_by_code(actor=actor_for(make_user()), code=old)
    services.join_by_code(actor=actor_for(make_user()), code=group.join_code)


def test_students_cannot_create_class_groups():
    student = make_user(school=make_school())
    with pytest.raises(PermissionDenied):
        services.create_group(actor=actor_for(student), name="假班级", kind=Group.Kind.CLASS)
    assert not Group.objects.exists()


def test_class_of_another_school_refuses_a_student():
    group = make_class_group(make_teacher())
    outsider = make_user(school=make_school())
    with pytest.raises(PermissionDenied):
        services.join_by_code(actor=actor_for(outsider), code=group.join_code)


def test_approval_group_needs_a_request_and_a_decision():
    owner = make_user()
    group = make_interest_group(owner, name="考研交流群", is_private=True,
                                join_policy=Group.JoinPolicy.APPROVAL)
    applicant = make_user()
    with pytest.raises(PermissionDenied):
        services.join_group(actor=actor_for(applicant), group=group)
    assert group.memberships.count() == 1

    request = services.request_to_join(actor=actor_for(applicant), group=group,
                                       message="想一起备考")
    with pytest.raises(Conflict):
        services.request_to_join(actor=actor_for(applicant), group=group)
    # A plain member cannot decide.
    with pytest.raises(PermissionDenied):
        services.decide_request(actor=actor_for(applicant), request_id=request.pk, approve=True)

    services.decide_request(actor=actor_for(owner), request_id=request.pk, approve=True)
    request.refresh_from_db()
    assert request.status == JoinRequest.Status.APPROVED
    assert applicant.username in member_names(group, owner)
    with pytest.raises(Conflict):  # decided already
        services.decide_request(actor=actor_for(owner), request_id=request.pk, approve=True)


def test_private_group_members_are_for_members_only():
    owner = make_user()
    group = make_interest_group(owner, is_private=True, join_policy=Group.JoinPolicy.APPROVAL)
    outsider = make_user()
    with pytest.raises(PermissionDenied):
        selectors.members(actor=actor_for(outsider), group=group)
    with pytest.raises(NotAuthenticated):
        selectors.members(actor=ANONYMOUS, group=group)
    # Anyone can still find the group, to ask to join it.
    assert group in selectors.groups(actor=actor_for(outsider), query="摄影")


def test_member_cannot_edit_the_group():
    owner, member = make_user(), make_user()
    group = make_interest_group(owner)
    services.join_group(actor=actor_for(member), group=group)
    with pytest.raises(PermissionDenied):
        services.update_group(actor=actor_for(member), group=group, name="被篡改")
    group.refresh_from_db()
    assert group.name == "摄影社"


def test_member_cap_holds():
    owner = make_user()
    group = make_interest_group(owner, member_cap=2)
    services.join_group(actor=actor_for(make_user()), group=group)
    late = make_user()
    with pytest.raises(Conflict):
        services.join_group(actor=actor_for(late), group=group)
    group.refresh_from_db()
    assert group.member_count == 2
    with pytest.raises(Invalid):
        services.update_group(actor=actor_for(owner), group=group, member_cap=1)


def test_joining_twice_is_a_conflict_and_counts_stay_right():
    group = make_interest_group(make_user())
    user = make_user()
    services.join_group(actor=actor_for(user), group=group)
    with pytest.raises(Conflict):
        services.join_group(actor=actor_for(user), group=group)
    services.leave_group(actor=actor_for(user), group=group)
    group.refresh_from_db()
    assert group.member_count == 1
    with pytest.raises(NotFound):
        services.leave_group(actor=actor_for(user), group=group)


def test_owner_must_transfer_before_leaving():
    teacher = make_teacher()
    group = make_class_group(teacher)
    colleague = make_user(school=teacher.school, role=User.Role.TEACHER)
    student = make_user(school=teacher.school)
    services.join_by_code(actor=actor_for(colleague), code=group.join_code)
    services.join_by_code(actor=actor_for(student), code=group.join_code)

    with pytest.raises(Invalid):
        services.leave_group(actor=actor_for(teacher), group=group)
    with pytest.raises(Invalid):  # a class group stays with a teacher
        services.transfer_ownership(actor=actor_for(teacher), group=group,
                                    username=student.username)
    services.transfer_ownership(actor=actor_for(teacher), group=group,
                                username=colleague.username)
    group.refresh_from_db()
    assert group.owner == colleague
    roles = dict(group.memberships.values_list("user__username", "role"))
    assert roles[teacher.username] == Membership.Role.ADMIN
    assert roles[colleague.username] == Membership.Role.OWNER
    services.leave_group(actor=actor_for(teacher), group=group)


def test_admins_cannot_remove_admins_or_the_owner():
    owner = make_user()
    group = make_interest_group(owner)
    admin_a, admin_b, member = make_user(), make_user(), make_user()
    for user in (admin_a, admin_b, member):
        services.join_group(actor=actor_for(user), group=group)
    for user in (admin_a, admin_b):
        services.set_member_role(actor=actor_for(owner), group=group, username=user.username,
                                 role=Membership.Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.remove_member(actor=actor_for(admin_a), group=group, username=admin_b.username)
    with pytest.raises(PermissionDenied):
        services.remove_member(actor=actor_for(admin_a), group=group, username=owner.username)
    with pytest.raises(PermissionDenied):  # only the owner hands out roles
        services.set_member_role(actor=actor_for(admin_a), group=group,
                                 username=member.username, role=Membership.Role.ADMIN)
    services.remove_member(actor=actor_for(admin_a), group=group, username=member.username)
    group.refresh_from_db()
    assert group.member_count == 3


def test_banned_user_cannot_come_back_by_any_door():
    owner = make_user()
    group = make_interest_group(owner)
    troll = make_user()
    services.join_group(actor=actor_for(troll), group=group)
    services.ban_member(actor=actor_for(owner), group=group, username=troll.username,
                        reason="刷屏")
    group.refresh_from_db()
    assert group.member_count == 1
    with pytest.raises(PermissionDenied):
        services.join_group(actor=actor_for(troll), group=group)
    with pytest.raises(Conflict):
        services.invite(actor=actor_for(owner), group=group, username=troll.username)
    services.unban_member(actor=actor_for(owner), group=group, username=troll.username)
    services.join_group(actor=actor_for(troll), group=group)


def test_invitation_lets_a_user_into_a_closed_group():
    owner, friend = make_user(), make_user()
    group = make_interest_group(owner, join_policy=Group.JoinPolicy.CLOSED)
    with pytest.raises(PermissionDenied):
        services.join_group(actor=actor_for(friend), group=group)
    invitation = services.invite(actor=actor_for(owner), group=group, username=friend.username)
    assert list(selectors.my_invitations(actor=actor_for(friend))) == [invitation]
    with pytest.raises(NotFound):  # somebody else's invitation
        services.answer_invitation(actor=actor_for(make_user()), invitation_id=invitation.pk,
                                   accept=True)
    services.answer_invitation(actor=actor_for(friend), invitation_id=invitation.pk, accept=True)
    assert friend.username in member_names(group, friend)


def test_school_group_is_for_verified_members_who_join_on_verification():
    school = make_school()
    staff = make_user(role=User.Role.STAFF, school=school)
    school.administrators.add(staff)
    official = services.create_group(actor=actor_for(staff), name="官方群",
                                     kind=Group.Kind.SCHOOL, school=school)
    with pytest.raises(Conflict):
        services.create_group(actor=actor_for(staff), name="第二个官方群",
                              kind=Group.Kind.SCHOOL, school=school)
    student = make_user(school=school)
    with pytest.raises(PermissionDenied):
        services.join_group(actor=actor_for(student), group=official)
    account_services.verify_member(actor=actor_for(staff), school=school,
                                   username=student.username, member_number="20231234")
    official.refresh_from_db()
    assert official.member_count == 2
    with pytest.raises(PermissionDenied):
        services.create_group(actor=actor_for(student), name="冒充官方", kind=Group.Kind.SCHOOL,
                              school=school)


def test_bad_group_input_names_the_field():
    user = make_user()
    for kwargs, field in [
        ({"name": "", "kind": Group.Kind.INTEREST}, "name"),
        ({"name": "名" * 61, "kind": Group.Kind.INTEREST}, "name"),
        ({"name": "群", "kind": "secret"}, "kind"),
        ({"name": "群", "kind": Group.Kind.INTEREST, "member_cap": 0}, "member_cap"),
        ({"name": "群", "kind": Group.Kind.INTEREST, "join_policy": "code"}, "join_policy"),
    ]:
        with pytest.raises(Invalid) as error:
            services.create_group(actor=actor_for(user), **kwargs)
        assert error.value.field == field
    assert not Group.objects.exists()
