"""Reads of apps, installs and authorizations."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken, Application, RefreshToken

from openapi_plugins.models import AppProfile, SchoolInstall
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.actor import Actor
from yiban_core.errors import NotFound


def granted_scopes(application: Application) -> set[str]:
    """The most a token of this app may carry: what it registered for, and for a
    school app only what the school's administrator approved."""
    profile = getattr(application, "profile", None)
    if profile is None:
        return set()
    if not profile.is_school_app:
        return set(profile.scopes)
    install = SchoolInstall.objects.filter(app=profile).first()
    return set(profile.scopes) & set(install.scopes) if install else set()


def my_apps(*, actor: Actor) -> QuerySet[AppProfile]:
    """The apps a developer registered."""
    user = actor.require_user()
    return (AppProfile.objects.filter(application__user=user)
            .select_related("application", "school", "install").order_by("-created_at"))


def my_app(*, actor: Actor, pk: int) -> AppProfile:
    app = my_apps(actor=actor).filter(pk=pk).first()
    if app is None:
        raise NotFound(_("没有这个应用"))
    return app


def authorized_apps(*, actor: Actor) -> list[dict]:
    """The user apps a person has granted access to, with the scopes and when."""
    user = actor.require_user()
    rows: dict[int, dict] = {}
    tokens = (AccessToken.objects.filter(user=user, application__isnull=False)
              .select_related("application__profile").order_by("created"))
    refresh = (RefreshToken.objects.filter(user=user, revoked__isnull=True)
               .select_related("application__profile").order_by("created"))
    for token in [*tokens, *refresh]:
        app = token.application
        row = rows.setdefault(app.pk, {"application": app, "scopes": set(), "since": token.created})
        row["scopes"].update((getattr(token, "scope", "") or "").split())
        if isinstance(token, RefreshToken) and token.access_token_id:
            row["scopes"].update(token.access_token.scope.split())
    return [{**row, "scopes": sorted(row["scopes"])} for row in rows.values()]


def installable_apps(*, actor: Actor, school) -> QuerySet[AppProfile]:
    """School apps registered for a school, for its administrators to install or remove."""
    if not is_school_admin(actor.require_user(), school):
        return AppProfile.objects.none()
    return (AppProfile.objects.filter(kind=AppProfile.Kind.SCHOOL, school=school)
            .select_related("application", "install").order_by("application__name"))
