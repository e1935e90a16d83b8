"""Apps and tokens for the open platform's tests.

Tokens are minted here the way django-oauth-toolkit stores them (hashed at
rest), for tests of what a token may do; the OAuth flows themselves are tested
over HTTP in tests/openapi/test_oauth_flows.py.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone
from oauth2_provider.models import AccessToken, set_token_value

from openapi_plugins.models import AppProfile
from openapi_plugins.services import install_app, register_app
from tests.factories import actor_for, make_user
from yiban_core.privacy.consent_services import record_app_consent


def make_user_app(developer=None, *, scopes=("profile", "feed:read"),
                  redirect_uris="https://app.example.com/callback",
                  **kwargs) -> tuple[AppProfile, str]:
    developer = developer or make_user()
    return register_app(actor=actor_for(developer), name=kwargs.pop("name", "学习助手"),
                        kind="user", scopes=list(scopes), redirect_uris=redirect_uris, **kwargs)


def make_school_app(school, *, scopes=("school:roster", "groups:read"), installed=True,
                    admin=None, developer=None, **kwargs) -> tuple[AppProfile, str]:
    """A school app for `school`, installed by an administrator of it (approving every scope)."""
    developer = developer or make_user()
    app, secret = register_app(actor=actor_for(developer), name=kwargs.pop("name", "教务系统"),
                               kind="school", scopes=list(scopes), school=school, **kwargs)
    if installed:
        if admin is None:
            admin = make_user(school=school, role="staff")
            school.administrators.add(admin)
        install_app(actor=actor_for(admin), app=app, scopes=list(scopes))
    return app, secret


def mint_token(app: AppProfile, *, user=None, scopes=None, expires_in_s: int = 3600) -> str:
    """A bearer token for `app` (and `user`, for a user app), as the token endpoint issues."""
    raw = secrets.token_urlsafe(30)
    token = AccessToken(application=app.application, user=user,
                        scope=" ".join(scopes if scopes is not None else app.scopes),
                        expires=timezone.now() + timedelta(seconds=expires_in_s))
    set_token_value(token, raw)
    token.save()
    if user is not None and "profile:verified" in token.scope.split():
        # What the consent page records when the person grants it.
        record_app_consent(user=user, application=app.application)
    return raw


def graphql(client, query: str, token: str | None = None, **variables: Any):
    """POST to /graphql with a bearer token; returns the response."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return client.post("/graphql", data=json.dumps({"query": query, "variables": variables}),
                       content_type="application/json", headers=headers)
