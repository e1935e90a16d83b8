"""/o/authorize/: django-oauth-toolkit's AuthorizationView, with the platform's rules.

- The request is checked before anything else happens, for a visitor who is not
  signed in too: a bad request goes back to the app (or, with an unknown client or
  redirect URI, to an error page), not through the login page first.
- PKCE is S256 only (RFC 9700 2.1.1): `code_challenge_method=plain`, or a challenge
  without a method (which RFC 7636 reads as plain), is `invalid_request` before the
  consent page, so nothing is stored; a missing challenge is refused the same way.
- `prompt=none` (OpenID Connect Core 3.1.2.6): never a page. Without a session the
  app gets `login_required`; with one, a code when the consent page would have been
  skipped (the same rule: an earlier grant of these scopes, `approval_prompt=auto`)
  and `consent_required` otherwise. The state comes back in each answer.
- `prompt=login` (OpenID Connect Core 3.1.2.1): the person signs in again: the
  login page with `reauth` shows its form even to a signed-in person (nobody is
  logged out by a link) and comes back to the request without the prompt; the ID
  token's `auth_time` is that new sign-in.
- Every answer redirected to the app carries `iss` (RFC 9207), errors included.
- Granting `profile:verified` (the person's real name and 学号) is recorded as the
  person's consent for that app (同意记录), which they can withdraw later.
"""

from __future__ import annotations

from oauth2_provider import views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_backends import _add_iss_to_redirect
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import add_params_to_uri
from oauthlib.oauth2.rfc6749.errors import InvalidRequestError
from oauthlib.openid.connect.core.exceptions import ConsentRequired, LoginRequired

from yiban_core.privacy.consent_services import REAL_NAME_SCOPE, record_app_consent


def _prompt(request) -> set[str]:
    return set(request.GET.get("prompt", "").split())


class AuthorizationView(views.AuthorizationView):
    silent = False

    def dispatch(self, request, *args, **kwargs):
        self.silent = request.method == "GET" and "none" in _prompt(request)
        if request.method == "GET" and not request.user.is_authenticated:
            self.oauth2_data = {}
            try:
                _scopes, credentials = self.validate_authorization_request(request)
            except OAuthToolkitError as error:
                return self.error_response(error, application=None)
            if self.silent:
                return self.refuse(LoginRequired(state=credentials.get("state")), credentials)
            if "login" in _prompt(request):
                return self.handle_prompt_login()  # its `next` drops the prompt: no loop
        return super().dispatch(request, *args, **kwargs)  # login first, then the page

    def validate_authorization_request(self, request):
        scopes, credentials = super().validate_authorization_request(request)
        if "none" in _prompt(request) and len(_prompt(request)) > 1:
            self.raise_invalid("prompt=none cannot be combined with other values", credentials)
        if credentials.get("code_challenge_method") != "S256":
            self.raise_invalid('PKCE is required with code_challenge_method "S256"', credentials)
        self.credentials = credentials
        return scopes, credentials

    @staticmethod
    def raise_invalid(description: str, credentials: dict):
        raise OAuthToolkitError(
            error=InvalidRequestError(description=description, state=credentials.get("state")),
            redirect_uri=credentials["redirect_uri"])

    def handle_prompt_login(self):
        response = super().handle_prompt_login()
        response["Location"] = add_params_to_uri(response["Location"], [("reauth", "1")])
        return response

    def render_to_response(self, context, **response_kwargs):
        # The consent page is about to be shown: a silent request gets consent_required
        # instead. Error pages (an unknown client or redirect URI) are still pages.
        if self.silent and "error" not in context:
            return self.refuse(ConsentRequired(state=self.credentials.get("state")),
                               self.credentials)
        return super().render_to_response(context, **response_kwargs)

    def refuse(self, error, credentials: dict):
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        return self.error_response(
            OAuthToolkitError(error=error, redirect_uri=credentials["redirect_uri"]), application)

    def create_authorization_response(self, request, scopes, credentials, allow):
        answer = super().create_authorization_response(request, scopes, credentials, allow)
        if allow and REAL_NAME_SCOPE in (scopes or "").split() and request.user.is_authenticated:
            application = get_application_model().objects.get(client_id=credentials["client_id"])
            record_app_consent(user=request.user, application=application)
        return answer

    def redirect(self, redirect_to, application):
        if oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS:
            issuer = oauth2_settings.oauth2_authorization_server_issuer(self.request)
            redirect_to = _add_iss_to_redirect(redirect_to, issuer)
        return super().redirect(redirect_to, application)
