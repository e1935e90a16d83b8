"""The open platform's pages, as developers, users and school administrators use them:
the developer console, the consent page, a person's authorized apps, a school's apps."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse
from django.utils import translation
from oauth2_provider.models import AccessToken, Application, RefreshToken

from openapi_plugins.models import AppProfile, SchoolInstall
from tests.factories import make_school, make_user
from tests.openapi.helpers import make_school_app, make_user_app, mint_token

pytestmark = pytest.mark.django_db

REDIRECT = "https://app.example.com/callback"


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request leaves its language active in the thread; later tests expect Chinese."""
    yield
    translation.deactivate()


def text(response) -> str:
    return response.content.decode()


def register(client, **fields):
    data = {"name": "课表助手", "description": "把课表同步到手机日历", "kind": "user",
            "redirect_uris": REDIRECT, "client_type": "confidential",
            "user_scopes": ["profile", "feed:read"], **fields}
    return client.post(reverse("developer_app_new"), data)


# ---- the developer console --------------------------------------------------------------


def test_console_needs_a_login(client):
    response = client.get(reverse("developer_apps"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_registering_a_user_app_shows_the_secret_once_and_stores_only_its_hash(client):
    developer = make_user("kaifa")
    client.force_login(developer)
    response = register(client)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    page = text(response)
    assert secret in page and "密钥只显示这一次" in page
    app = AppProfile.objects.get()
    application = app.application
    assert application.client_id in page
    assert (application.user, application.client_type, application.redirect_uris) == (
        developer, Application.CLIENT_CONFIDENTIAL, REDIRECT)
    assert app.scopes == ["profile", "feed:read"]
    # Hashed at rest: the plaintext is nowhere in the row, and the hash matches it.
    assert application.client_secret != secret
    assert check_password(secret, application.client_secret)
    assert secret not in client.session.values()

    detail = client.get(reverse("developer_app", args=[app.pk]))
    assert detail.status_code == 200
    assert application.client_id in text(detail)
    assert secret not in text(detail)
    assert "读取你能看到的动态和你的首页时间线" in text(detail)
    listing = client.get(reverse("developer_apps"))
    assert "课表助手" in text(listing) and secret not in text(listing)


def test_a_public_native_app_gets_no_secret_on_the_page(client):
    client.force_login(make_user())
    response = register(client, client_type="public", redirect_uris="http://127.0.0.1:8765/cb")
    application = Application.objects.get()
    assert application.client_type == Application.CLIENT_PUBLIC
    assert response.context["secret"] not in text(response)
    assert "不使用密钥" in text(response)


@pytest.mark.parametrize("uri", [
    "http://app.example.com/callback",  # http to a host that is not loopback
    "https://*.example.com/callback",  # a wildcard
    "https://app.example.com/callback#done",  # a fragment
])
def test_a_bad_redirect_uri_is_a_form_error_and_saves_nothing(client, uri):
    client.force_login(make_user())
    response = register(client, redirect_uris=f"{REDIRECT}\n{uri}")
    assert response.status_code == 200
    assert response.context["form"].errors["redirect_uris"]
    assert "回调地址不可用" in text(response)
    assert "secret" not in response.context
    assert not Application.objects.exists() and not AppProfile.objects.exists()


def test_a_school_app_without_a_school_is_a_form_error(client):
    client.force_login(make_user())  # no school of their own, so nothing preselected
    response = register(client, kind="school", school_scopes=["school:roster"])
    assert response.context["form"].errors["school"] == ["学校应用须选择它服务的学校"]
    assert not Application.objects.exists()


def test_scopes_of_the_other_kind_are_refused_on_the_scopes_field(client):
    school = make_school()
    client.force_login(make_user(school=school))
    response = register(client, kind="school", school=school.pk, school_scopes=["feed:write"])
    assert response.context["form"].errors["school_scopes"]
    response = register(client, user_scopes=[])
    assert response.context["form"].errors["user_scopes"] == ["至少选择一个权限范围"]
    assert not Application.objects.exists()


def test_a_school_app_defaults_to_the_developers_school_and_waits_for_its_install(client):
    school = make_school("深圳职业技术大学")
    developer = make_user(school=school, role="teacher")
    client.force_login(developer)
    form_page = client.get(reverse("developer_app_new"))
    assert form_page.context["form"]["school"].value() == school.pk
    response = register(client, kind="school", school=school.pk,
                        school_scopes=["school:roster", "groups:read"])
    app = AppProfile.objects.get()
    assert (app.kind, app.school, app.application.authorization_grant_type) == (
        "school", school, Application.GRANT_CLIENT_CREDENTIALS)
    assert "管理员安装" in text(response)
    detail = client.get(reverse("developer_app", args=[app.pk]))
    assert "待学校安装" in text(detail)


def test_rotating_the_secret_shows_a_new_one_and_the_old_one_stops(client):
    developer = make_user()
    app, old = make_user_app(developer)
    client.force_login(developer)
    response = client.post(reverse("developer_app_rotate_secret", args=[app.pk]))
    assert response.status_code == 200
    new = response.context["secret"]
    assert new != old and new in text(response)
    assert "旧密钥已立即失效" in text(response)
    app.application.refresh_from_db()
    assert check_password(new, app.application.client_secret)
    assert not check_password(old, app.application.client_secret)
    # GET does nothing.
    assert client.get(reverse("developer_app_rotate_secret", args=[app.pk])).status_code == 405


def test_deleting_needs_the_confirmation_then_removes_the_app_and_its_tokens(client):
    developer = make_user()
    app, _secret = make_user_app(developer)
    mint_token(app, user=make_user())
    client.force_login(developer)
    response = client.post(reverse("developer_app_delete", args=[app.pk]), follow=True)
    assert "请先勾选确认" in text(response)
    assert AppProfile.objects.filter(pk=app.pk).exists()
    response = client.post(reverse("developer_app_delete", args=[app.pk]), {"confirm": "yes"},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("developer_apps")
    assert not Application.objects.exists() and not AccessToken.objects.exists()


def test_another_users_app_is_not_found(client):
    app, old = make_user_app(make_user("owner"))
    client.force_login(make_user("stranger"))
    assert client.get(reverse("developer_app", args=[app.pk])).status_code == 404
    assert client.post(reverse("developer_app_rotate_secret", args=[app.pk])).status_code == 404
    assert client.post(reverse("developer_app_delete", args=[app.pk]),
                       {"confirm": "yes"}).status_code == 404
    app.application.refresh_from_db()
    assert check_password(old, app.application.client_secret)
    assert AppProfile.objects.filter(pk=app.pk).exists()


def test_the_detail_page_links_webhooks_docs_and_explorer(client):
    developer = make_user()
    app, _secret = make_user_app(developer)
    client.force_login(developer)
    page = text(client.get(reverse("developer_app", args=[app.pk])))
    for path in (f"/developers/apps/{app.pk}/webhooks/", "/developers/docs",
                 "/developers/explorer"):
        assert f'href="{path}"' in page
    assert 'href="/developers/apps/"' in text(client.get(reverse("home")))  # footer


# ---- the consent page -------------------------------------------------------------------


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(app, challenge, *, redirect_uri=REDIRECT, scope="profile feed:read") -> str:
    from urllib.parse import urlencode

    return "/o/authorize/?" + urlencode({
        "response_type": "code", "client_id": app.application.client_id,
        "redirect_uri": redirect_uri, "scope": scope, "code_challenge": challenge,
        "code_challenge_method": "S256", "state": "x",
    })


def consent_fields(response) -> dict:
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields if name != "allow"}


def test_the_consent_page_names_the_app_and_every_scope_in_plain_words(client):
    developer = make_user("kaifa", display_name="开发者小王")
    app, _secret = make_user_app(developer, description="把课表同步到手机日历",
                                 homepage="https://app.example.com")
    student = make_user("li_hua", display_name="李华")
    client.force_login(student)
    _verifier, challenge = pkce()
    response = client.get(authorize_url(app, challenge))
    assert response.status_code == 200
    page = text(response)
    assert "「学习助手」请求访问你的易班账号" in page
    assert "把课表同步到手机日历" in page and "https://app.example.com" in page
    assert "开发者小王" in page and "未认证" in page
    assert "读取你的公开资料：用户名、昵称、头像、学校" in page
    assert "读取你能看到的动态和你的首页时间线" in page
    assert "李华" in page and "@li_hua" in page
    assert 'name="allow"' in page and "同意授权" in page and "拒绝" in page

    client.cookies["django_language"] = "en"
    english = client.get(authorize_url(app, challenge))
    assert english.status_code == 200
    assert '<html lang="en">' in text(english)


def test_the_consent_page_needs_a_login(client):
    app, _secret = make_user_app()
    _verifier, challenge = pkce()
    response = client.get(authorize_url(app, challenge))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_wrong_redirect_uri_or_client_is_an_error_page_not_a_redirect(client):
    app, _secret = make_user_app()
    client.force_login(make_user())
    _verifier, challenge = pkce()
    response = client.get(authorize_url(app, challenge, redirect_uri="https://evil.example/cb"))
    assert response.status_code == 400
    assert "回调地址与它登记的不一致" in text(response)
    app.application.client_id = "nope"
    response = client.get(authorize_url(app, challenge))
    assert response.status_code in (400, 401)
    assert "找不到这个应用" in text(response)


def test_allowing_redirects_with_code_state_and_iss_and_lists_the_app(client):
    app, secret = make_user_app()
    student = make_user("li_hua")
    client.force_login(student)
    verifier, challenge = pkce()
    page = client.get(authorize_url(app, challenge))
    response = client.post("/o/authorize/", {**consent_fields(page), "allow": "1"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["x"] and query["code"] and query["iss"]

    token = client.post("/o/token/", {
        "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT,
        "client_id": app.application.client_id, "client_secret": secret,
        "code_verifier": verifier,
    })
    assert token.status_code == 200, token.content
    assert AccessToken.objects.filter(user=student, application=app.application).exists()

    listing = client.get(reverse("authorized_apps"))
    page = text(listing)
    assert "学习助手" in page
    assert "读取你的公开资料：用户名、昵称、头像、学校" in page
    assert "读取你能看到的动态和你的首页时间线" in page

    response = client.post(reverse("authorized_app_revoke", args=[app.application.pk]),
                           follow=True)
    assert "已撤销授权" in text(response)
    assert not AccessToken.objects.filter(user=student).exists()
    assert not RefreshToken.objects.filter(user=student, revoked__isnull=True).exists()
    assert "学习助手" not in text(client.get(reverse("authorized_apps")))


def test_denying_redirects_with_access_denied(client):
    app, _secret = make_user_app()
    client.force_login(make_user())
    _verifier, challenge = pkce()
    page = client.get(authorize_url(app, challenge))
    response = client.post("/o/authorize/", consent_fields(page))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["x"]
    assert not AccessToken.objects.exists()


def test_revoking_touches_only_my_tokens(client):
    app, _secret = make_user_app()
    me, other = make_user(), make_user()
    mint_token(app, user=me)
    mint_token(app, user=other)
    client.force_login(me)
    assert "学习助手" in text(client.get(reverse("authorized_apps")))
    client.post(reverse("authorized_app_revoke", args=[app.application.pk]))
    assert not AccessToken.objects.filter(user=me).exists()
    assert AccessToken.objects.filter(user=other).exists()


# ---- a school's apps --------------------------------------------------------------------


@pytest.fixture
def school_setup():
    school = make_school("华东师范大学")
    admin = make_user("xiao_admin", school=school, role="staff")
    school.administrators.add(admin)
    app, _secret = make_school_app(school, scopes=("school:roster", "groups:read"),
                                   installed=False, name="教务系统")
    return school, admin, app


def test_a_school_admin_installs_changes_and_uninstalls_an_app(client, school_setup):
    school, admin, app = school_setup
    client.force_login(admin)
    page = client.get(reverse("school_apps", args=[school.pk]))
    assert page.status_code == 200
    assert "教务系统" in text(page) and "同步本校的学期、课程、教学班和名单" in text(page)
    assert "未安装" in text(page)

    url = reverse("school_app_install", args=[school.pk, app.pk])
    response = client.post(url, {"scopes": []}, follow=True)
    assert "至少批准一个权限范围" in text(response)
    assert not SchoolInstall.objects.exists()

    response = client.post(url, {"scopes": ["school:roster", "groups:read"]}, follow=True)
    assert "已安装" in text(response)
    assert SchoolInstall.objects.get().scopes == ["school:roster", "groups:read"]

    token = mint_token(app)
    assert token
    response = client.post(url, {"scopes": ["school:roster", "feed:write"]}, follow=True)
    assert SchoolInstall.objects.get().scopes == ["school:roster"]  # only what it asked for
    assert not AccessToken.objects.exists()  # fewer scopes: the old tokens went

    mint_token(app)
    response = client.post(reverse("school_app_uninstall", args=[school.pk, app.pk]),
                           follow=True)
    assert "令牌已立即失效" in text(response)
    assert not SchoolInstall.objects.exists()
    assert not AccessToken.objects.filter(application=app.application).exists()


def test_the_profile_links_an_admin_to_the_school_apps(client, school_setup):
    school, admin, _app = school_setup
    client.force_login(admin)
    page = text(client.get(reverse("profile", args=[admin.username])))
    assert reverse("school_apps", args=[school.pk]) in page
    assert reverse("authorized_apps") in page
    student = make_user(school=school)
    client.force_login(student)
    assert reverse("school_apps", args=[school.pk]) not in text(
        client.get(reverse("profile", args=[student.username])))


def test_students_and_other_schools_admins_find_nothing(client, school_setup):
    school, _admin, app = school_setup
    other_school = make_school()
    other_admin = make_user(school=other_school, role="staff")
    other_school.administrators.add(other_admin)
    for person in (make_user(school=school), other_admin):
        client.force_login(person)
        assert client.get(reverse("school_apps", args=[school.pk])).status_code == 404
        install = reverse("school_app_install", args=[school.pk, app.pk])
        assert client.post(install, {"scopes": ["school:roster"]}).status_code == 404
        uninstall = reverse("school_app_uninstall", args=[school.pk, app.pk])
        assert client.post(uninstall).status_code == 404
    assert not SchoolInstall.objects.exists()
    # An admin of another school cannot reach this school's app through their own page.
    client.force_login(other_admin)
    install = reverse("school_app_install", args=[other_school.pk, app.pk])
    assert client.post(install, {"scopes": ["school:roster"]}).status_code == 404
