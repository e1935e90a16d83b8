"""Every change to apps, installs and authorizations."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from openapi_plugins.models import AppProfile, SchoolInstall
from openapi_plugins.scopes import scopes_for_kind
from yiban_core.accounts.models import School
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.actor import Actor, web_session_only
from yiban_core.audit import services as audit
from yiban_core.errors import Invalid, NotFound, PermissionDenied
from yiban_core.images import check_image

MAX_REDIRECT_URIS = 10
LOGO_MAX_BYTES = 512 * 1024


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def clean_redirect_uris(text: str) -> str:
    """One URI per line, exact (no wildcard, no fragment); http only to loopback
    (RFC 8252 native apps), and only where the OAuth settings allow http at all."""
    uris = [line.strip() for line in (text or "").split() if line.strip()]
    if not uris:
        raise Invalid(_("至少填写一个回调地址"), field="redirect_uris")
    if len(uris) > MAX_REDIRECT_URIS:
        raise Invalid(_("回调地址最多 %(n)d 个") % {"n": MAX_REDIRECT_URIS},
                      field="redirect_uris")
    allowed = settings.OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"]
    for uri in uris:
        parts = urlsplit(uri)
        bad = (not parts.hostname or parts.fragment or "*" in uri
               or parts.scheme not in allowed
               or (parts.scheme == "http" and not is_loopback_host(parts.hostname)))
        if bad:
            raise Invalid(_("回调地址不可用：%(uri)s（须为 https，或本机回环地址的 http，"
                            "且不含通配符和 #）") % {"uri": uri}, field="redirect_uris")
    return " ".join(dict.fromkeys(uris))


def clean_scopes(kind: str, scopes) -> list[str]:
    allowed = scopes_for_kind(kind)
    scopes = list(dict.fromkeys(scopes or []))
    unknown = [s for s in scopes if s not in allowed]
    if unknown:
        raise Invalid(_("此类应用不能申请这些权限范围：%(scopes)s") % {"scopes": " ".join(unknown)},
                      field="scopes")
    if not scopes:
        raise Invalid(_("至少选择一个权限范围"), field="scopes")
    return scopes


# The one algorithm ID tokens are signed with (discovery advertises it): RS256, so a
# relying party checks them with the public JWKS, never with its own client secret.
ID_TOKEN_ALGORITHM = Application.RS256_ALGORITHM


@web_session_only(gettext_lazy("只能在网页上登记应用"))
def register_app(*, actor: Actor, name: str, kind: str, scopes, redirect_uris: str = "",
                 description: str = "", homepage: str = "", logo=None,
                 school: School | None = None, confidential: bool = True
                 ) -> tuple[AppProfile, str]:
    """Register an app; returns it and its client secret, which is shown only now
    (it is stored hashed). A user app uses the authorization code flow with PKCE;
    a school app uses client credentials for the school it names."""
    user = actor.require_user()
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid(_("应用名称为 1 到 100 个字"), field="name")
    if kind not in AppProfile.Kind.values:
        raise Invalid(_("请选择应用类型"), field="kind")
    scopes = clean_scopes(kind, scopes)
    if kind == AppProfile.Kind.SCHOOL:
        if school is None:
            raise Invalid(_("学校应用须选择它服务的学校"), field="school")
        grant_type, uris = Application.GRANT_CLIENT_CREDENTIALS, ""
        client_type = Application.CLIENT_CONFIDENTIAL
    else:
        school = None
        grant_type = Application.GRANT_AUTHORIZATION_CODE
        uris = clean_redirect_uris(redirect_uris)
        client_type = (Application.CLIENT_CONFIDENTIAL if confidential
                       else Application.CLIENT_PUBLIC)
    if logo:
        check_image(logo, field="logo", max_bytes=LOGO_MAX_BYTES)
    secret = generate_client_secret()
    with transaction.atomic():
        application = Application.objects.create(
            user=user, name=name, client_type=client_type, authorization_grant_type=grant_type,
            redirect_uris=uris, client_secret=secret, hash_client_secret=True,
            algorithm=ID_TOKEN_ALGORITHM if kind == "user" else Application.NO_ALGORITHM,
            skip_authorization=False,
        )
        profile = AppProfile(application=application, kind=kind, scopes=scopes, school=school,
                             description=(description or "").strip()[:500],
                             homepage=(homepage or "").strip())
        if logo:
            profile.logo.save(logo.name, logo, save=False)
        profile.full_clean(exclude=["application", "logo"])
        profile.save()
    return profile, secret


def require_app_owner(actor: Actor, app: AppProfile) -> None:
    if actor.scopes is not None or app.application.user_id != actor.require_user().pk:
        raise PermissionDenied(_("这不是你登记的应用"))


@web_session_only(gettext_lazy("只能在网页上管理应用"))
def rotate_secret(*, actor: Actor, app: AppProfile) -> str:
    """A new client secret (shown once); the old one stops working at once."""
    require_app_owner(actor, app)
    secret = generate_client_secret()
    application = app.application
    application.client_secret = secret
    application.save(update_fields=["client_secret"])
    return secret


def _revoke_tokens(application: Application, user=None) -> None:
    filters = {"application": application, **({"user": user} if user is not None else {})}
    for refresh in RefreshToken.objects.filter(**filters, revoked__isnull=True):
        refresh.revoke()
    AccessToken.objects.filter(**filters).delete()
    IDToken.objects.filter(**filters).delete()
    Grant.objects.filter(**filters).delete()


@web_session_only(gettext_lazy("只能在网页上管理应用"))
def delete_app(*, actor: Actor, app: AppProfile) -> None:
    require_app_owner(actor, app)
    with transaction.atomic():
        app.application.delete()  # tokens and grants go with it (cascade)


@web_session_only(gettext_lazy("只能在网页上安装应用"))
def install_app(*, actor: Actor, app: AppProfile, scopes) -> SchoolInstall:
    """A school's administrator installs a school app, approving some of its scopes."""
    user = actor.require_user()
    if not app.is_school_app or not is_school_admin(user, app.school):
        raise PermissionDenied(_("只有该校管理员可以安装此应用"))
    approved = [s for s in dict.fromkeys(scopes or []) if s in app.scopes]
    if not approved:
        raise Invalid(_("至少批准一个权限范围"), field="scopes")
    with transaction.atomic():
        install, created = SchoolInstall.objects.update_or_create(
            app=app, defaults={"school": app.school, "scopes": approved, "installed_by": user})
        if not created:  # fewer scopes now: tokens issued before carry the old ones
            _revoke_tokens(app.application)
        audit.record("school.install", by=actor, app_id=app.application_id, target=app,
                     school=app.school_id, detail={"scopes": approved, "updated": not created})
    return install


@web_session_only(gettext_lazy("只能在网页上管理应用"))
def uninstall_app(*, actor: Actor, app: AppProfile) -> None:
    """Remove a school app from its school; its tokens stop working at once."""
    if not app.is_school_app or not is_school_admin(actor.require_user(), app.school):
        raise PermissionDenied(_("只有该校管理员可以卸载此应用"))
    with transaction.atomic():
        deleted, _details = SchoolInstall.objects.filter(app=app).delete()
        if not deleted:
            raise NotFound(_("此应用没有安装"))
        _revoke_tokens(app.application)
        audit.record("school.uninstall", by=actor, app_id=app.application_id, target=app,
                     school=app.school_id)


@web_session_only(gettext_lazy("只能在网页上撤销授权"))
def revoke_authorization(*, actor: Actor, application_id: int) -> None:
    """A person withdraws an app's access to their account: every token it holds goes."""
    user = actor.require_user()
    application = Application.objects.filter(pk=application_id).first()
    if application is None:
        raise NotFound(_("没有这个应用"))
    with transaction.atomic():
        _revoke_tokens(application, user=user)
        audit.record("token.revoked", by=actor, app_id=application.pk,
                     target=application, detail={"by": "user", "all_tokens": True})
