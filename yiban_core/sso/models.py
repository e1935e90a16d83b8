"""A school's own sign-in (统一身份认证): a CAS server or an OpenID Connect provider.

Several schools' providers live side by side; each school has at most one. The person
a provider vouches for is found by (school, member number), the same key the roster
uses, and their provider-side subject is remembered at the first sign-in (SsoIdentity),
so a provider that later sends the same number for another subject is refused.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiban_core.accounts.models import School, User


class SchoolIdentityProvider(models.Model):
    class Kind(models.TextChoices):
        CAS = "cas", "CAS"
        OIDC = "oidc", "OpenID Connect"

    class CasVersion(models.TextChoices):
        V2 = "2", "CAS 2.0 (serviceValidate)"
        V3 = "3", "CAS 3.0 (p3/serviceValidate)"

    school = models.OneToOneField(School, on_delete=models.CASCADE,
                                  related_name="identity_provider", verbose_name=_("学校"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    enabled = models.BooleanField(_("启用"), default=True)
    # Blank: "<学校> 统一身份认证登录" (display_label).
    display_name = models.CharField(_("登录按钮文字"), max_length=60, blank=True)
    # CAS
    cas_server_url = models.CharField(_("CAS 服务器地址"), max_length=300, blank=True,
                                     help_text=_("例如 https://cas.example.edu.cn/cas/"))
    cas_version = models.CharField(_("CAS 协议版本"), max_length=2, choices=CasVersion.choices,
                                   default=CasVersion.V3)
    # OIDC
    oidc_discovery_url = models.CharField(
        _("OIDC 发现文档地址"), max_length=300, blank=True,
        help_text=_("例如 https://idp.example.edu.cn/.well-known/openid-configuration"))
    oidc_client_id = models.CharField(_("客户端 ID"), max_length=200, blank=True)
    oidc_client_secret = models.CharField(_("客户端密钥"), max_length=500, blank=True)
    oidc_scopes = models.CharField(_("权限范围"), max_length=300, default="openid profile",
                                   help_text=_("以空格分隔，须包含 openid"))
    # Where the 学号/工号 is: a CAS attribute (blank: the CAS user itself) or an ID token
    # claim (blank: `sub`).
    member_number_attribute = models.CharField(
        _("学号/工号所在的属性"), max_length=100, blank=True,
        help_text=_("CAS：属性名，留空则用 CAS 用户名；OIDC：ID 令牌中的声明名，留空则用 sub"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("学校统一身份认证")
        verbose_name_plural = _("学校统一身份认证")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="cas", cas_server_url__gt="")
                | models.Q(kind="oidc", oidc_discovery_url__gt="", oidc_client_id__gt=""),
                name="sso_provider_is_complete"),
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return self.display_name or _("%(school)s 统一身份认证登录") % {"school": self.school.name}

    @property
    def masked_secret(self) -> str:
        """What a page may show of the client secret: that there is one, and its end."""
        secret = self.oidc_client_secret
        return "••••" + secret[-4:] if len(secret) >= 12 else ("••••" if secret else "")


class SsoIdentity(models.Model):
    """Who a provider's subject (the CAS user, the OIDC `sub`) is on this site: set at the
    first sign-in, so one subject opens one account and one account one subject."""

    provider = models.ForeignKey(SchoolIdentityProvider, on_delete=models.CASCADE,
                                 related_name="identities")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sso_identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("统一身份认证账号关联")
        verbose_name_plural = _("统一身份认证账号关联")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="sso_subject_once"),
            models.UniqueConstraint(fields=["provider", "user"], name="sso_one_subject_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.subject} → {self.user_id}"


class SsoTicket(models.Model):
    """A CAS service ticket this site accepted, and the session it opened: a ticket is
    taken once (a replay is refused), and the server's single logout names it to end
    that session."""

    provider = models.ForeignKey(SchoolIdentityProvider, on_delete=models.CASCADE,
                                 related_name="tickets")
    ticket = models.CharField(max_length=256)
    session_key = models.CharField(max_length=40, blank=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "ticket"],
                                               name="sso_ticket_once")]

    def __str__(self) -> str:
        return self.ticket[:16]
