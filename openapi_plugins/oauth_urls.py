"""/o/: django-oauth-toolkit's endpoints that the platform uses.

Authorization, token, revocation, introspection and OpenID Connect (discovery,
JWKS, userinfo). The token endpoint counts failed client authentications
(openapi_plugins.token_view). Not mounted: the device flow, dynamic client registration and
DOT's own app and token pages (the developer console and the user's authorized
apps page do that, in the site's look).
"""

from django.urls import path, re_path
from oauth2_provider import views

from openapi_plugins.authorize_view import AuthorizationView
from openapi_plugins.discovery import ConnectDiscoveryInfoView, OAuthServerMetadataView
from openapi_plugins.form_action import allow_oauth_redirect
from openapi_plugins.introspect_view import IntrospectTokenView
from openapi_plugins.token_view import TokenView

app_name = "oauth2_provider"

urlpatterns = [
    # S256 only and prompt=none (openapi_plugins.authorize_view)
    path("authorize/", allow_oauth_redirect(AuthorizationView.as_view()), name="authorize"),
    path("token/", TokenView.as_view(), name="token"),  # limits failed client auth
    path("revoke_token/", views.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", IntrospectTokenView.as_view(), name="introspect"),  # own tokens only
    re_path(r"^\.well-known/openid-configuration/?$", ConnectDiscoveryInfoView.as_view(),
            name="oidc-connect-discovery-info"),
    path(".well-known/jwks.json", views.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path(".well-known/oauth-authorization-server", OAuthServerMetadataView.as_view(),
         name="oauth-server-metadata"),
]
