"""A site served by daphne on a loopback port, seeded for the OAuth tests: a student
who follows a friend, a private group they are not in, a public user app (PKCE)
and a school app installed by its school."""

from __future__ import annotations

import pytest

from tests.live_site import LiveSite, copy_db, free_port

USER_SCOPES = ["openid", "profile", "feed:read", "groups:read", "notifications:read"]
SCHOOL_SCOPES = ["school:roster", "groups:read"]


@pytest.fixture(scope="session")
def oauth_site(tmp_path_factory, site_template):
    db = copy_db(site_template, tmp_path_factory.mktemp("oauth-site") / "site.sqlite3")
    live = LiveSite(db, actions="tests/openapi/site_actions.py")
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    data = live.act("seed", redirect_uri=redirect_uri, user_scopes=USER_SCOPES,
                    school_scopes=SCHOOL_SCOPES)
    port = live.start_daphne()
    yield {"url": f"http://127.0.0.1:{port}", "redirect_uri": redirect_uri,
           "redirect_port": int(redirect_uri.rsplit(":", 1)[1].split("/")[0]), **data}
    live.stop()
