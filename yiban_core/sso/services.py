"""Every write of school sign-in: its configuration, and the account a sign-in opens.

The account: the one this provider's subject opened before; else the one with the
school's member number (the roster created it, or the school verified it), linked now
and verified; else a new verified account. Never by name or e-mail. The member number is
only ever looked up within the provider's own school.
"""

from __future__ import annotations

import re
import secrets
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiban_core.accounts.models import Profile, School, User
from yiban_core.accounts.services import MEMBER_NUMBER_RE
from yiban_core.actor import Actor, web_session_only
from yiban_core.errors import Invalid, PermissionDenied
from yiban_core.groups.services import join_school_group
from yiban_core.search.services import index_later
from yiban_core.sso.models import SchoolIdentityProvider, SsoIdentity, SsoTicket
from yiban_core.sso.protocols import BAD_ANSWER, BAD_TICKET, Assertion, check_provider_url
from yiban_core.sso.rules import may_configure_sso
from yiban_core.sso.security import SignInRefused

ATTRIBUTE_RE = re.compile(r"^[A-Za-z0-9_:.\-]{1,100}$")
SCOPE_RE = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]+$")  # RFC 6749 scope-token


def _text(value: str, *, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise Invalid(_("不能超过 %(n)d 个字") % {"n": max_length}, field=field)
    return value


def clean_provider(provider: SchoolIdentityProvider) -> None:
    """Check and normalise a provider's fields in place (the page, the admin site)."""
    if provider.kind not in SchoolIdentityProvider.Kind.values:
        raise Invalid(_("请选择 CAS 或 OIDC"), field="kind")
    provider.display_name = _text(provider.display_name, field="display_name", max_length=60)
    attribute = _text(provider.member_number_attribute, field="member_number_attribute",
                      max_length=100)
    if attribute and not ATTRIBUTE_RE.match(attribute):
        raise Invalid(_("属性名只能包含字母、数字和 _ : . -"), field="member_number_attribute")
    provider.member_number_attribute = attribute
    if provider.kind == SchoolIdentityProvider.Kind.CAS:
        if not (provider.cas_server_url or "").strip():
            raise Invalid(_("请填写 CAS 服务器地址"), field="cas_server_url")
        url = check_provider_url(provider.cas_server_url, field="cas_server_url")
        if "?" in url:
            raise Invalid(_("CAS 服务器地址不能带查询参数"), field="cas_server_url")
        provider.cas_server_url = url.rstrip("/") + "/"
        if provider.cas_version not in SchoolIdentityProvider.CasVersion.values:
            raise Invalid(_("CAS 协议版本应为 2 或 3"), field="cas_version")
        return
    if not (provider.oidc_discovery_url or "").strip():
        raise Invalid(_("请填写 OIDC 发现文档地址"), field="oidc_discovery_url")
    provider.oidc_discovery_url = check_provider_url(provider.oidc_discovery_url,
                                                     field="oidc_discovery_url")
    provider.oidc_client_id = _text(provider.oidc_client_id, field="oidc_client_id",
                                    max_length=200)
    if not provider.oidc_client_id:
        raise Invalid(_("请填写客户端 ID"), field="oidc_client_id")
    if not provider.oidc_client_secret:
        raise Invalid(_("请填写客户端密钥"), field="oidc_client_secret")
    scopes = (provider.oidc_scopes or "").split()
    if "openid" not in scopes or not all(SCOPE_RE.match(scope) for scope in scopes):
        raise Invalid(_("权限范围须包含 openid，以空格分隔"), field="oidc_scopes")
    provider.oidc_scopes = " ".join(dict.fromkeys(scopes))


@web_session_only(gettext_lazy("统一身份认证只能在网页上设置"))
def configure_sso(*, actor: Actor, school: School, kind: str, enabled: bool = True,
                  display_name: str = "", cas_server_url: str = "", cas_version: str = "3",
                  oidc_discovery_url: str = "", oidc_client_id: str = "",
                  oidc_client_secret: str | None = None, oidc_scopes: str = "openid profile",
                  member_number_attribute: str = "") -> SchoolIdentityProvider:
    """Set `school`'s sign-in (one per school). `oidc_client_secret` None keeps the stored
    one, so a page never has to show it back."""
    if not may_configure_sso(actor.require_user(), school):
        raise PermissionDenied(_("只有学校管理员可以设置统一身份认证"))
    provider = SchoolIdentityProvider.objects.filter(school=school).first() or \
        SchoolIdentityProvider(school=school)
    provider.kind, provider.enabled, provider.display_name = kind, bool(enabled), display_name
    provider.cas_server_url, provider.cas_version = cas_server_url, str(cas_version)
    provider.oidc_discovery_url, provider.oidc_client_id = oidc_discovery_url, oidc_client_id
    if oidc_client_secret:
        provider.oidc_client_secret = oidc_client_secret.strip()
    provider.oidc_scopes = oidc_scopes
    provider.member_number_attribute = member_number_attribute
    clean_provider(provider)
    with transaction.atomic():
        provider.save()
    return provider


def _username_for(school: School, member_number: str) -> str:
    base = re.sub(r"[^a-z0-9_.-]", "", f"s{school.pk}-{member_number.lower()}")[:26]
    username = base
    while User.objects.filter(username__iexact=username).exists():
        username = f"{base}-{secrets.token_hex(2)}"
    return username


def _check_account(user: User, assertion: Assertion) -> None:
    if not user.is_active:
        raise SignInRefused("account_disabled", _("该账号已停用，请联系学校管理员"))
    if user.is_site_admin or user.is_staff:
        # A school's provider speaks for its members, not for the site's administrators.
        raise SignInRefused("site_admin", _("站点管理员账号请使用密码登录"))


def account_for(*, provider: SchoolIdentityProvider, assertion: Assertion) -> User:
    """The account the provider's assertion opens (see the top of the module)."""
    school, number = provider.school, assertion.member_number
    if not MEMBER_NUMBER_RE.match(number or ""):
        raise SignInRefused("no_member_number",
                            _("学校统一身份认证没有提供有效的学号/工号，请联系学校管理员"))
    if not assertion.subject or len(assertion.subject) > 255:
        raise SignInRefused("invalid_response", BAD_ANSWER)
    now = timezone.now()
    try:
        with transaction.atomic():
            identity = (SsoIdentity.objects.select_for_update().select_related("user")
                        .filter(provider=provider, subject=assertion.subject).first())
            if identity is not None:
                user = identity.user
                if user.school_id != school.pk or user.member_number != number:
                    raise SignInRefused("member_number_mismatch", _(
                        "学校统一身份认证提供的学号/工号与已关联的账号不一致，请联系学校管理员"))
                _check_account(user, assertion)
                identity.last_login_at = now
                identity.save(update_fields=["last_login_at"])
                return user
            user = User.objects.select_for_update().filter(school=school,
                                                           member_number=number).first()
            if user is None:
                user = User(username=_username_for(school, number), school=school,
                            member_number=number, verified_at=now,
                            display_name=(assertion.name or number)[:40])
                user.set_unusable_password()
                user.save()
                Profile.objects.create(user=user)
            else:
                if SsoIdentity.objects.filter(provider=provider, user=user).exists():
                    # Another subject of this provider opened this account: the number
                    # is someone else's.
                    raise SignInRefused("member_number_taken", _(
                        "该学号/工号已关联到学校统一身份认证的另一个账号，请联系学校管理员"))
                _check_account(user, assertion)
                if user.verified_at is None:
                    user.verified_at = now
                    user.save(update_fields=["verified_at"])
            SsoIdentity.objects.create(provider=provider, subject=assertion.subject, user=user,
                                       last_login_at=now)
            join_school_group(user=user)
            index_later("user", user.pk)
    except IntegrityError:  # the same person signing in twice at the same moment
        raise SignInRefused("conflict", _("登录冲突，请重试")) from None
    return user


# --- CAS tickets: taken once, and the session each opened (single logout) -------------------

def claim_ticket(*, provider: SchoolIdentityProvider, ticket: str) -> SsoTicket:
    """Take a CAS service ticket before asking the server about it: a ticket seen before
    (even one the server refused) is a replay."""
    if not ticket or len(ticket) > 256:
        raise SignInRefused("invalid_ticket", BAD_TICKET)
    try:
        with transaction.atomic():
            return SsoTicket.objects.create(provider=provider, ticket=ticket)
    except IntegrityError:
        raise SignInRefused("replayed", _("这个登录凭据已经用过了，请重新登录")) from None


def bind_ticket(*, claimed: SsoTicket, user: User, session_key: str) -> None:
    SsoTicket.objects.filter(pk=claimed.pk).update(user=user, session_key=session_key or "")


def end_ticket_sessions(*, provider: SchoolIdentityProvider, ticket: str) -> int:
    """CAS single logout: end the session `ticket` opened on this site. Returns how many
    sessions ended (0 or 1)."""
    if not ticket:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for row in SsoTicket.objects.filter(provider=provider, ticket=ticket).exclude(session_key=""):
        if store().exists(row.session_key):
            store(session_key=row.session_key).delete()
            ended += 1
        SsoTicket.objects.filter(pk=row.pk).update(session_key="")
    return ended
