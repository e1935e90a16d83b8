"""What a cancelled account leaves in school sign-in (yiban_core/privacy/closure.py): its
identities at the schools' providers go, so that a later sign-in with the same school
account (the same 学号) finds no account here and makes a new one rather than bringing
the old one back; its CAS tickets go with the sessions they opened."""

from __future__ import annotations

from yiban_core.privacy.registry import erasure
from yiban_core.sso.models import SsoIdentity, SsoTicket


@erasure("sso")
def erase(user, keep_content: bool) -> None:
    SsoIdentity.objects.filter(user=user).delete()
    SsoTicket.objects.filter(user=user).delete()
