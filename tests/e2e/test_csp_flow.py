"""In a real Chromium against daphne: the pages work under the Content-Security-Policy and
the browser reports no violation of it. The live bar's socket opens, the GraphQL explorer
runs a query, the leaderboards' selects still submit, and the OAuth consent and login
forms still end at the app's redirect URI (form-action covers those redirects)."""

from __future__ import annotations

import http.server
import threading
import urllib.parse
import urllib.request

import pytest
from playwright import sync_api

from tests.live_site import LiveSite, copy_db, free_port
from tests.openapi.live import pkce_pair

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.self_contained,
]

# Collects what the policy blocked, from the first script on (an init script is the
# browser's own, not the page's, so the policy does not apply to it).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def watched_page(context, console_errors: list[str]):
    page = context.new_page()
    page.on("console", lambda message: console_errors.append(message.text)
            if message.type == "error" else None)
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


@pytest.fixture
def site(tmp_path, site_template):
    live = LiveSite(copy_db(site_template, tmp_path / "site.sqlite3"))
    yield live
    live.stop()


def test_home_group_explorer_and_leaderboards_work_under_the_policy(site, browser):
    port = site.start_daphne()
    base_url = f"http://127.0.0.1:{port}"
    data = site.act("seed")
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(WATCH_VIOLATIONS)
    context.add_cookies([{"name": "sessionid", "value": data["users"]["alice_li"]["session"],
                          "url": base_url}])
    errors: list[str] = []
    page = watched_page(context, errors)
    expect = sync_api.expect

    response = page.goto(f"{base_url}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("article.post").first).to_contain_text("周末一起去图书馆")
    # live.js runs and its socket to /ws/live/ (connect-src) brings the bell up live.
    page.wait_for_timeout(500)  # the socket is open and subscribed
    site.act("follow", follower="bob_wang", followee="alice_li")
    expect(page.locator("[data-unread-badge]")).to_have_text("1", timeout=10_000)
    assert violations(page) == []

    page.goto(f"{base_url}/groups/{data['group_id']}/")
    expect(page.locator("h1")).to_contain_text("考研交流群")
    assert violations(page) == []

    page.goto(f"{base_url}/developers/explorer")
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".graphiql-response")).to_contain_text('"username": "alice_li"',
                                                              timeout=15_000)
    assert page.locator("#graphiql").evaluate("e => e.getBoundingClientRect().height") > 400
    page.get_by_label("Open settings dialog").click()  # a dialog adds its own <style>
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    assert violations(page) == []

    page.goto(f"{base_url}/leaderboards/?tab=resources")
    with page.expect_navigation():
        page.select_option("#board-subject", index=1)
    assert "subject=" in page.url
    assert violations(page) == []

    assert [e for e in errors if "Content Security Policy" in e] == []

    # And what the policy is for: a script injected into the page does not run.
    page.evaluate("""() => {
      const script = document.createElement("script");
      script.textContent = "window.__injected = true";
      document.body.append(script);
    }""")
    assert page.evaluate("window.__injected === undefined")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert violations(page)[0].startswith("script-src")
    context.close()


class _Callback(http.server.BaseHTTPRequestHandler):
    """The app's redirect URI: a loopback listener, as a native app has (RFC 8252)."""

    hits: list[str] = []

    def do_GET(self):  # the name http.server calls
        if self.path.startswith("/callback?"):
            self.hits.append(self.path)
        body = "已回到应用".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def oauth_site(tmp_path, site_template):
    callback_port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", callback_port), _Callback)
    _Callback.hits = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    live = LiveSite(copy_db(site_template, tmp_path / "site.sqlite3"),
                    actions="tests/openapi/site_actions.py")
    redirect_uri = f"http://127.0.0.1:{callback_port}/callback"
    data = live.act("seed", redirect_uri=redirect_uri, user_scopes=["profile"],
                    school_scopes=["school:roster"])
    port = live.start_daphne()
    yield {"url": f"http://127.0.0.1:{port}", "redirect_uri": redirect_uri, **data}
    live.stop()
    server.shutdown()


def log_in(page, site, next_url: str):
    page.goto(f"{site['url']}/login/?" + urllib.parse.urlencode({"next": next_url}))
    page.fill("#id_username", site["student"])
    page.fill("#id_password", site["password"])
    page.click("main form button[type=submit]")


def test_consent_and_login_forms_still_end_at_the_apps_redirect_uri(oauth_site, browser):
    site = oauth_site
    verifier, challenge = pkce_pair()
    authorize = "/o/authorize/?" + urllib.parse.urlencode({
        "client_id": site["user_app"]["client_id"], "response_type": "code",
        "scope": "profile", "redirect_uri": site["redirect_uri"], "state": "s1",
        "code_challenge": challenge, "code_challenge_method": "S256"})
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(WATCH_VIOLATIONS)
    errors: list[str] = []
    page = watched_page(context, errors)

    # First time: log in, consent, and the Allow button's POST is redirected to the app.
    log_in(page, site, authorize)
    page.wait_for_url(f"{site['url']}/o/authorize/**")
    assert violations(page) == []
    with page.expect_navigation(url=f"{site['redirect_uri']}?**"):
        page.get_by_role("button", name="同意授权").click()
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["code"][0]
    assert len(_Callback.hits) == 1 and _Callback.hits[0].startswith("/callback?code=")

    # The app takes its token, so the grant stands (approval is asked once).
    token_request = urllib.request.Request(f"{site['url']}/o/token/", data=urllib.parse.urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": site["redirect_uri"],
        "client_id": site["user_app"]["client_id"], "code_verifier": verifier}).encode())
    with urllib.request.urlopen(token_request, timeout=10) as reply:
        assert reply.status == 200

    # Later, logged out: the login form's POST goes through /o/authorize/ straight on to
    # the app, one chain of redirects that form-action governs from the login page.
    context.clear_cookies()
    page = watched_page(context, errors)
    verifier, challenge = pkce_pair()
    again = "/o/authorize/?" + urllib.parse.urlencode({
        "client_id": site["user_app"]["client_id"], "response_type": "code",
        "scope": "profile", "redirect_uri": site["redirect_uri"], "state": "s2",
        "code_challenge": challenge, "code_challenge_method": "S256"})
    with page.expect_navigation(url=f"{site['redirect_uri']}?**"):
        log_in(page, site, again)
    assert "state=s2" in page.url
    assert len(_Callback.hits) == 2
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()
