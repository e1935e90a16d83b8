"""School sign-in with CAS, against a real CAS server (django-cas-server in its own
process): 北方大学 speaks CAS 3.0 and releases the 学号 as the attribute studentNumber,
南方职业技术学院 CAS 2.0 with the CAS user as the 工号. The site under test is the live
server; the browser is an Agent that reads every redirect."""

from __future__ import annotations

import logging

import pytest

from tests.openapi.live import Agent
from tests.sso.cas_server.directory import PASSWORD
from tests.sso.conftest import NORTH, SOUTH, cas_sign_in, signed_in_user
from yiban_core.accounts.models import User
from yiban_core.sso.models import SsoIdentity

pytestmark = pytest.mark.slow


def start(browser: Agent, school_id: int) -> str:
    reply = browser.get(f"/sso/{school_id}/login/")
    assert reply.status == 302
    return reply.location


def sign_in(site_url, school_id: int, username: str, browser: Agent | None = None):
    """The whole round: the site's button, the CAS login form, back to the site."""
    browser = browser or Agent(site_url)
    back = cas_sign_in(browser, start(browser, school_id), username, PASSWORD)
    return browser, back, browser.get(back)


def refusals(caplog) -> list[str]:
    return [record.sso["reason"] for record in caplog.records
            if getattr(record, "sso", {}).get("outcome") == "refused"]


def test_the_login_page_offers_each_schools_sign_in(site_url, schools):
    page = Agent(site_url).get("/login/").body.decode()
    assert "北方大学 统一身份认证登录" in page and f'href="/sso/{NORTH}/login/"' in page
    assert "南方职业技术学院 统一身份认证登录" in page and "东方大学 统一身份认证登录" in page


def test_first_sign_in_opens_the_roster_account_and_verifies_it(site_url, schools, cas_server):
    browser = Agent(site_url)
    location = start(browser, NORTH)
    assert location.startswith(cas_server + "login?service=")
    back = cas_sign_in(browser, location, "lihua", PASSWORD)
    assert back.startswith(f"{site_url}/sso/{NORTH}/callback/?ticket=ST-")
    reply = browser.get(back)
    assert reply.status == 302 and reply.location == "/"
    roster_account = schools["north_lihua"]
    assert signed_in_user(browser) == roster_account
    roster_account.refresh_from_db()
    assert roster_account.is_verified and roster_account.member_number == "N2024001"
    assert User.objects.filter(member_number="N2024001").count() == 1

    # The next time, the same account again.
    browser, _back, reply = sign_in(site_url, NORTH, "lihua")
    assert reply.status == 302 and signed_in_user(browser) == roster_account


def test_someone_not_on_the_roster_gets_a_new_verified_account(site_url, schools):
    browser, _back, reply = sign_in(site_url, NORTH, "wangfang")
    assert reply.status == 302
    user = signed_in_user(browser)
    assert user.school == schools["north"] and user.member_number == "N2024002"
    assert user.is_verified and user.display_name == "王芳"
    assert not user.has_usable_password()
    assert user.username == "s9001-n2024002"


def test_cas2_reads_the_cas_user_as_the_member_number(site_url, schools, cas_server):
    browser, _back, reply = sign_in(site_url, SOUTH, "T9001")
    assert reply.status == 302
    user = signed_in_user(browser)
    assert (user.school_id, user.member_number) == (SOUTH, "T9001") and user.is_verified


def test_a_next_page_on_this_site_is_where_the_sign_in_ends(site_url, schools):
    browser = Agent(site_url)
    location = browser.get(f"/sso/{NORTH}/login/?next=/groups/").location
    reply = browser.get(cas_sign_in(browser, location, "lihua", PASSWORD))
    assert reply.location == "/groups/"

    browser = Agent(site_url)
    location = browser.get(f"/sso/{NORTH}/login/?next=https://evil.example.com/").location
    assert browser.get(cas_sign_in(browser, location, "lihua", PASSWORD)).location == "/"


def test_a_ticket_for_another_schools_sign_in_is_refused(site_url, schools, caplog):
    caplog.set_level(logging.INFO, logger="yiban_core.sso")
    # Started at 北方大学, the ticket taken to 南方职业技术学院's door.
    browser = Agent(site_url)
    back = cas_sign_in(browser, start(browser, NORTH), "lihua", PASSWORD)
    ticket = back.split("ticket=")[1]
    reply = browser.get(f"/sso/{SOUTH}/callback/?ticket={ticket}")
    assert reply.status == 403 and "另一所学校" in reply.body.decode()
    assert signed_in_user(browser) is None

    # Even with a sign-in started there, the CAS server says the ticket is not for it.
    browser = Agent(site_url)
    back = cas_sign_in(browser, start(browser, NORTH), "lihua", PASSWORD)
    start(browser, SOUTH)
    reply = browser.get(f"/sso/{SOUTH}/callback/?ticket={back.split('ticket=')[1]}")
    assert reply.status == 403 and signed_in_user(browser) is None

    assert refusals(caplog) == ["wrong_school", "invalid_ticket"]
    assert not SsoIdentity.objects.exists()
    assert not User.objects.filter(school=schools["south"], member_number="lihua").exists()


def test_a_replayed_ticket_is_refused(site_url, schools, caplog):
    caplog.set_level(logging.INFO, logger="yiban_core.sso")
    _browser, back, reply = sign_in(site_url, NORTH, "wangfang")
    assert reply.status == 302

    # Someone who saw the callback URL starts a sign-in of their own and replays it.
    thief = Agent(site_url)
    start(thief, NORTH)
    reply = thief.get(back)
    assert reply.status == 403 and "已经用过" in reply.body.decode()
    assert signed_in_user(thief) is None
    # Without a sign-in started in that browser, it is refused too.
    assert Agent(site_url).get(back).status == 403
    assert refusals(caplog) == ["replayed", "not_started"]


def test_the_same_number_in_another_school_is_someone_else(site_url, schools):
    """赵磊's 学号 at 北方大学 is S2024003; 南方职业技术学院's roster has its own S2024003."""
    browser, _back, reply = sign_in(site_url, NORTH, "zhaolei")
    assert reply.status == 302
    user = signed_in_user(browser)
    assert user != schools["south_zhaolei"]
    assert (user.school_id, user.member_number) == (NORTH, "S2024003")
    assert not SsoIdentity.objects.filter(user=schools["south_zhaolei"]).exists()


def test_a_number_already_linked_to_another_cas_user_is_refused(site_url, schools, caplog):
    caplog.set_level(logging.INFO, logger="yiban_core.sso")
    sign_in(site_url, NORTH, "lihua")
    # The CAS server releases the same 学号 for another login: not a way into 李华's account.
    browser, _back, reply = sign_in(site_url, NORTH, "impostor")
    assert reply.status == 403 and signed_in_user(browser) is None
    assert refusals(caplog) == ["member_number_taken"]
    assert list(SsoIdentity.objects.values_list("subject", flat=True)) == ["lihua"]


def test_logout_ends_the_local_session(site_url, schools):
    browser, _back, _reply = sign_in(site_url, NORTH, "lihua")
    assert signed_in_user(browser) is not None
    browser.get("/settings/")  # a page, for a CSRF token
    csrf = next(c.value for c in browser.jar if c.name == "csrftoken"
                and c.domain.startswith("localhost"))
    reply = browser.post_form("/logout/", {"csrfmiddlewaretoken": csrf},
                              Referer=site_url + "/settings/")
    assert reply.status == 302 and signed_in_user(browser) is None


def test_cas_single_logout_ends_the_session_its_ticket_opened(site_url, schools, cas_server):
    laptop, _back, _reply = sign_in(site_url, NORTH, "lihua")
    phone, _back, _reply = sign_in(site_url, NORTH, "lihua")
    assert signed_in_user(laptop) == signed_in_user(phone) == schools["north_lihua"]

    # Signing out at the CAS server on the laptop: the server POSTs a logoutRequest
    # naming the laptop's ticket to the site, which ends that session only.
    assert laptop.get(cas_server + "logout").status == 200
    assert signed_in_user(laptop) is None
    assert signed_in_user(phone) == schools["north_lihua"]
    assert laptop.get("/settings/").status == 302  # to the login page


def test_a_forged_logout_request_for_an_unknown_ticket_ends_nothing(site_url, schools):
    browser, _back, _reply = sign_in(site_url, NORTH, "lihua")
    forged = ('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
              'ID="x" Version="2.0"><samlp:SessionIndex>ST-guessed</samlp:SessionIndex>'
              '</samlp:LogoutRequest>')
    reply = Agent(site_url).post_form(f"/sso/{NORTH}/callback/", {"logoutRequest": forged})
    assert reply.status == 200
    assert signed_in_user(browser) == schools["north_lihua"]


def test_a_suspended_account_or_a_site_admin_does_not_sign_in_this_way(site_url, schools,
                                                                       caplog):
    caplog.set_level(logging.INFO, logger="yiban_core.sso")
    roster_account = schools["north_lihua"]
    roster_account.is_active = False  # the roster suspended it (enabledUser=false)
    roster_account.save(update_fields=["is_active"])
    browser, _back, reply = sign_in(site_url, NORTH, "lihua")
    assert reply.status == 403 and signed_in_user(browser) is None

    User.objects.filter(member_number="N2024002").delete()
    User.objects.create_superuser("root", password="x-Strong-2026", school=schools["north"],
                                  member_number="N2024002")
    browser, _back, reply = sign_in(site_url, NORTH, "wangfang")
    assert reply.status == 403 and signed_in_user(browser) is None
    assert refusals(caplog) == ["account_disabled", "site_admin"]
    assert not SsoIdentity.objects.exists()
