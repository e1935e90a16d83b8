"""Erasures declared from the privacy app: its own records, and those of the libraries
that keep something about a person (OAuth tokens and apps, two-factor devices, login
attempts), which have no module of ours to declare them (yiban_core/privacy/closure.py)."""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from yiban_core.privacy.models import AccessRecord, Consent, DataExport
from yiban_core.privacy.registry import erasure


@erasure("privacy")
def erase_privacy(user, keep_content: bool) -> None:
    """Consents, the access log and the exports (their archives removed once the erasure
    commits) go. The closure stays: it is what says the account was erased."""
    Consent.objects.filter(user=user).delete()
    AccessRecord.objects.filter(person=user).delete()
    AccessRecord.objects.filter(by_user=user).update(by_user=None)
    archives = [name for name in DataExport.objects.filter(user=user)
                .values_list("file", flat=True) if name]
    DataExport.objects.filter(user=user).delete()
    if archives:
        storage = DataExport._meta.get_field("file").storage

        def delete_archives() -> None:
            for name in archives:
                storage.delete(name)
        transaction.on_commit(delete_archives)


@erasure("oauth2_provider")
def erase_tokens(user, keep_content: bool) -> None:
    """Every token and grant (revoked already when the closure was asked for; a refresh
    token's revocation row too), and any app still theirs (the openapi_plugins erasure
    deals with those the open platform knows first)."""
    Application.objects.filter(user=user).delete()
    AccessToken.objects.filter(user=user).delete()
    RefreshToken.objects.filter(user=user).delete()
    IDToken.objects.filter(user=user).delete()
    Grant.objects.filter(user=user).delete()


@erasure("otp")
def erase_devices(user, keep_content: bool) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()  # and its backup codes


@erasure("axes")
def erase_login_attempts(user, keep_content: bool) -> None:
    """django-axes keeps attempts by username (no key to the account): those go too."""
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=user.username).delete()
