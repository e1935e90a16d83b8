"""Two-factor for site admins and school administrators (ADMIN_REQUIRE_2FA): without a
code from their authenticator this session, the admin site and a school's pages send
them to enrol or to enter one; wrong codes are refused and throttled."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from openapi_plugins.models import SchoolInstall
from tests.factories import make_school, make_user
from tests.openapi.helpers import make_school_app
from yiban_core.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.ADMIN_REQUIRE_2FA = True


@pytest.fixture
def site_admin():
    admin = make_user("zhan_zhang", role=User.Role.ADMIN)
    admin.save()  # a site admin is a superuser (User.save)
    return admin


@pytest.fixture
def school():
    return make_school("华东师范大学")


@pytest.fixture
def school_admin(school):
    admin = make_user("jiaowu_li", school=school, role=User.Role.STAFF)
    school.administrators.add(admin)
    return admin


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the authenticator app shows now (or that many 30 s steps later)."""
    return f"{totp(device.bin_key, step=device.step, drift=steps_ahead):06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def wait_out_the_throttle(device: TOTPDevice) -> None:
    """As if the wait after the last wrong code had passed."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1))


# ---- a password session alone is not enough ---------------------------------------------


def test_an_admin_without_a_device_is_sent_from_the_admin_site_to_enrol(
        client, required, site_admin):
    client.force_login(site_admin)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor") + "?next=%2Fadmin%2F"
    assert client.get("/admin/accounts/user/").status_code == 302


def test_a_school_admin_without_a_code_cannot_reach_or_use_the_school_pages(
        client, required, school, school_admin):
    app, _ = make_school_app(school, installed=False)
    client.force_login(school_admin)
    for url in (reverse("school_apps", args=[school.pk]),
                reverse("roster_import", args=[school.pk])):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("two_factor") + "?next=")
    response = client.post(reverse("school_app_install", args=[school.pk, app.pk]),
                           {"scopes": ["school:roster"]})
    assert response.status_code == 302
    assert not SchoolInstall.objects.exists()


def test_enrolled_but_not_verified_this_session_is_asked_for_the_code(
        client, required, site_admin):
    enrolled(site_admin)
    client.force_login(site_admin)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_verify") + "?next=%2Fadmin%2F"


# ---- enrolling ------------------------------------------------------------------------------


def test_enrolling_with_the_code_from_the_qr_codes_key_opens_the_admin_site(
        client, required, site_admin):
    client.force_login(site_admin)
    page = client.get(reverse("two_factor") + "?next=/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'data-testid="totp-qr"' in html
    pending = TOTPDevice.objects.get(user=site_admin, confirmed=False)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert secret.replace(" ", "") in pending.config_url

    wrong = client.post(reverse("two_factor"), {"token": "000000", "next": "/admin/"})
    assert wrong.status_code == 400
    assert "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=site_admin, confirmed=True).exists()
    assert client.get("/admin/").status_code == 302

    wait_out_the_throttle(pending)
    done = client.post(reverse("two_factor"), {"token": code(pending), "next": "/admin/"})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", done.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=site_admin).confirmed
    assert sorted(StaticToken.objects.filter(device__user=site_admin)
                  .values_list("token", flat=True)) == sorted(codes)
    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert "站点管理" in admin.content.decode() or "Django" in admin.content.decode()


def test_a_student_has_no_two_factor_page_and_the_school_pages_stay_not_found(
        client, required, school):
    student = make_user("li_hua", school=school)
    client.force_login(student)
    assert client.get(reverse("two_factor")).status_code == 404
    assert not TOTPDevice.objects.exists()
    assert client.get(reverse("school_apps", args=[school.pk])).status_code == 404


# ---- verifying ------------------------------------------------------------------------------


def test_the_right_code_lets_the_school_admin_in_and_back_to_where_they_were_going(
        client, required, school, school_admin):
    device = enrolled(school_admin)
    client.force_login(school_admin)
    target = reverse("school_apps", args=[school.pk])
    response = client.post(reverse("two_factor_verify"), {"token": code(device),
                                                          "next": target})
    assert response.status_code == 302
    assert response["Location"] == target
    assert client.get(target).status_code == 200
    assert client.get(reverse("roster_import", args=[school.pk])).status_code == 200


def test_a_wrong_code_is_refused_and_the_next_try_must_wait(client, required, site_admin):
    device = enrolled(site_admin)
    client.force_login(site_admin)
    wrong = client.post(reverse("two_factor_verify"), {"token": "123456", "next": "/admin/"})
    assert wrong.status_code == 400
    assert "验证码不正确" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302

    # Throttled: even the right code is refused until the wait is over.
    right = client.post(reverse("two_factor_verify"), {"token": code(device), "next": "/admin/"})
    assert right.status_code == 400
    assert "错误次数过多" in right.content.decode()
    assert client.get("/admin/").status_code == 302

    wait_out_the_throttle(device)
    right = client.post(reverse("two_factor_verify"), {"token": code(device), "next": "/admin/"})
    assert right.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_garbage_and_an_empty_code_are_form_errors_not_500s(client, required, site_admin):
    enrolled(site_admin)
    client.force_login(site_admin)
    for token in ("", "   ", "x" * 200, "12ab34", "<script>"):
        response = client.post(reverse("two_factor_verify"), {"token": token})
        assert response.status_code == 400, token
    assert client.get("/admin/").status_code == 302


def test_a_backup_code_works_once(client, required, site_admin):
    enrolled(site_admin)
    backup = StaticDevice.objects.create(user=site_admin, name="backup codes")
    backup.token_set.create(token="abcd2345")
    client.force_login(site_admin)
    assert client.post(reverse("two_factor_verify"), {"token": "ABCD 2345"}).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert not StaticToken.objects.exists()

    client.logout()
    client.force_login(site_admin)
    assert client.post(reverse("two_factor_verify"), {"token": "abcd2345"}).status_code == 400
    assert client.get("/admin/").status_code == 302


def test_a_new_login_has_to_verify_again(client, required, site_admin):
    device = enrolled(site_admin)
    client.force_login(site_admin)
    client.post(reverse("two_factor_verify"), {"token": code(device)})
    assert client.get("/admin/").status_code == 200
    client.logout()
    client.force_login(site_admin)
    assert client.get("/admin/").status_code == 302


def test_next_never_leads_off_the_site(client, required, site_admin):
    device = enrolled(site_admin)
    client.force_login(site_admin)
    response = client.post(reverse("two_factor_verify"),
                           {"token": code(device), "next": "https://evil.example.net/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# ---- turning it off -----------------------------------------------------------------------------


def test_removing_the_device_needs_a_valid_code(client, required, site_admin):
    device = enrolled(site_admin)
    StaticDevice.objects.create(user=site_admin, name="backup codes").token_set.create(
        token="abcd2345")
    client.force_login(site_admin)
    client.post(reverse("two_factor_remove"), {"token": "654321"})
    assert TOTPDevice.objects.filter(user=site_admin).exists()

    wait_out_the_throttle(device)
    response = client.post(reverse("two_factor_remove"), {"token": code(device)}, follow=True)
    assert "两步验证已关闭" in response.content.decode()
    assert TOTPDevice.objects.get(user=site_admin).pk != device.pk  # a new key, to enrol anew
    assert not TOTPDevice.objects.filter(user=site_admin, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=site_admin).exists()
    # And the admin site asks to enrol again.
    assert client.get("/admin/")["Location"].startswith(reverse("two_factor"))


# ---- with the setting off (the default while DEBUG is on) -------------------------------------


def test_with_the_setting_off_an_admin_reaches_everything_with_the_password(
        client, settings, school, site_admin, school_admin):
    settings.ADMIN_REQUIRE_2FA = False
    client.force_login(site_admin)
    assert client.get("/admin/").status_code == 200
    client.force_login(school_admin)
    assert client.get(reverse("school_apps", args=[school.pk])).status_code == 200
    assert client.get(reverse("roster_import", args=[school.pk])).status_code == 200


def test_graphql_asks_an_unverified_admin_session_for_the_code_as_the_pages_do(
        client, required, school_admin):
    """/graphql with the session cookie (the explorer) holds the same powers as the school
    pages, so it wants the same second factor; a student's session is not asked."""
    device = enrolled(school_admin)
    client.force_login(school_admin)
    query = {"query": "{ viewer { username } }"}
    refused = client.post("/graphql", query, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert reverse("two_factor_verify") in refused.json()["errors"][0]["message"]

    client.post(reverse("two_factor_verify"), {"token": code(device), "next": "/"})
    answered = client.post("/graphql", query, content_type="application/json")
    assert answered.status_code == 200
    assert answered.json()["data"]["viewer"]["username"] == "jiaowu_li"

    client.logout()
    client.force_login(make_user("li_hua", school=school_admin.school))
    student = client.post("/graphql", query, content_type="application/json")
    assert student.json()["data"]["viewer"]["username"] == "li_hua"
