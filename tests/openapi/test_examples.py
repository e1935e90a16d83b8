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

pytestmark = pytest.mark.slow
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
