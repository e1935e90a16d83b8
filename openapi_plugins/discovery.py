"""Discovery: what /o/.well-known/openid-configuration (OpenID Connect Discovery) and
the RFC 8414 metadata say, generated from what the server is configured to do.

django-oauth-toolkit's documents leave out what this server does (revocation,
introspection, grant types, the claims it issues, public clients) and advertise HS256,
which no app here signs with. Both documents get the same capabilities from here:

- grant types: OAUTH2_GRANT_TYPES_SUPPORTED (authorization code, client credentials,
  refresh token); implicit and password are off;
- client authentication: the settings' list, which has `none` because user apps
  may be public clients (native apps, with PKCE); introspection is for confidential
  clients only (openapi_plugins.introspect_view), so its list has no `none`;
- ID tokens: signed with ID_TOKEN_ALGORITHM, the one algorithm app registration sets;
- claims: what PlatformValidator puts in ID tokens and userinfo;
- one issuer for everything: the RFC 8414 document says the OpenID issuer (`/o`),
  which is also the `iss` of ID tokens and of authorization responses (RFC 9207).
"""

from __future__ import annotations

import json

from oauth2_provider import views
from oauth2_provider.settings import oauth2_settings

from openapi_plugins.services import ID_TOKEN_ALGORITHM


def _capabilities(view, request) -> dict:
    auth_methods = list(oauth2_settings.OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED)
    return {
        "grant_types_supported": list(oauth2_settings.OAUTH2_GRANT_TYPES_SUPPORTED),
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint": view._get_endpoint_url(request, "revoke-token", required=True),
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint": view._get_endpoint_url(request, "introspect", required=True),
        "introspection_endpoint_auth_methods_supported": [
            method for method in auth_methods if method != "none"],
    }


def _with(response, data: dict):
    document = json.loads(response.content)
    document.update(data)
    response.content = json.dumps(document)
    return response


class ConnectDiscoveryInfoView(views.ConnectDiscoveryInfoView):
    def get(self, request, *args, **kwargs):
        return _with(super().get(request, *args, **kwargs), {
            **_capabilities(self, request),
            "id_token_signing_alg_values_supported": [ID_TOKEN_ALGORITHM],
            "claims_supported": oauth2_settings.OAUTH2_VALIDATOR_CLASS().get_discovery_claims(
                request),
        })


class OAuthServerMetadataView(views.OAuthServerMetadataView):
    def get(self, request, *args, **kwargs):
        return _with(super().get(request, *args, **kwargs), {
            **_capabilities(self, request),
            "issuer": oauth2_settings.oidc_issuer(request),
        })
