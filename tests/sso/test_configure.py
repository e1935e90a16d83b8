"""Setting up a school's sign-in: who may, what is accepted, and what the pages show
(the providers themselves are in test_cas.py and test_oidc.py)."""

from __future__ import annotations

import pytest

from tests.factories import actor_for, agree_to_policies, make_school, make_user
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import Invalid, PermissionDenied
from yiban_core.sso.models import SchoolIdentityProvider
from yiban_core.sso.services import configure_sso

CAS = {"kind": "cas", "cas_server_url": "https://cas.north.edu.cn/cas",
       "member_number_attribute": "studentNumber"}
OIDC = {"kind": "oidc", "oidc_discovery_url":
        "https://idp.north.edu.cn/.well-known/openid-configuration",
        "oidc_client_id": "yiban", "oidc_client_secret": "s3cret-value-of-the-school-idp",
        "oidc_scopes": "openid profile", "member_number_attribute": "student_no"}


@pytest.fixture
def school(db):
    return make_school("北方大学")


@pytest.fixture
def school_admin(school):
    admin = make_user("north_admin", school=school, role="staff")
    school.administrators.add(admin)
    return admin


def test_a_school_administrator_sets_the_schools_cas_server(school, school_admin):
    provider = configure_sso(actor=actor_for(school_admin), school=school, **CAS)
    assert provider.cas_server_url == "https://cas.north.edu.cn/cas/"
    assert provider.display_label == "北方大学 统一身份认证登录"
    # Again: the same row, changed.
    configure_sso(actor=actor_for(school_admin), school=school, **CAS, display_name="北大登录")
    assert SchoolIdentityProvider.objects.get().display_label == "北大登录"


def test_nobody_else_sets_it(school, school_admin):
    other_school = make_school("南方大学")
    other_admin = make_user("south_admin", school=other_school, role="staff")
    other_school.administrators.add(other_admin)
    for actor in (actor_for(make_user("student", school=school)), actor_for(other_admin),
                  Actor(user=school_admin, scopes=frozenset({"profile"}), app_id=1)):
        with pytest.raises(PermissionDenied):
            configure_sso(actor=actor, school=school, **CAS)
    assert not SchoolIdentityProvider.objects.exists()


@pytest.mark.parametrize("changes, field", [
    ({"cas_server_url": "http://cas.north.edu.cn/cas/"}, "cas_server_url"),
    ({"cas_server_url": "ftp://cas.north.edu.cn/"}, "cas_server_url"),
    ({"cas_server_url": "https://user:pw@cas.north.edu.cn/"}, "cas_server_url"),
    ({"cas_server_url": ""}, "cas_server_url"),
    ({"cas_version": "1"}, "cas_version"),
    ({"member_number_attribute": "学号 字段"}, "member_number_attribute"),
    ({"kind": "saml"}, "kind"),
])
def test_a_bad_cas_setting_is_refused_and_changes_nothing(school, school_admin, changes, field):
    with pytest.raises(Invalid) as refused:
        configure_sso(actor=actor_for(school_admin), school=school, **{**CAS, **changes})
    assert refused.value.field == field
    assert not SchoolIdentityProvider.objects.exists()


@pytest.mark.parametrize("changes, field", [
    ({"oidc_discovery_url": "http://idp.north.edu.cn/.well-known/openid-configuration"},
     "oidc_discovery_url"),
    ({"oidc_client_id": ""}, "oidc_client_id"),
    ({"oidc_client_secret": ""}, "oidc_client_secret"),
    ({"oidc_scopes": "profile email"}, "oidc_scopes"),
])
def test_a_bad_oidc_setting_is_refused(school, school_admin, changes, field):
    with pytest.raises(Invalid) as refused:
        configure_sso(actor=actor_for(school_admin), school=school, **{**OIDC, **changes})
    assert refused.value.field == field


def test_plain_http_only_for_loopback_in_tests_or_anywhere_while_debugging(
        school, school_admin, settings):
    settings.SSO_ALLOW_LOOPBACK_HTTP = True
    configure_sso(actor=actor_for(school_admin), school=school,
                  **{**CAS, "cas_server_url": "http://127.0.0.1:8443/cas/"})
    settings.SSO_ALLOW_LOOPBACK_HTTP = False
    with pytest.raises(Invalid):
        configure_sso(actor=actor_for(school_admin), school=school,
                      **{**CAS, "cas_server_url": "http://127.0.0.1:8443/cas/"})
    settings.DEBUG = True
    configure_sso(actor=actor_for(school_admin), school=school,
                  **{**CAS, "cas_server_url": "http://cas.intranet/cas/"})


def test_the_schools_page_keeps_the_secret_and_never_shows_it_back(client, school,
                                                                   school_admin):
    client.force_login(school_admin)
    page = client.get(f"/schools/{school.pk}/sso/")
    assert page.status_code == 200
    assert f"/sso/{school.pk}/callback/" in page.content.decode()  # to register at the provider
    form = {**OIDC, "enabled": "on", "display_name": "", "cas_version": "3"}
    assert client.post(f"/schools/{school.pk}/sso/", form).status_code == 200
    page = client.get(f"/schools/{school.pk}/sso/").content.decode()
    assert OIDC["oidc_client_secret"] not in page and "••••idp" not in page
    assert "••••" + OIDC["oidc_client_secret"][-4:] in page

    # Saved again without a secret: the stored one stays.
    assert client.post(f"/schools/{school.pk}/sso/",
                       {**form, "oidc_client_secret": "", "oidc_scopes": "openid"}
                       ).status_code == 200
    provider = SchoolIdentityProvider.objects.get()
    assert provider.oidc_client_secret == OIDC["oidc_client_secret"]
    assert provider.oidc_scopes == "openid"

    refused = client.post(f"/schools/{school.pk}/sso/",
                          {**form, "oidc_discovery_url": "http://idp.north.edu.cn/x"})
    assert refused.status_code == 400 and "https://" in refused.content.decode()


def test_the_page_is_not_there_for_others(client, school):
    assert client.get(f"/schools/{school.pk}/sso/").status_code == 302  # to log in
    client.force_login(make_user("student", school=school))
    assert client.get(f"/schools/{school.pk}/sso/").status_code == 404


def test_the_login_page_shows_enabled_providers_only(client, school, school_admin):
    configure_sso(actor=actor_for(school_admin), school=school, **CAS)
    other = make_school("南方大学")
    configure_sso(actor=actor_for(make_user("boss", role="admin")), school=other, **CAS,
                  enabled=False)
    page = client.get("/login/?next=/groups/").content.decode()
    assert "北方大学 统一身份认证登录" in page
    assert f'href="/sso/{school.pk}/login/?next=/groups/"' in page
    assert "南方大学 统一身份认证登录" not in page
    assert client.get(f"/sso/{other.pk}/login/").status_code == 404


def test_site_admins_set_it_in_the_admin_site_with_the_same_checks(client, school):
    client.force_login(agree_to_policies(
        User.objects.create_superuser("root", password="Xuexi-2026-ok")))
    url = "/admin/sso/schoolidentityprovider/add/"
    form = {"school": school.pk, "kind": "cas", "enabled": "on", "cas_version": "3",
            "cas_server_url": "http://cas.north.edu.cn/", "oidc_scopes": "openid"}
    assert client.post(url, form).status_code == 200  # the form again, with the error
    assert not SchoolIdentityProvider.objects.exists()
    assert client.post(url, {**form, "cas_server_url": "https://cas.north.edu.cn"}
                       ).status_code == 302
    assert SchoolIdentityProvider.objects.get().cas_server_url == "https://cas.north.edu.cn/"


def test_bad_requests_at_the_sign_in_doors_get_a_page_not_a_500(client, school, school_admin):
    assert client.get(f"/sso/{school.pk}/login/").status_code == 404  # nothing set up
    assert client.get("/sso/99999/callback/?ticket=ST-1").status_code == 404
    configure_sso(actor=actor_for(school_admin), school=school, **CAS)
    reply = client.get(f"/sso/{school.pk}/callback/?ticket=ST-1")  # no sign-in started
    assert reply.status_code == 403 and "重新登录" in reply.content.decode()
    for body in ("", "<not xml", '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'):
        assert client.post(f"/sso/{school.pk}/callback/",
                           {"logoutRequest": body}).content == b"ok"
