"""Where deliveries may go, and the one HTTP POST that makes one (stdlib http.client).

A target is https; plain http only to a loopback address, and only where the
site allows loopback callbacks at all (DEBUG, or the OAuth settings allowing
http redirect URIs, the rule apps' redirect URIs follow). Since the worker
makes the request, the host is also checked when it is resolved, so a name
pointing into the private network is refused (no server-side request forgery).
The name is resolved once and the connection goes to the very address that was
checked (the Host header, SNI and the certificate check still use the name), so
a DNS answer that changes between the check and the connect (rebinding) cannot
steer the request inside; redirects are not followed, for the same reason.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from openapi_plugins.services import is_loopback_host
from yiban_core.errors import Invalid

URL_MAX_LENGTH = 500
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known prefix: IPv4 inside


def loopback_allowed() -> bool:
    return bool(settings.DEBUG) or "http" in settings.OAUTH2_PROVIDER[
        "ALLOWED_REDIRECT_URI_SCHEMES"]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (6to4, Teredo, NAT64), if any."""
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_allowed(address: str) -> bool:
    """May a delivery connect to this IP? Public unicast only; loopback where allowed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:10.0.0.1 is 10.0.0.1
            return address_allowed(str(ip.ipv4_mapped))
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not address_allowed(str(embedded)):
            return False
    if ip.is_loopback:
        return loopback_allowed()
    # is_global alone lets multicast (224.0.0.0/4, ff00::/8) through.
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local
                                 or ip.is_private or ip.is_unspecified)


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
            bad = not address_allowed(host.strip("[]"))
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


class Refused(Exception):
    """The target's name resolves to an address deliveries may not reach."""


def resolve_checked(host: str, port: int) -> str:
    """Resolve `host` once; every address it has must be allowed. The first, to connect to."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(address_allowed(address) for address in addresses):
        raise Refused("refused: the host resolves to a private address")
    return addresses[0]


def _connection(url: str, address: str, timeout_s: float) -> http.client.HTTPConnection:
    """A connection to `url`'s host that dials `address` instead of resolving the name:
    Host, SNI and certificate verification use the name."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout_s, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout_s)

    def dial(_host_port, timeout, source_address=None):
        return socket.create_connection((address, port), timeout, source_address)

    connection._create_connection = dial
    return connection


def post_to(address: str, url: str, body: bytes, headers: dict[str, str], *,
            timeout_s: float) -> tuple[int, bytes]:
    """POST `body` to `url` over a connection to `address`; (status, start of the answer).
    Nothing is followed: a 3xx is returned like any other status."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _connection(url, address, timeout_s)
    try:
        connection.request("POST", target, body=body, headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Yiban-Webhooks/1", **headers})
        response = connection.getresponse()
        return response.status, response.read(64 * 1024)
    finally:
        connection.close()


def post(url: str, body: bytes, headers: dict[str, str], *, timeout_s: float) -> Outcome:
    started = time.monotonic()

    def done(status_code: int | None, error: str = "") -> Outcome:
        return Outcome(status_code, error[:500], int((time.monotonic() - started) * 1000))

    parts = urlsplit(url)
    try:
        address = resolve_checked(parts.hostname or "",
                                  parts.port or (443 if parts.scheme == "https" else 80))
    except Refused as error:
        return done(None, str(error))
    except (OSError, ValueError, UnicodeError) as error:
        return done(None, f"DNS: {error}")
    try:
        status, answer = post_to(address, url, body, headers, timeout_s=timeout_s)
    except (OSError, http.client.HTTPException, ValueError) as error:
        return done(None, f"{type(error).__name__}: {error}")
    if 200 <= status < 300:
        return done(status)
    snippet = answer[:200].decode("utf-8", "replace")
    return done(status, f"HTTP {status} {snippet}".strip())
