import pytest

from tests.factories import PASSWORD, actor_for, authenticate, make_school, make_user
from yiban_core.accounts import selectors, services
from yiban_core.accounts.models import Follow, User
from yiban_core.actor import ANONYMOUS, Actor
from yiban_core.errors import Conflict, Invalid, NotAuthenticated, NotFound, PermissionDenied
from yiban_core.privacy.consent_selectors import current_versions

pytestmark = pytest.mark.django_db


def test_registered_user_can_log_in_with_a_profile():
    user = services.register_user(username="li_hua", password=PASSWORD, display_name="李华",
                                  agreed_policies=current_versions())
    assert authenticate(username="li_hua", password=PASSWORD) == user
    assert user.profile.bio == ""
    assert user.role == User.Role.STUDENT


def test_duplicate_username_is_refused_whatever_the_case():
    make_user("wang_fang")
    with pytest.raises(Conflict) as error:
        services.register_user(username="Wang_Fang", password=PASSWORD,
                               agreed_policies=current_versions())
    assert error.value.field == "username"
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"username": "ab"}, "username"),
        ({"username": "有中文"}, "username"),
        ({"password": "123"}, "password"),
        ({"role": "admin"}, "role"),
        ({"display_name": "长" * 41}, "display_name"),
    ],
)
def test_bad_registration_names_the_field_and_creates_nobody(fields, field):
    data = {"username": "zhang_wei", "password": PASSWORD, **fields}
    with pytest.raises(Invalid) as error:
        services.register_user(**data)
    assert error.value.field == field
    assert not User.objects.exists()


def test_change_password_needs_the_old_one():
    user = make_user()
    with pytest.raises(Invalid):
        services.change_password(actor=actor_for(user), old_password="wrong",
                                 new_password="Another-pass-2026")
    services.change_password(actor=actor_for(user), old_password=PASSWORD,
                             new_password="Another-pass-2026")
    assert authenticate(username=user.username, password="Another-pass-2026") == user


def test_profile_update_validates_and_keeps_old_values_on_error():
    user = make_user()
    services.update_profile(actor=actor_for(user), display_name="小明", major="软件工程",
                            enrolment_year=2023, bio="热爱编程")
    with pytest.raises(Invalid) as error:
        services.update_profile(actor=actor_for(user), enrolment_year=1800)
    assert error.value.field == "enrolment_year"
    user.refresh_from_db()
    assert (user.display_name, user.profile.major, user.profile.enrolment_year) == (
        "小明", "软件工程", 2023)


def test_avatar_must_be_a_real_image(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = make_user()
    fake = SimpleUploadedFile("me.png", b"MZ\x90\x00 not an image", content_type="image/png")
    with pytest.raises(Invalid) as error:
        services.update_profile(actor=actor_for(user), avatar=fake)
    assert error.value.field == "avatar"
    user.profile.refresh_from_db()
    assert not user.profile.avatar


def test_follow_counts_and_refusals():
    a, b = make_user(), make_user()
    services.follow(actor=actor_for(a), username=b.username)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.following_count, b.follower_count) == (1, 1)
    assert list(selectors.followers(actor=actor_for(a), user=b)) == [a]
    assert list(selectors.following(actor=actor_for(b), user=a)) == [b]

    with pytest.raises(Conflict):
        services.follow(actor=actor_for(a), username=b.username)
    with pytest.raises(Invalid):
        services.follow(actor=actor_for(a), username=a.username)
    with pytest.raises(NotFound):
        services.follow(actor=actor_for(a), username="nobody")
    with pytest.raises(NotAuthenticated):
        services.follow(actor=ANONYMOUS, username=b.username)
    assert Follow.objects.count() == 1

    services.unfollow(actor=actor_for(a), username=b.username)
    b.refresh_from_db()
    assert b.follower_count == 0
    with pytest.raises(NotFound):
        services.unfollow(actor=actor_for(a), username=b.username)


def test_a_token_without_the_scope_cannot_follow():
    a, b = make_user(), make_user()
    token_actor = Actor(user=a, scopes=frozenset({"feed:read"}))
    with pytest.raises(PermissionDenied):
        services.follow(actor=token_actor, username=b.username)
    assert not Follow.objects.exists()


def test_school_admin_verifies_member_numbers_unique_within_the_school():
    school, other = make_school(), make_school()
    admin = make_user(role=User.Role.STAFF, school=school)
    school.administrators.add(admin)
    student, classmate = make_user(school=school), make_user(school=school)

    services.verify_member(actor=actor_for(admin), school=school, username=student.username,
                           member_number="2023010123")
    student.refresh_from_db()
    assert student.is_verified and student.member_number == "2023010123"

    with pytest.raises(Conflict):
        services.verify_member(actor=actor_for(admin), school=school,
                               username=classmate.username, member_number="2023010123")
    classmate.refresh_from_db()
    assert not classmate.is_verified

    # The same number at another school is another person.
    other_admin = make_user(role=User.Role.STAFF, school=other)
    other.administrators.add(other_admin)
    stranger = make_user(school=other)
    services.verify_member(actor=actor_for(other_admin), school=other,
                           username=stranger.username, member_number="2023010123")

    with pytest.raises(PermissionDenied):
        services.verify_member(actor=actor_for(classmate), school=school,
                               username=classmate.username, member_number="2023999999")


def test_member_number_is_seen_by_the_user_and_school_admins_only():
    school = make_school()
    admin = make_user(role=User.Role.STAFF, school=school)
    school.administrators.add(admin)
    student, classmate = make_user(school=school), make_user(school=school)
    assert selectors.can_see_member_number(actor=actor_for(student), user=student)
    assert selectors.can_see_member_number(actor=actor_for(admin), user=student)
    assert not selectors.can_see_member_number(actor=actor_for(classmate), user=student)
    assert not selectors.can_see_member_number(actor=ANONYMOUS, user=student)


def test_verified_user_cannot_move_school_alone():
    school, other = make_school(), make_school()
    admin = make_user(role=User.Role.STAFF, school=school)
    school.administrators.add(admin)
    student = make_user(school=school)
    services.verify_member(actor=actor_for(admin), school=school, username=student.username,
                           member_number="20230001")
    student.refresh_from_db()
    with pytest.raises(Invalid):
        services.update_profile(actor=actor_for(student), school=other)
    student.refresh_from_db()
    assert student.school == school


def test_enrolment_year_can_be_cleared_and_is_kept_when_left_out():
    user = make_user()
    services.update_profile(actor=actor_for(user), enrolment_year=2024)
    services.update_profile(actor=actor_for(user), bio="你好")
    user.profile.refresh_from_db()
    assert user.profile.enrolment_year == 2024
    services.update_profile(actor=actor_for(user), enrolment_year=None)
    user.profile.refresh_from_db()
    assert user.profile.enrolment_year is None
