"""Talking to a live site as a browser and as an app would: cookies, CSRF,
redirects not followed (the tests read where they point)."""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import http.client
import http.cookiejar
import json
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage  # names case-insensitive, as HTTP has them
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def query(self) -> dict:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.location).query))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Agent:
    """A browser (cookies, forms) or an app (headers) against `site`."""

    def __init__(self, site: str):
        self.site = site
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  _NoRedirect)

    def request(self, method: str, path: str, data: dict | bytes | None = None,
                headers: dict | None = None) -> Reply:
        if isinstance(data, dict):
            data = urllib.parse.urlencode(data).encode()
        url = path if path.startswith("http") else self.site + path
        request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return Reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read())

    def get(self, path: str, **headers) -> Reply:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, fields: dict, **headers) -> Reply:
        return self.request("POST", path, fields, headers)

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

    def log_in(self, username: str, password: str) -> None:
        self.get("/login/")
        reply = self.post_form("/login/", {"username": username, "password": password,
                                           "csrfmiddlewaretoken": self.cookie("csrftoken")},
                               Referer=self.site + "/login/")
        assert reply.status == 302, reply.body[:500]

    def graphql(self, query: str, token: str | None = None, **variables) -> Reply:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps({"query": query, "variables": variables}).encode()
        return self.request("POST", "/graphql", body, headers)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def form_fields(html: str) -> dict:
    """The hidden inputs of the page's form (the consent form's fields)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = html_lib.unescape(value.group(1) if value else "")
    return fields
