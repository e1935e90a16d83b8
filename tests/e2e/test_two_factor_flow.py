"""In a real Chromium against daphne with ADMIN_REQUIRE_2FA=1: a site admin logs in with
the password, is sent from /admin/ to enrol, types the key into "their authenticator"
(computed here from the key on the page), keeps the backup codes and reaches the admin
site, all under the Content-Security-Policy with no violation."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest
from django_otp.oath import totp
from playwright import sync_api

from tests.e2e.test_csp_flow import WATCH_VIOLATIONS, violations
from tests.live_site import ROOT, LiveSite, copy_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.self_contained,
]

PASSWORD = "Guanli-2026-ok"


@pytest.fixture
def site(tmp_path, site_template):
    live = LiveSite(copy_db(site_template, tmp_path / "site.sqlite3"))
    live.env["ADMIN_REQUIRE_2FA"] = "1"
    result = subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--no-input", "--username", "zhan_zhang",
         "--email", "zhan@example.edu.cn"],
        cwd=ROOT, env={**live.env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    yield live
    live.stop()


def test_an_admin_enrols_an_authenticator_and_then_reaches_the_admin_site(site, browser):
    base_url = f"http://127.0.0.1:{site.start_daphne()}"
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    expect = sync_api.expect

    page.goto(f"{base_url}/login/")
    page.fill("#id_username", "zhan_zhang")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    # An account made by createsuperuser agrees to the terms and privacy policy first.
    page.wait_for_url(f"{base_url}/consent/?next=%2F")
    page.get_by_role("button", name="同意", exact=True).click()
    page.wait_for_url(f"{base_url}/")

    page.goto(f"{base_url}/admin/")
    page.wait_for_url(f"{base_url}/settings/2fa/?next=%2Fadmin%2F")
    qr = page.get_by_test_id("totp-qr").locator("svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] == 200
    assert violations(page) == []

    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_token", "000000")
    page.click("main form button[type=submit]")
    expect(page.locator(".field-error")).to_contain_text("验证码不正确")

    page.wait_for_timeout(1100)  # django-otp's wait after one wrong code
    page.fill("#id_token", f"{totp(key):06d}")
    page.click("main form button[type=submit]")
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="我已保存，继续").click()
    page.wait_for_url(f"{base_url}/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    assert violations(page) == []
    context.close()
