"""The Content-Security-Policy: every page sends one that an injected <script> cannot get
past, and no page needs more than it allows (no inline script, style or event handler)."""

from __future__ import annotations

import urllib.parse
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from feeds import services as feed_services
from tests.factories import actor_for, make_interest_group, make_school, make_teacher, make_user
from tests.openapi.helpers import make_school_app, make_user_app
from yiban_core.accounts.models import User

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.wsgi_request.path}"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class PageScan(HTMLParser):
    """What in a page the policy would block: scripts not from the site (or without the
    header's nonce), inline event handlers, style attributes and <style> elements."""

    def __init__(self, nonce: str | None):
        super().__init__()
        self.nonce = nonce
        self.scripts: list[str] = []
        self.blocked: list[str] = []
        self._inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        handlers = [name for name in attrs if name.startswith("on")]
        if handlers:
            self.blocked.append(f"<{tag} {' '.join(handlers)}>")
        if "style" in attrs:
            self.blocked.append(f"<{tag} style={attrs['style']!r}>")
        if tag == "style":
            self.blocked.append("<style>")
        if tag == "script":
            src = attrs.get("src")
            self.scripts.append(src or "(inline)")
            if src:
                parts = urllib.parse.urlsplit(src)
                if parts.scheme or parts.netloc or not src.startswith("/"):
                    self.blocked.append(f"<script src={src!r}> from elsewhere")
            elif not (self.nonce and attrs.get("nonce") == self.nonce):
                self._inline_script = True
        if tag == "a" and (attrs.get("href") or "").strip().lower().startswith("javascript:"):
            self.blocked.append(f"<a href={attrs['href']!r}>")

    def handle_data(self, data):
        if self._inline_script and data.strip():
            self.blocked.append(f"inline <script>{data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._inline_script = False


def assert_strict(response):
    directives = policy(response)
    script_src = directives.get("script-src", directives["default-src"])
    assert "'self'" in script_src
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives.get("style-src", [])
    assert "style-src-attr" not in directives and "script-src-elem" not in directives
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"][0] == "'self'"
    assert "'self'" in directives["connect-src"]
    nonces = [v[len("'nonce-"):-1] for v in script_src if v.startswith("'nonce-")]
    if response.headers.get("Content-Type", "").startswith("text/html"):
        scan = PageScan(nonces[0] if nonces else None)
        scan.feed(response.content.decode())
        assert scan.blocked == [], (response.wsgi_request.path, scan.blocked)
        return scan
    return None


@pytest.fixture
def world():
    school = make_school("华东师范大学")
    teacher = make_teacher("wang_laoshi", school=school)
    student = make_user("li_hua", school=school, display_name="李华")
    admin = make_user("zhan_zhang", school=school, role=User.Role.ADMIN)
    admin.save()  # a site admin is a superuser (User.save)
    school.administrators.add(admin)
    club = make_interest_group(student, name="摄影社")
    post = feed_services.publish_post(actor=actor_for(student), text="周末去拍银杏 #摄影#")
    app, _ = make_user_app(make_user("kaifa"))
    school_app, _ = make_school_app(school, admin=admin)
    return {"school": school, "teacher": teacher, "student": student, "admin": admin,
            "club": club, "post": post, "app": app, "school_app": school_app}


def public_urls(w) -> list[str]:
    return [
        reverse("home"), reverse("login"), reverse("register"), reverse("group_list"),
        reverse("group_detail", args=[w["club"].pk]), reverse("post_detail", args=[w["post"].pk]),
        reverse("profile", args=["li_hua"]), reverse("followers", args=["li_hua"]),
        reverse("topic", args=["摄影"]), reverse("resource_library"), reverse("leaderboards"),
        reverse("leaderboards") + "?tab=resources", reverse("search") + "?q=银杏",
        reverse("developer_docs"), "/no-such-page/",
    ]


def member_urls(w) -> list[str]:
    return [
        reverse("home"), reverse("group_list"), reverse("group_detail", args=[w["club"].pk]),
        reverse("group_manage", args=[w["club"].pk]),
        reverse("group_members", args=[w["club"].pk]), reverse("group_create"),
        reverse("post_detail", args=[w["post"].pk]),
        reverse("profile", args=["li_hua"]), reverse("edit_profile"),
        reverse("change_password"), reverse("resource_create"), reverse("points"),
        reverse("leaderboards") + "?tab=people&scope=school", reverse("notifications"),
        reverse("invitations"), reverse("developer_apps"), reverse("developer_app_new"),
        reverse("developer_explorer"), reverse("authorized_apps"), reverse("settings"),
        reverse("settings_privacy"), reverse("settings_school"), reverse("settings_blocked"),
    ]


def admin_urls(w) -> list[str]:
    school = w["school"].pk
    return [
        reverse("school_apps", args=[school]), reverse("roster_import", args=[school]),
        reverse("school_console", args=[school]), reverse("school_members", args=[school]),
        reverse("roster_import_history", args=[school]),
        reverse("admin:index"), reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[w["student"].pk]),
        reverse("two_factor"),  # the QR code to enrol, drawn inline as SVG
    ]


def test_every_public_page_sends_a_strict_policy_and_needs_nothing_it_blocks(client, world):
    for url in public_urls(world):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict(response)


def test_every_page_of_a_member_sends_a_strict_policy_and_needs_nothing_it_blocks(
        client, world):
    client.force_login(world["student"])
    for url in member_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        scan = assert_strict(response)
        assert any(src.endswith("/live.js") for src in scan.scripts), url  # the live bar


def test_the_pages_of_an_administrator_send_a_strict_policy(client, world):
    client.force_login(world["admin"])
    for url in admin_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_the_explorer_loads_graphiql_from_the_site_only(client, world):
    client.force_login(world["student"])
    response = client.get(reverse("developer_explorer"))
    scan = assert_strict(response)
    # GraphiQL's dialogs add a <style> element: allowed on this page only.
    assert policy(response)["style-src-elem"] == ["'self'", "'unsafe-inline'"]
    assert "style-src-elem" not in policy(client.get(reverse("home")))
    assert [src.rsplit("/", 1)[-1] for src in scan.scripts[:4]] == [
        "react.production.min.js", "react-dom.production.min.js", "graphiql.min.js",
        "explorer.js"]


def test_the_live_socket_of_the_same_host_is_allowed_and_no_other(client, world):
    client.force_login(world["student"])
    directives = policy(client.get(reverse("home")))
    assert directives["connect-src"] == ["'self'", "ws://testserver"]
    secure = policy(client.get(reverse("home"), secure=True))
    assert secure["connect-src"] == ["'self'", "wss://testserver"]


def test_the_graphql_endpoint_and_a_letter_avatar_keep_to_the_policy(client, world):
    client.force_login(world["student"])
    response = client.post("/graphql", data='{"query": "{ viewer { username } }"}',
                           content_type="application/json")
    assert response.status_code == 200
    assert_strict(response)
    page = client.get(reverse("profile", args=["li_hua"])).content.decode()
    assert 'class="avatar avatar-letter avatar-size-88 avatar-colour-' in page


# ---- the OAuth consent page: its form ends at the app's registered redirect URI -------------


def authorize_query(app, **extra) -> str:
    params = {"client_id": app.application.client_id, "response_type": "code",
              "scope": "profile", "redirect_uri": "https://app.example.com/callback",
              "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGjSVjzsZNg",
              "code_challenge_method": "S256", "state": "xyz", **extra}
    return "?" + urllib.parse.urlencode(params)


def test_the_consent_page_lets_its_form_end_at_the_apps_redirect_uri_only(client, world):
    client.force_login(world["student"])
    response = client.get(reverse("oauth2_provider:authorize") + authorize_query(world["app"]))
    assert response.status_code == 200
    assert "同意授权" in response.content.decode()
    assert_strict(response)
    assert policy(response)["form-action"] == ["'self'", "https://app.example.com"]


def test_an_unregistered_redirect_uri_is_not_let_through(client, world):
    client.force_login(world["student"])
    response = client.get(reverse("oauth2_provider:authorize") + authorize_query(
        world["app"], redirect_uri="https://evil.example.net/callback"))
    assert_strict(response)
    assert policy(response)["form-action"] == ["'self'"]


def test_the_login_page_of_an_authorization_lets_its_form_end_at_the_app(client, world):
    authorize = reverse("oauth2_provider:authorize") + authorize_query(world["app"])
    response = client.get(reverse("login") + "?" + urllib.parse.urlencode({"next": authorize}))
    assert_strict(response)
    assert policy(response)["form-action"] == ["'self'", "https://app.example.com"]
    # A failed login shows the form again, still on its way to the app.
    response = client.post(reverse("login"), {"username": "li_hua", "password": "wrong",
                                              "next": authorize})
    assert policy(response)["form-action"] == ["'self'", "https://app.example.com"]
    # Any other `next` changes nothing.
    response = client.get(reverse("login") + "?next=https://evil.example.net/")
    assert policy(response)["form-action"] == ["'self'"]
