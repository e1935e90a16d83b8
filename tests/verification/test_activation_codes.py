"""Activation codes: a school administrator issues them for the accounts its roster made and
nobody ever signed in to; a student claims theirs with school, 学号 and code, picks a
username and password and is verified. Every refusal changes nothing and is logged."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from openapi_plugins.academic_affairs import services as roster_services
from tests.factories import PASSWORD, actor_for, authenticate, make_school, make_user, verify
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import Conflict, Invalid, PermissionDenied, RateLimited
from yiban_core.verification import selectors, services
from yiban_core.verification.models import ActivationCode

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Zhangwei-2026-ok"


def import_students(school, rows):
    actor = Actor(school=school, scopes=frozenset({"school:roster"}))
    roster_services.upsert_users(actor=actor, rows=[
        {"sourced_id": f"s-{number}", "role": "student", "given_name": given,
         "family_name": family, "identifier": number} for number, family, given in rows])


@pytest.fixture
def school():
    """同济大学, its administrator, three students its roster imported (never signed in)
    and 赵敏, who registered by hand and was verified."""
    school = make_school("同济大学")
    admin = make_user("tongji_admin", school=school)
    school.administrators.add(admin)
    import_students(school, [("2023010101", "张", "伟"), ("2023010102", "王", "娜"),
                             ("2023010103", "李", "雷")])
    verify(make_user("zhao_min", school=school, display_name="赵敏"), "2023010104")
    school.admin = admin
    return school


def issue(school, **kwargs) -> dict[str, str]:
    issued = services.issue_activation_codes(actor=actor_for(school.admin), school=school,
                                             **kwargs)
    return {code.member_number: code.code for code in issued}


def claim(school, number, code, username="zhangwei", password=NEW_PASSWORD, ip="10.0.0.1"):
    return services.claim_account(school=school, member_number=number, code=code,
                                  username=username, password=password, client_ip=ip)


def member(school, number) -> User:
    return User.objects.get(school=school, member_number=number)


def test_codes_go_to_members_nobody_signed_in_as_and_only_their_hash_is_kept(school):
    codes = issue(school)
    assert sorted(codes) == ["2023010101", "2023010102", "2023010103"]  # not 赵敏
    stored = set(ActivationCode.objects.values_list("code_hash", flat=True))
    assert not stored & set(codes.values())
    normalised = {code.replace("-", "") for code in codes.values()}
    assert stored == {hashlib.sha256(code.encode()).hexdigest() for code in normalised}
    row = ActivationCode.objects.get(user=member(school, "2023010101"))
    assert row.school == school
    assert timedelta(days=29) < row.expires_at - timezone.now() <= timedelta(days=30)


def test_only_unclaimed_skips_members_holding_a_working_code_and_reissuing_replaces(school):
    first = issue(school, member_numbers=["2023010101"])
    assert sorted(issue(school, only_unclaimed=True)) == ["2023010102", "2023010103"]
    assert issue(school, only_unclaimed=True) == {}
    again = issue(school, only_unclaimed=False)
    assert sorted(again) == ["2023010101", "2023010102", "2023010103"]
    with pytest.raises(Invalid, match="作废"):
        claim(school, "2023010101", first["2023010101"])
    assert claim(school, "2023010101", again["2023010101"]).username == "zhangwei"


def test_named_members_must_be_unclaimed_members_of_the_school_or_nothing_is_issued(school):
    with pytest.raises(Invalid, match="2023010104") as refused:  # 赵敏 signs in herself
        issue(school, member_numbers=["2023010101", "2023010104", "9999"])
    assert refused.value.field == "member_numbers"
    assert "9999" in refused.value.message
    assert not ActivationCode.objects.exists()


def test_only_the_schools_administrators_issue_codes_and_only_in_a_web_session(school):
    other_school = make_school()
    stranger = make_user(school=school)
    other_admin = make_user(school=other_school)
    other_school.administrators.add(other_admin)
    for actor in (actor_for(stranger), actor_for(other_admin),
                  Actor(school=school, scopes=frozenset({"school:roster"})),
                  Actor(user=school.admin, scopes=frozenset({"school:roster"}))):
        with pytest.raises(PermissionDenied):
            services.issue_activation_codes(actor=actor, school=school)
    assert not ActivationCode.objects.exists()


def test_a_student_claims_the_account_and_is_verified_with_a_password_of_their_own(school):
    code = issue(school)["2023010101"]
    user = claim(school, "2023010101", code.lower().replace("-", " "))  # as typed
    user.refresh_from_db()
    assert (user.username, user.display_name, user.is_verified) == ("zhangwei", "张伟", True)
    assert user.member_number == "2023010101"
    assert authenticate(username="zhangwei", password=NEW_PASSWORD) == user
    assert ActivationCode.objects.get(user=user).used_at is not None
    assert not selectors.unclaimed_members(school=school).filter(pk=user.pk).exists()


def test_a_used_code_says_so_and_a_second_claim_changes_nothing(school):
    code = issue(school)["2023010101"]
    claim(school, "2023010101", code)
    with pytest.raises(Conflict, match="已经使用过"):
        claim(school, "2023010101", code, username="someone_else", password="Another-2026-ok")
    user = member(school, "2023010101")
    assert user.username == "zhangwei"
    assert authenticate(username="zhangwei", password=NEW_PASSWORD) == user
    assert not User.objects.filter(username="someone_else").exists()


def test_an_expired_code_says_so(school):
    code = issue(school)["2023010101"]
    ActivationCode.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Invalid, match="已过期"):
        claim(school, "2023010101", code)
    assert not member(school, "2023010101").has_usable_password()


def test_a_code_of_another_school_is_refused(school):
    other = make_school("复旦大学")
    other_admin = make_user(school=other)
    other.administrators.add(other_admin)
    import_students(other, [("2023010101", "陈", "晨")])  # the same 学号 at another school
    code = services.issue_activation_codes(actor=actor_for(other_admin), school=other)[0].code
    with pytest.raises(Invalid, match="不是同济大学发放的") as refused:
        claim(school, "2023010101", code)
    assert refused.value.field == "school"
    for user in User.objects.filter(member_number="2023010101"):
        assert not user.has_usable_password() and user.username != "zhangwei"


def test_a_wrong_code_or_another_students_code_is_refused_alike(school):
    codes = issue(school)
    for number, code in (("2023010101", "AAAA-BBBB-CCCC"), ("2023010101", codes["2023010102"]),
                         ("2023010104", codes["2023010101"])):
        with pytest.raises(Invalid, match="学号或激活码不正确"):
            claim(school, number, code)
    assert ActivationCode.objects.filter(used_at__isnull=False).count() == 0


def test_an_account_someone_already_signed_in_to_cannot_be_claimed(school):
    code = issue(school)["2023010101"]
    user = member(school, "2023010101")  # signs in another way (a reset, the school's SSO)
    user.set_password(PASSWORD)
    user.last_login = timezone.now()
    user.save()
    with pytest.raises(Conflict, match="已被认领"):
        claim(school, "2023010101", code)
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and user.username != "zhangwei"


def test_a_taken_username_or_a_weak_password_leaves_the_code_usable(school):
    code = issue(school)["2023010101"]
    with pytest.raises(Conflict) as taken:
        claim(school, "2023010101", code, username="ZHAO_MIN")
    assert taken.value.field == "username"
    with pytest.raises(Invalid) as bad_name:
        claim(school, "2023010101", code, username="张伟")
    assert bad_name.value.field == "username"
    with pytest.raises(Invalid) as weak:
        claim(school, "2023010101", code, password="12345678")
    assert weak.value.field == "password"
    assert not member(school, "2023010101").has_usable_password()
    assert claim(school, "2023010101", code).username == "zhangwei"


def test_claims_are_throttled_per_student_and_per_address(school):
    codes = issue(school)
    for n in range(services.CLAIM_FAILURES_PER_MEMBER_PER_15_MIN):
        with pytest.raises(Invalid):
            claim(school, "2023010101", f"WRONG-CODE-{n:04d}", ip=f"10.0.1.{n}")
    with pytest.raises(RateLimited):  # even the right code, from anywhere, for a while
        claim(school, "2023010101", codes["2023010101"], ip="10.0.2.1")
    for n in range(services.CLAIM_FAILURES_PER_IP_PER_HOUR):
        with pytest.raises((Invalid, RateLimited)):
            claim(school, f"9{n:07d}", "WRONG-CODE-0000", ip="10.0.3.1")
    with pytest.raises(RateLimited):
        claim(school, "2023010102", codes["2023010102"], ip="10.0.3.1")
    # Another student at another address is not slowed down.
    assert claim(school, "2023010103", codes["2023010103"], username="lilei", ip="10.0.4.1")


def test_attempts_land_in_the_security_log(school, caplog):
    caplog.set_level(logging.INFO, logger="yiban.security")
    codes = issue(school)
    with pytest.raises(Invalid):
        claim(school, "2023010101", "WRONG-CODE-0000")
    claim(school, "2023010101", codes["2023010101"])
    with pytest.raises(Conflict):
        claim(school, "2023010101", codes["2023010101"], username="again")
    entries = [(r.security["action"], r.security["outcome"], r.security["detail"].get("reason"))
               for r in caplog.records if hasattr(r, "security")]
    assert entries == [("activation_codes.issued", "success", None),
                       ("account.claim_failed", "failure", "unknown code"),
                       ("account.claimed", "success", None),
                       ("account.claim_failed", "failure", "used")]


def test_the_command_writes_the_csv_with_a_bom_and_working_codes(school, tmp_path):
    out = tmp_path / "codes.csv"
    issue(school, member_numbers=["2023010101"])
    call_command("issue_activation_codes", "--school", str(school.pk), "--only-unclaimed",
                 "--out", str(out), stdout=open(tmp_path / "log", "w"))
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff学号,姓名,激活码\r\n")
    rows = [line.split(",") for line in text[1:].splitlines()[1:]]
    assert [(number, name) for number, name, _code in rows] == [
        ("2023010102", "王娜"), ("2023010103", "李雷")]
    assert claim(school, "2023010102", rows[0][2], username="wangna").display_name == "王娜"
    with pytest.raises(CommandError, match="no school"):
        call_command("issue_activation_codes", "--school", "no such", "--out", str(out))
