"""The developer documentation page and the GraphQL explorer."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest

from openapi_plugins.scopes import all_scopes, scopes_for_kind
from openapi_plugins.webhooks.events import all_events
from tests.factories import make_user


class Assets(HTMLParser):
    """The URLs a page loads: script src, stylesheet/icon href, img src."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


class Rows(HTMLParser):
    """Text of each table row carrying a data-* marker, by its value."""

    def __init__(self, marker: str):
        super().__init__()
        self.marker, self.rows, self.current = marker, {}, None

    def handle_starttag(self, tag, attrs):
        value = dict(attrs).get(self.marker)
        if tag == "tr" and value:
            self.current = value
            self.rows[value] = ""

    def handle_endtag(self, tag):
        if tag == "tr":
            self.current = None

    def handle_data(self, data):
        if self.current:
            self.rows[self.current] += data.strip() + " "


def rows(html: str, marker: str) -> dict[str, str]:
    parser = Rows(marker)
    parser.feed(html)
    return parser.rows


@pytest.fixture
def docs_html(client, db):
    response = client.get("/developers/docs")
    assert response.status_code == 200
    return response.content.decode()


def test_the_docs_are_public_and_list_every_scope_in_plain_words(docs_html):
    scopes = rows(docs_html, "data-scope")
    assert set(scopes) == set(all_scopes())
    user, school = scopes_for_kind("user"), scopes_for_kind("school")
    for name, words in all_scopes().items():
        text = scopes[name]
        assert str(words) in text
        marks = text.split()[-2:]
        assert marks == ["✓" if name in user else "—", "✓" if name in school else "—"], name


def test_the_docs_list_the_oauth_endpoints_pkce_and_token_lifetimes(docs_html):
    for path in ("/o/authorize/", "/o/token/", "/o/revoke_token/", "/o/introspect/",
                 "/o/userinfo/", "/o/.well-known/openid-configuration"):
        assert f"<code>{path}</code>" in docs_html, path
    assert "S256" in docs_html and "PKCE" in docs_html
    assert "访问令牌有效期：1 小时" in docs_html
    assert "刷新令牌有效期：30 天" in docs_html


def test_the_docs_show_the_limits_the_code_enforces(client, db, settings):
    settings.GRAPHQL_MAX_COST = 1234
    settings.GRAPHQL_MAX_DEPTH = 9
    settings.GRAPHQL_MAX_ALIASES = 7
    settings.GRAPHQL_RATE_LIMITS = {"window_s": 300, "token": 777, "school_app": 888,
                                    "user": 999, "anonymous": 55}
    html = client.get("/developers/docs").content.decode()
    limits = rows(html, "data-limit")
    assert limits["depth"].split()[1] == "9"
    assert limits["aliases"].split()[1] == "7"
    assert limits["cost"].split()[1] == "1234"
    assert limits["page_size"].split()[1] == str(settings.GRAPHQL_MAX_PAGE_SIZE)
    rates = rows(html, "data-rate")
    assert {name: text.split()[-1] for name, text in rates.items()} == {
        "token": "777", "school_app": "888", "user": "999", "anonymous": "55"}
    assert "每 5 分钟" in html
    for code in ("QUERY_TOO_DEEP", "QUERY_TOO_COSTLY", "TOO_MANY_ALIASES", "RATE_LIMITED",
                 "X-RateLimit-Remaining", "Retry-After"):
        assert code in html


def test_the_docs_list_every_webhook_event_and_the_signature(docs_html, settings):
    events = rows(docs_html, "data-event")
    assert set(events) == set(all_events())
    for name, event in all_events().items():
        assert str(event.description) in events[name] and event.scope in events[name]
    assert 'X-Yiban-Signature: sha256=HMAC-SHA256(secret, "{timestamp}.{body}")' in docs_html
    assert "X-Yiban-Timestamp" in docs_html
    assert f"共尝试 {len(settings.WEBHOOK_RETRY_DELAYS_S) + 1} 次" in docs_html


def test_the_example_query_costs_what_the_docs_say(client, docs_html):
    start = docs_html.index("query MyGroups")
    example = docs_html[start:docs_html.index("</code>", start)]
    query = "\n".join(line.split("#")[0] for line in example.splitlines())
    stated = int(example.rsplit(" ", 1)[-1])
    client.force_login(make_user())
    response = client.post("/graphql", data=json.dumps({"query": query}),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["extensions"]["cost"]["requested"] == stated


# --- the explorer -------------------------------------------------------------------------

def test_the_explorer_needs_a_login(client, db):
    response = client.get("/developers/explorer")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_explorer_serves_only_local_assets(client, db):
    client.force_login(make_user())
    response = client.get("/developers/explorer")
    assert response.status_code == 200
    assert "csrftoken" in response.cookies  # the fetcher sends it back as X-CSRFToken
    parser = Assets()
    parser.feed(response.content.decode())
    assert any(url.endswith("graphiql.min.js") for url in parser.urls)
    assert any(url.endswith("explorer.js") for url in parser.urls)
    for url in parser.urls:
        parsed = urlparse(url)
        assert not parsed.scheme and not parsed.netloc, f"{url} is not served by the site"
        asset = client.get(url)
        assert asset.status_code == 200, url
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        asset.close()
        assert body, url


def test_graphiqls_introspection_query_fits_the_limits(client, db):
    from graphql import get_introspection_query

    client.force_login(make_user())
    response = client.post("/graphql", data=json.dumps({"query": get_introspection_query(
        descriptions=True, input_value_deprecation=True)}), content_type="application/json")
    assert response.status_code == 200, response.content
    assert "errors" not in response.json()
