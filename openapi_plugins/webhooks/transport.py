"""Where deliveries may go, and the one HTTP POST that makes one (stdlib urllib).

A target is https; plain http only to a loopback address, and only where the
site allows loopback callbacks at all (DEBUG, or the OAuth settings allowing
http redirect URIs, the rule apps' redirect URIs follow). Since the worker
makes the request, the host is also checked when it is resolved, so a name
pointing into the private network is refused (no server-side request forgery);
redirects are not followed, for the same reason.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from openapi_plugins.services import is_loopback_host
from yiban_core.errors import Invalid

URL_MAX_LENGTH = 500


def loopback_allowed() -> bool:
    return bool(settings.DEBUG) or "http" in settings.OAUTH2_PROVIDER[
        "ALLOWED_REDIRECT_URI_SCHEMES"]


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.is_loopback:
        return loopback_allowed()
    return ip.is_global


def clean_target_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    host = parts.hostname or ""
    bad = (not host or len(url) > URL_MAX_LENGTH or parts.fragment or parts.username
           or parts.password or parts.scheme not in ("https", "http")
           or (parts.scheme == "http" and not (is_loopback_host(host) and loopback_allowed()))
           or (is_loopback_host(host) and not loopback_allowed()))
    if not bad:
        try:
            bad = not _address_allowed(host.strip("[]"))
        except ValueError:
            pass  # a name, checked again when the worker resolves it
    if bad:
        raise Invalid(_("接收地址不可用：须为 https 地址（开发环境可用本机回环地址的 http），"
                        "不能指向内网，不含用户名密码和 #"), field="url")
    return url


@dataclass
class Outcome:
    status_code: int | None
    error: str
    latency_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an answer like any other non-2xx: a failed attempt


_opener = urllib.request.build_opener(_NoRedirects)


def _resolves_somewhere_allowed(host: str, port: int) -> bool:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return bool(infos) and all(_address_allowed(info[4][0]) for info in infos)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout_s: float) -> Outcome:
    started = time.monotonic()

    def done(status_code: int | None, error: str = "") -> Outcome:
        return Outcome(status_code, error[:500], int((time.monotonic() - started) * 1000))

    parts = urlsplit(url)
    try:
        if not _resolves_somewhere_allowed(parts.hostname or "",
                                           parts.port or (443 if parts.scheme == "https" else 80)):
            return done(None, "refused: the host resolves to a private address")
    except (OSError, ValueError) as error:
        return done(None, f"DNS: {error}")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "Yiban-Webhooks/1", **headers})
    try:
        with _opener.open(request, timeout=timeout_s) as response:
            response.read(64 * 1024)
            return done(response.status)
    except urllib.error.HTTPError as error:
        snippet = error.read(200).decode("utf-8", "replace") if error.fp else ""
        return done(error.code, f"HTTP {error.code} {snippet}".strip())
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        return done(None, f"{type(reason).__name__}: {reason}")
