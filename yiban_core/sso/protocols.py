"""The two protocols a school's sign-in speaks, through the ecosystem's clients:
CAS 2.0/3.0 with python-cas, OpenID Connect with Authlib (code flow, state, nonce and
PKCE S256) and joserfc (the ID token's signature against the provider's JWKS, its
issuer, audience, expiry and nonce).

Both end in an Assertion: who the provider says signed in. Anything wrong with what a
provider answers is a SignInRefused with a reason for the security log, never a 500.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

import cas
import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from lxml import etree

from yiban_core.errors import Invalid
from yiban_core.sso.models import SchoolIdentityProvider
from yiban_core.sso.security import SignInRefused

HTTP_TIMEOUT_S = 10
DISCOVERY_CACHE_S = 3600
# Asymmetric signatures only: "none" and HMAC (keyed with the client secret) are refused.
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]
NAME_ATTRIBUTES = ("name", "cn", "displayName")
NO_ANSWER = gettext_lazy("学校统一身份认证服务器没有正确应答，请稍后再试")
BAD_ANSWER = gettext_lazy("学校统一身份认证的应答无效，请重新登录")
BAD_TICKET = gettext_lazy("登录凭据无效或已过期，请重新登录")


@dataclass(frozen=True)
class Assertion:
    subject: str  # the CAS user, the OIDC sub
    member_number: str
    name: str = ""


class _Http(requests.Session):
    """Calls to a provider: bounded in time, and no redirects (the configured, checked
    address is the one spoken to)."""

    def request(self, method, url, **kwargs):
        check_provider_url(url, field="url")
        kwargs.setdefault("timeout", HTTP_TIMEOUT_S)
        kwargs["allow_redirects"] = False
        return super().request(method, url, **kwargs)


class _OAuthHttp(OAuth2Session):
    def request(self, method, url, **kwargs):
        check_provider_url(url, field="url")
        kwargs.setdefault("timeout", HTTP_TIMEOUT_S)
        kwargs["allow_redirects"] = False
        return super().request(method, url, **kwargs)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_provider_url(url: str, *, field: str) -> str:
    """A provider's address: https; plain http only while DEBUG is on, or for a loopback
    address when SSO_ALLOW_LOOPBACK_HTTP is (tests start their providers there)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  a port that is not a number raises here
    except ValueError:
        raise Invalid(_("地址格式不正确"), field=field) from None
    if not host or parts.username or parts.password or parts.fragment:
        raise Invalid(_("地址格式不正确"), field=field)
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and (
            settings.DEBUG or (_is_loopback(host) and settings.SSO_ALLOW_LOOPBACK_HTTP)):
        return url
    raise Invalid(_("地址必须以 https:// 开头"), field=field)


def _single(value) -> str:
    """One attribute value: a multi-valued attribute names nobody in particular."""
    if isinstance(value, list):
        value = value[0] if len(set(value)) == 1 else None
    return str(value).strip() if value not in (None, "") else ""


# --- CAS -----------------------------------------------------------------------------------

def _cas_client(provider: SchoolIdentityProvider, service_url: str):
    server = provider.cas_server_url.rstrip("/") + "/"
    return cas.CASClient(version=int(provider.cas_version), server_url=server,
                         service_url=service_url, session=_Http())


def cas_login_url(provider: SchoolIdentityProvider, service_url: str) -> str:
    return _cas_client(provider, service_url).get_login_url()


def cas_assertion(provider: SchoolIdentityProvider, ticket: str, service_url: str) -> Assertion:
    """Ask the CAS server whether `ticket` was issued for `service_url` (serviceValidate,
    or p3/serviceValidate for CAS 3.0, which carries attributes)."""
    try:
        user, attributes, _pgt = _cas_client(provider, service_url).verify_ticket(ticket)
    except (requests.RequestException, ParseError, IndexError, AttributeError, Invalid):
        raise SignInRefused("invalid_response", NO_ANSWER) from None
    if not user:
        raise SignInRefused("invalid_ticket", BAD_TICKET)
    attributes = attributes or {}
    attribute = provider.member_number_attribute
    number = _single(attributes.get(attribute)) if attribute else user.strip()
    name = next((_single(attributes.get(key)) for key in NAME_ATTRIBUTES
                 if _single(attributes.get(key))), "")
    return Assertion(subject=user.strip(), member_number=number, name=name)


def cas_logout_ticket(body: str) -> str:
    """The service ticket a CAS single-logout request names (its SessionIndex), or "".
    Parsed without entities or network: anyone may POST here."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body.encode(), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return ""
    found = root.xpath("//samlp:SessionIndex",
                       namespaces={"samlp": "urn:oasis:names:tc:SAML:2.0:protocol"})
    return (found[0].text or "").strip() if found else ""


# --- OpenID Connect ------------------------------------------------------------------------

def oidc_metadata(provider: SchoolIdentityProvider) -> dict:
    """The provider's discovery document, checked and cached for an hour."""
    key = f"sso:oidc-metadata:{provider.oidc_discovery_url}"
    metadata = cache.get(key)
    if metadata is not None:
        return metadata
    try:
        response = _Http().get(provider.oidc_discovery_url)
        response.raise_for_status()
        metadata = response.json()
        for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            check_provider_url(metadata[name], field=name)
    except (requests.RequestException, ValueError, KeyError, TypeError, Invalid):
        raise SignInRefused("invalid_response", NO_ANSWER) from None
    cache.set(key, metadata, DISCOVERY_CACHE_S)
    return metadata


def _oauth(provider: SchoolIdentityProvider, redirect_uri: str, metadata: dict) -> OAuth2Session:
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    return _OAuthHttp(provider.oidc_client_id, provider.oidc_client_secret,
                      scope=provider.oidc_scopes, redirect_uri=redirect_uri,
                      code_challenge_method="S256", token_endpoint_auth_method=method)


def oidc_start(provider: SchoolIdentityProvider, redirect_uri: str) -> tuple[str, dict]:
    """The authorization URL, and what the callback must find again (kept in the session)."""
    metadata = oidc_metadata(provider)
    pending = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32),
               "verifier": secrets.token_urlsafe(64)}
    url, _state = _oauth(provider, redirect_uri, metadata).create_authorization_url(
        metadata["authorization_endpoint"], state=pending["state"], nonce=pending["nonce"],
        code_verifier=pending["verifier"])
    return url, pending


def oidc_assertion(provider: SchoolIdentityProvider, redirect_uri: str, code: str,
                   pending: dict) -> Assertion:
    """Trade the code (with the PKCE verifier) for tokens; the ID token must be signed by
    a key of the provider's JWKS and be for this client, from this issuer, with our nonce."""
    metadata = oidc_metadata(provider)
    session = _oauth(provider, redirect_uri, metadata)
    try:
        token = session.fetch_token(metadata["token_endpoint"], code=code,
                                    code_verifier=pending["verifier"])
        keys = KeySet.import_key_set(_Http().get(metadata["jwks_uri"]).json())
        algorithms = [a for a in metadata.get("id_token_signing_alg_values_supported", ["RS256"])
                      if a in ID_TOKEN_ALGORITHMS]
        claims = jwt.decode(token["id_token"], keys, algorithms=algorithms).claims
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": provider.oidc_client_id},
            sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
            nonce={"essential": True, "value": pending["nonce"]},
        ).validate(claims)
    except OAuthError:  # the token endpoint refused the code (used, expired, not ours)
        raise SignInRefused("code_refused", BAD_TICKET) from None
    except (JoseError, ValueError, KeyError, TypeError, requests.RequestException,
            Invalid) as error:
        raise SignInRefused(
            "invalid_id_token" if isinstance(error, JoseError) else "invalid_response",
            BAD_ANSWER) from None
    claim = provider.member_number_attribute or "sub"
    number = _single(claims.get(claim))
    name = _single(claims.get("name"))
    if claim not in claims and metadata.get("userinfo_endpoint"):
        info = _userinfo(session, metadata["userinfo_endpoint"], claims["sub"])
        number, name = _single(info.get(claim)), name or _single(info.get("name"))
    return Assertion(subject=str(claims["sub"]), member_number=number, name=name)


def _userinfo(session: OAuth2Session, url: str, sub: str) -> dict:
    try:
        info = session.get(url).json()
    except (requests.RequestException, ValueError, Invalid):
        raise SignInRefused("invalid_response", BAD_ANSWER) from None
    if not isinstance(info, dict) or info.get("sub") != sub:  # OIDC Core 5.3.2
        raise SignInRefused("invalid_response", BAD_ANSWER)
    return info
