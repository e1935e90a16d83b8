"""The example clients in examples/, run as their users would run them, against
the site served by daphne on a loopback port."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.openapi.live import Agent, form_fields

pytestmark = [pytest.mark.slow, pytest.mark.self_contained]
ROOT = Path(__file__).resolve().parents[2]


def test_the_user_app_signs_in_with_pkce_and_prints_the_home_timeline(oauth_site):
    site = oauth_site
    process = subprocess.Popen(
        [sys.executable, "examples/user_app.py", "--site", site["url"],
         "--client-id", site["user_app"]["client_id"], "--port", str(site["redirect_port"]),
         "--scope", "openid profile feed:read notifications:read", "--no-browser",
         "--timeout", "60"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("AUTHORIZE "), first + process.stderr.read()
        authorize_url = first.split(" ", 1)[1].strip()

        # The person, in their browser: signs in, reads the consent page, allows.
        browser = Agent(site["url"])
        browser.log_in(site["student"], site["password"])
        page = browser.get(authorize_url)
        assert page.status == 200
        assert "读取你的通知" in page.body.decode()
        back = browser.post_form("/o/authorize/", {**form_fields(page.body.decode()),
                                                    "allow": "Authorize"},
                                 Referer=site["url"] + "/o/authorize/")
        assert back.status == 302 and back.location.startswith(site["redirect_uri"])
        for _ in range(50):  # the listener may still be binding its port
            if browser.get(back.location).status == 200:
                break
            time.sleep(0.1)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["id_token"] and result["refresh_token"]
    assert result["data"]["viewer"]["username"] == "li_hua"
    texts = [e["node"]["text"] for e in result["data"]["homeTimeline"]["edges"]]
    assert texts == ["期末复习资料已经整理好了"]


ROSTER = ROOT / "tests" / "fixtures" / "oneroster-1.1-edfi"
SECTIONS = """{ rosterSections(first: 10) { edges { node { sourcedId title classGroupId } } } }"""


def run_roster_sync(site) -> dict:
    school = site["school_app"]
    result = subprocess.run(
        [sys.executable, "examples/roster_sync.py", str(ROSTER), "--site", site["url"],
         "--client-id", school["client_id"], "--client-secret", school["client_secret"],
         "--org", "255901001"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_roster_client_syncs_a_real_oneroster_export_once(oauth_site):
    first = run_roster_sync(oauth_site)
    assert first.pop("bulk")["removed"] == 0  # the manifest says bulk: nothing left out
    assert {kind: first[kind]["created"] for kind in first} == {
        "terms": 3, "courses": 2, "sections": 2, "users": 10, "enrolments": 24}
    assert all(not totals["rejected"] for totals in first.values())

    again = run_roster_sync(oauth_site)  # the same export: nothing changes
    assert again.pop("bulk")["removed"] == 0
    assert all(t["created"] == t["updated"] == t["removed"] == 0 for t in again.values())
    assert {kind: again[kind]["unchanged"] for kind in again} == {
        "terms": 3, "courses": 2, "sections": 2, "users": 10, "enrolments": 24}

    school = oauth_site["school_app"]
    app = Agent(oauth_site["url"])
    token = app.post_form("/o/token/", {
        "grant_type": "client_credentials", "client_id": school["client_id"],
        "client_secret": school["client_secret"]}).json()["access_token"]
    sections = [e["node"] for e in
                app.graphql(SECTIONS, token).json()["data"]["rosterSections"]["edges"]]
    assert sorted(s["sourcedId"] for s in sections) == [
        "25590100101Trad120ENG112011", "25590100102Trad220ALG112011"]
    assert all(s["classGroupId"] for s in sections)
