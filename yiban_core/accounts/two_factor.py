"""Two-factor sign-in (TOTP through django-otp) for the people who can do the most.

Site admins (the admin site) and school administrators (a school's apps and roster
import) enrol an authenticator app; with ADMIN_REQUIRE_2FA on, the pages marked
`two_factor_required` and the admin site want a session that has also entered a code
from it (or one of ten one-time backup codes, for a lost phone). Wrong codes are
throttled by django-otp itself: each failure doubles the wait before the device
accepts another try (1 s, 2 s, 4 s ...).

The rules (who needs it, whether this request must still verify) and every write of
a device are here; the pages are frontend/views/two_factor.py.
"""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import Conflict, Invalid, RateLimited

BACKUP_CODE_COUNT = 10
DEVICE_NAME = "authenticator"


# ---- rules -------------------------------------------------------------------------------


def needs_two_factor(user) -> bool:
    """Site admins, staff of the admin site and the administrators of a school."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_site_admin or user.administered_schools.exists()


def verified_device(request) -> Device | None:
    """The device this session passed the second factor with (django_otp.login keeps it
    in the session). By hand rather than django_otp's OTPMiddleware, which would set
    `user.is_verified`: on our User that is the school verification."""
    user = request.user
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if not user.is_authenticated or not persistent_id:
        return None
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != user.pk or not device.confirmed:
        del request.session[DEVICE_ID_SESSION_KEY]  # removed, or someone else's
        return None
    return device


def must_verify(request) -> bool:
    """Whether this request has to pass a second factor before a guarded page."""
    return (settings.ADMIN_REQUIRE_2FA and needs_two_factor(request.user)
            and verified_device(request) is None)


def enrolled(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_of(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in: base32, in groups of four."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def two_factor_required(view):
    """Mark a view as one that wants a verified second factor (TwoFactorMiddleware)."""
    view.two_factor_required = True
    return view


class TwoFactorMiddleware:
    """Sends whoever must verify from a guarded page (the admin site, views marked
    `two_factor_required`) to enrol, or to enter a code, and back afterwards."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        admin_site = (match is not None and match.app_name == "admin"
                      and match.url_name not in ("login", "logout"))
        if not (admin_site or getattr(view_func, "two_factor_required", False)):
            return None
        if not must_verify(request):
            return None
        page = "two_factor_verify" if enrolled(request.user) else "two_factor"
        return redirect(reverse(page) + "?" + urlencode({"next": request.get_full_path()}))


# ---- writes ------------------------------------------------------------------------------


def start_enrolment(*, actor: Actor) -> TOTPDevice:
    """The device being set up: a new key, kept unconfirmed until a code from it matches."""
    user = actor.require_user()
    if enrolled(user):
        raise Conflict(_("已经启用了两步验证"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _check(device: Device, token: str) -> bool:
    """Verify a code against one device; a throttled device refuses before it looks."""
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, details = device.verify_is_allowed()
        if not allowed:
            wait = (details or {}).get("locked_until")
            seconds = max(1, int((wait - timezone.now()).total_seconds()) + 1) if wait else 1
            raise RateLimited(_("验证码错误次数过多，请 %(seconds)d 秒后再试")
                              % {"seconds": seconds}, field="token")
        return device.verify_token(token)


def _clean(token: str) -> str:
    return "".join((token or "").split()).lower()


def confirm_enrolment(*, actor: Actor, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the new device with a code from it; returns it and fresh backup codes,
    shown once."""
    user = actor.require_user()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or enrolled(user):
        raise Conflict(_("没有待确认的验证器，请刷新页面重新开始"))
    if not _check(device, _clean(token)):
        raise Invalid(_("验证码不正确，请输入验证器上当前显示的 6 位数字"), field="token")
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        StaticDevice.objects.filter(user=user).delete()
        backup = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=backup, token=c) for c in codes)
    return device, codes


def verify(*, actor: Actor, token: str) -> Device:
    """The device a code belongs to: six digits for the authenticator, else a backup
    code (each works once)."""
    user = actor.require_user()
    token = _clean(token)
    if not enrolled(user):
        raise Conflict(_("还没有启用两步验证"))
    if token.isdigit():
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    for device in devices:
        if token and _check(device, token):
            return device
    raise Invalid(_("验证码不正确"), field="token")


def remove(*, actor: Actor, token: str) -> None:
    """Turn two-factor off: only with a valid code, so a borrowed session cannot."""
    user = actor.require_user()
    verify(actor=actor, token=token)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
