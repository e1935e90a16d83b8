"""Sign-ins into a person's access log, from django.contrib.auth's signals: every way in
(the password form, a school's CAS or OIDC sign-in, registration, claiming an account)
ends in `login()`, which sends user_logged_in. A view that signs in by other means than
the password says how on the request (`request.sign_in_how`). Failed passwords for the
person's username and django-axes' lockouts are in their log too: "someone tried my
password" is what a student wants to see."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed

from yiban_core.privacy.access_log import record_sign_in


def on_logged_in(sender, request, user, **kwargs) -> None:
    record_sign_in(user, request, how=getattr(request, "sign_in_how", "password"))


def _failed(username, request, failed: str) -> None:
    username = str(username or "")[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is not None:  # an unknown name has nobody's log to go to
        record_sign_in(user, request, how="password", failed=failed)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    _failed(credentials.get("username"), request, "password")


def on_locked_out(sender, request=None, username=None, **kwargs) -> None:
    _failed(username, request, "locked_out")


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="privacy_logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid="privacy_login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="privacy_locked_out")
