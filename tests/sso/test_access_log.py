"""A school sign-in (CAS, OIDC) is in the person's 访问记录 like a password one: when, the
/24 network, the device, and which school sign-in it was."""

from __future__ import annotations

import re

import pytest

from tests.openapi.live import Agent
from tests.sso.cas_server.directory import PASSWORD
from tests.sso.conftest import EAST, NORTH, cas_sign_in, oidc_sign_in, signed_in_user
from yiban_core.privacy.models import AccessRecord

pytestmark = pytest.mark.slow

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")


def entries(browser: Agent) -> str:
    page = browser.get("/settings/privacy/access/?kind=sign_in")
    assert page.status == 200
    return re.sub(r"\s+", " ", page.body.decode())


def test_a_cas_sign_in_shows_with_device_and_network(site_url, schools):
    browser = Agent(site_url)
    location = browser.get(f"/sso/{NORTH}/login/").location
    back = cas_sign_in(browser, location, "lihua", PASSWORD)
    assert browser.get(back, **{"User-Agent": CHROME}).status == 302
    person = signed_in_user(browser)
    [record] = AccessRecord.objects.filter(person=person, kind=AccessRecord.Kind.SIGN_IN)
    assert record.action == "sign_in.sso.cas"
    assert record.device == "Chrome 120 · Windows 10"
    assert record.place == "127.0.0.0/24"
    page = entries(browser)
    assert "学校统一身份认证登录（CAS）" in page
    assert "127.0.0.0/24 · Chrome 120 · Windows 10" in page


def test_an_oidc_sign_in_shows_too(site_url, schools, oidc_idp):
    browser = Agent(site_url)
    location = browser.get(f"/sso/{EAST}/login/").location
    back = oidc_sign_in(browser, location, "chen_jing", oidc_idp["password"])
    assert browser.get(back, **{"User-Agent": CHROME}).status == 302
    person = signed_in_user(browser)
    [record] = AccessRecord.objects.filter(person=person, kind=AccessRecord.Kind.SIGN_IN)
    assert record.action == "sign_in.sso.oidc" and record.device == "Chrome 120 · Windows 10"
    assert "学校统一身份认证登录（OpenID Connect）" in entries(browser)
