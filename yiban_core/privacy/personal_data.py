"""The privacy app's own records of a person (consents, access log, exports,
cancellations), and the third-party apps' that matter to them: the apps they registered and
the apps they authorized (oauth2_provider), and whether two-factor sign-in is on
(django_otp). Never a secret: no client secret, token, code or OTP key."""

from itertools import chain

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_device_grant_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from yiban_core.privacy.models import AccessRecord, AccountClosure, Consent, DataExport
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import iso, rows

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()
IDToken = get_id_token_model()
DeviceGrant = get_device_grant_model()


def export_privacy(user) -> dict:
    return {
        "consents": rows(
            Consent.objects.filter(user=user).select_related("application").order_by("pk"),
            lambda c: {"purpose": c.get_purpose_display(), "version": c.version,
                       "app": c.application.name if c.application_id else None,
                       "granted_at": iso(c.granted_at), "withdrawn_at": iso(c.withdrawn_at)}),
        "access_log": rows(
            AccessRecord.objects.filter(person=user).order_by("at", "pk"),
            lambda r: {"kind": r.get_kind_display(), "action": r.action, "at": iso(r.at),
                       "by": r.by_name, "place": r.place, "device": r.device}),
        "exports": rows(
            DataExport.objects.filter(user=user).order_by("pk"),
            lambda e: {"requested_at": iso(e.requested_at), "status": e.get_status_display(),
                       "ready_at": iso(e.ready_at)}),
        "account_closures": rows(
            AccountClosure.objects.filter(user=user).order_by("pk"),
            lambda c: {"content": c.get_content_display(), "status": c.get_status_display(),
                       "requested_at": iso(c.requested_at), "erase_after": iso(c.erase_after),
                       "ended_at": iso(c.ended_at)}),
    }


declare(Declaration(app="privacy", title=_("隐私：同意、访问记录与导出"),
                    models=[Consent, AccessRecord, DataExport, AccountClosure],
                    export=export_privacy))


def _authorized(user):
    """One row per app the person let act for them, as 已授权的应用 lists them (from its
    access tokens and its live refresh tokens): its name, the scopes granted, since when.
    The token strings are never read."""
    apps: dict[int, dict] = {}
    tokens = (AccessToken.objects.filter(user=user, application__isnull=False)
              .select_related("application").order_by("created"))
    refresh = (RefreshToken.objects.filter(user=user, revoked__isnull=True,
                                           application__isnull=False)
               .select_related("application", "access_token").order_by("created"))
    for token in chain(tokens.iterator(chunk_size=500), refresh.iterator(chunk_size=500)):
        row = apps.setdefault(token.application_id, {
            "app": token.application.name, "scopes": set(), "since": iso(token.created)})
        scope = getattr(token, "scope", None)
        if scope is None and token.access_token_id:  # a refresh token: its access token's
            scope = token.access_token.scope
        row["scopes"].update((scope or "").split())
    for row in apps.values():
        yield {**row, "scopes": sorted(row["scopes"])}


def export_oauth(user) -> dict:
    return {
        "apps_authorized": _authorized(user),
        "apps_registered": rows(
            Application.objects.filter(user=user).order_by("pk"),
            lambda a: {"name": a.name, "client_id": a.client_id,
                       "client_type": a.client_type, "grant_type": a.authorization_grant_type,
                       "redirect_uris": a.redirect_uris.split(), "created": iso(a.created)}),
    }


declare(Declaration(
    app="oauth2_provider", title=_("第三方应用与授权"),
    models=[Application, AccessToken, RefreshToken, Grant, IDToken, DeviceGrant],
    export=export_oauth,
))


def export_otp(user) -> dict:
    devices = [*TOTPDevice.objects.filter(user=user).order_by("pk"),
               *StaticDevice.objects.filter(user=user).order_by("pk")]
    return {
        "two_factor": any(device.confirmed for device in devices),
        "devices": [{"kind": _("验证器应用") if isinstance(device, TOTPDevice) else _("备用码"),
                     "name": device.name, "confirmed": device.confirmed}
                    for device in devices],
    }


declare(Declaration(app="otp", title=_("两步验证"), models=[TOTPDevice, StaticDevice],
                    export=export_otp))
