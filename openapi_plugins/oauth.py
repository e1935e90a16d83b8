"""django-oauth-toolkit's validator, taught the platform's rules.

- client credentials only for a school app its school has installed;
- scopes cut to what the app registered for (and the school approved), through
  openapi_plugins.scopes.PlatformScopes;
- OpenID claims: the public profile under `profile` (its `school` only once the
  school verified the user), the real name and member number under
  `profile:verified`, and only for a verified user;
- every token issued and revoked at the endpoints is audited, in the transaction that
  stores or revokes it.
"""

from __future__ import annotations

import hashlib

from django.db import router, transaction
from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator

from openapi_plugins.models import AppProfile, SchoolInstall
from yiban_core.actor import Actor
from yiban_core.audit import services as audit
from yiban_core.privacy import access_log
from yiban_core.privacy.consent_selectors import has_app_consent


def _audit_token(action: str, request, *, user=None, detail: dict) -> None:
    client = request.client
    school_id = (AppProfile.objects.filter(application=client, kind=AppProfile.Kind.SCHOOL)
                 .values_list("school_id", flat=True).first())
    audit.record(action, user=user, app_id=client.pk, target=client, school=school_id,
                 detail=detail)


def _log_claims_read(request, user) -> None:
    """The app read the person's real name and 学号 in an ID token or at userinfo."""
    client = getattr(request, "client", None) or getattr(
        getattr(request, "access_token", None), "application", None)
    if client is None:
        return
    access_log.record_read([user], actor=Actor(user=user, app_id=client.pk), door="oidc",
                           fields=[access_log.REAL_NAME, access_log.MEMBER_NUMBER])


# What an ID token carries besides the person's claims (oauthlib and DOT add them;
# `nonce` when the request sent one).
ID_TOKEN_CLAIMS = ("iss", "aud", "exp", "iat", "auth_time", "jti", "at_hash", "nonce")


class PlatformValidator(OAuth2Validator):
    # Every claim about the person and the scope that releases it: discovery's
    # claims_supported is this and ID_TOKEN_CLAIMS.
    oidc_claim_scope = {
        "sub": "openid",
        "preferred_username": "profile",
        "nickname": "profile",
        "school": "profile",
        "name": "profile:verified",
        "member_number": "profile:verified",
        "verified": "profile:verified",
    }

    def save_bearer_token(self, token, request, *args, **kwargs):
        with transaction.atomic(using=router.db_for_write(AccessToken)):
            saved = super().save_bearer_token(token, request, *args, **kwargs)
            _audit_token("token.issued", request, user=getattr(request, "user", None),
                         detail={"grant_type": request.grant_type,
                                 "scope": token.get("scope", "")})
            return saved

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        """RFC 7009: audited when a token of the asking client was found and revoked."""
        mine = {"token_checksum": hashlib.sha256(token.encode("utf-8")).hexdigest(),
                "application_id": getattr(request.client, "pk", None)}
        with transaction.atomic(using=router.db_for_write(AccessToken)):
            found = mine["application_id"] and (
                AccessToken.objects.filter(**mine).select_related("user").first()
                or RefreshToken.objects.filter(**mine, revoked__isnull=True)
                .select_related("user").first())
            super().revoke_token(token, token_type_hint, request, *args, **kwargs)
            if found:
                _audit_token("token.revoked", request, user=found.user,
                             detail={"by": "client", "token_type": found._meta.model_name})

    def get_discovery_claims(self, request):
        return sorted({*self.oidc_claim_scope, *ID_TOKEN_CLAIMS})

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        if not super().validate_grant_type(client_id, grant_type, client, request,
                                           *args, **kwargs):
            return False
        if grant_type == "client_credentials":
            return SchoolInstall.objects.filter(app__application=client).exists()
        return True

    # prompt=none: oauthlib asks these, but its request carries no session; the
    # authorization view answers login_required / consent_required itself
    # (openapi_plugins.authorize_view), so here they only must not raise.
    def validate_silent_login(self, request):
        return True

    def validate_silent_authorization(self, request):
        return True

    def get_additional_claims(self, request):
        user = request.user
        claims = {
            "preferred_username": user.username,
            "nickname": user.display_name,
            # Only a school's word counts: an unverified account picks its school freely,
            # and a relying party must not take that for membership.
            "school": user.school.name if user.verified_school_id is not None else None,
        }
        # The real name and 学号 also need the person's live consent for the app asking (a
        # withdrawal narrows the tokens; this covers a code issued before it). The token
        # and userinfo endpoints always name the client.
        client = getattr(request, "client", None)
        if user.is_verified and (client is None or has_app_consent(user, client.pk)):
            claims["name"] = f"{user.last_name}{user.first_name}" or user.display_name
            claims["member_number"] = user.member_number
            claims["verified"] = True
            if "profile:verified" in (request.scopes or ()):
                _log_claims_read(request, user)
        return claims
