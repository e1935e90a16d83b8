"""Real identity providers for the school sign-in tests, each in its own process and
started once for the session: a CAS server (django-cas-server, tests/sso/cas_server, its
own SQLite database) and an OIDC provider (a second copy of this site served by daphne:
its /o/). The site under test is pytest-django's live server, so a CAS server's single
logout reaches it over HTTP. Schools have fixed ids: the providers know the callback
URLs (/sso/<id>/callback/) before any test runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_site import LiveSite, copy_db, free_port, wait_for_port
from tests.openapi.live import Agent, form_fields

CAS_PROJECT = Path(__file__).resolve().parent / "cas_server"
NORTH, SOUTH, EAST = 9001, 9002, 9003  # CAS 3.0 + attribute, CAS 2.0 + user, OIDC


def _cas_env(db: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(CAS_DB=str(db), PYTHONPATH=str(CAS_PROJECT), DJANGO_SETTINGS_MODULE="settings")
    return env


@pytest.fixture(scope="session")
def cas_server(tmp_path_factory):
    env = _cas_env(tmp_path_factory.mktemp("cas-server") / "cas.sqlite3")
    for command in (["-m", "django", "migrate", "--no-input", "-v0"], ["setup_services.py"]):
        done = subprocess.run([sys.executable, *command], cwd=CAS_PROJECT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=CAS_PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_for_port(port, process)
    yield f"http://127.0.0.1:{port}/cas/"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def site_url(live_server):
    """The site under test, as a browser reaches it (localhost: its cookies stay apart
    from the providers' on 127.0.0.1)."""
    return live_server.url.replace("127.0.0.1", "localhost")


@pytest.fixture(scope="session")
def oidc_idp(tmp_path_factory, site_template, site_url):
    db = copy_db(site_template, tmp_path_factory.mktemp("oidc-idp") / "idp.sqlite3")
    idp = LiveSite(db, actions="tests/sso/idp_actions.py")
    data = idp.act("seed", redirect_uris=[f"{site_url}/sso/{EAST}/callback/"])
    port = idp.start_daphne()
    yield {"url": f"http://127.0.0.1:{port}", **data}
    idp.stop()


@pytest.fixture(autouse=True)
def _loopback_providers(settings):
    settings.SSO_ALLOW_LOOPBACK_HTTP = True


def cas_sign_in(browser: Agent, location: str, username: str, password: str) -> str:
    """At the CAS server the site sent the browser to: sign in; returns where the CAS
    server sends the browser back (the site's callback with a ticket)."""
    page = browser.get(location)
    assert page.status == 200, page.body[:300]
    fields = {**form_fields(page.body.decode()), "username": username, "password": password}
    reply = browser.post_form(location, fields, Referer=location)
    assert reply.status == 302, reply.body[:500]
    return reply.location


def oidc_sign_in(browser: Agent, location: str, username: str, password: str) -> str:
    """At the OIDC provider (this site's /o/): sign in, allow; returns the redirect back."""
    provider = location.split("/o/")[0]
    browser.get(provider + "/login/")
    signed_in = browser.post_form(provider + "/login/", {
        "username": username, "password": password,
        "csrfmiddlewaretoken": next(c.value for c in browser.jar
                                    if c.name == "csrftoken" and c.domain == "127.0.0.1"),
    }, Referer=provider + "/login/")
    assert signed_in.status == 302, signed_in.body[:300]
    reply = browser.get(location)
    if reply.status == 200:  # the consent page, the first time
        reply = browser.post_form(provider + "/o/authorize/",
                                  {**form_fields(reply.body.decode()), "allow": "1"},
                                  Referer=provider + "/o/authorize/")
    assert reply.status == 302, reply.body[:300]
    return reply.location


@pytest.fixture
def schools(cas_server, oidc_idp):
    """Three schools side by side, each with its own sign-in, and the people their
    rosters created (no password: they have never signed in)."""
    from tests.factories import make_user
    from yiban_core.accounts.models import School, User
    from yiban_core.actor import Actor
    from yiban_core.sso.services import configure_sso

    admin = make_user("site_admin", role=User.Role.ADMIN)
    actor = Actor.for_user(admin)
    north = School.objects.create(pk=NORTH, name="北方大学", kind=School.Kind.UNIVERSITY)
    south = School.objects.create(pk=SOUTH, name="南方职业技术学院", kind=School.Kind.VOCATIONAL)
    east = School.objects.create(pk=EAST, name="东方大学", kind=School.Kind.UNIVERSITY)
    configure_sso(actor=actor, school=north, kind="cas", cas_server_url=cas_server,
                  cas_version="3", member_number_attribute="studentNumber")
    configure_sso(actor=actor, school=south, kind="cas", cas_server_url=cas_server,
                  cas_version="2")
    configure_sso(actor=actor, school=east, kind="oidc",
                  oidc_discovery_url=oidc_idp["url"] + "/o/.well-known/openid-configuration",
                  oidc_client_id=oidc_idp["client_id"],
                  oidc_client_secret=oidc_idp["client_secret"],
                  oidc_scopes="openid profile profile:verified",
                  member_number_attribute="member_number")

    def roster_member(username, school, number, verified=False):
        user = User(username=username, display_name=username, school=school,
                    member_number=number)
        if verified:
            from django.utils import timezone
            user.verified_at = timezone.now()
        user.set_unusable_password()
        user.save()
        return user

    return {
        "north": north, "south": south, "east": east,
        "north_lihua": roster_member("s9001-n2024001", north, "N2024001"),
        "south_zhaolei": roster_member("s9002-s2024003", south, "S2024003", verified=True),
        "east_chen": roster_member("s9003-e2024001", east, "E2024001"),
    }


def signed_in_user(browser: Agent):
    """Who the site under test's session cookie in `browser` belongs to (None: nobody)."""
    from importlib import import_module

    from django.conf import settings

    from yiban_core.accounts.models import User

    key = next((c.value for c in browser.jar if c.name == "sessionid"
                and c.domain.startswith("localhost")), None)
    if key is None:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    user_id = session.get("_auth_user_id")
    return User.objects.filter(pk=user_id).first() if user_id else None
