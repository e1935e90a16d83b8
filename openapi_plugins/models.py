"""Apps of the open platform and the schools that installed them.

The OAuth client itself is django-oauth-toolkit's Application (client id, hashed
secret, redirect URIs, grant type); AppProfile adds what the platform needs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application


class AppProfile(models.Model):
    class Kind(models.TextChoices):
        USER = "user", _("用户应用")  # a person grants scopes on their own data
        SCHOOL = "school", _("学校应用")  # installed by a school, acts for the school

    application = models.OneToOneField(Application, on_delete=models.CASCADE,
                                       related_name="profile")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("简介"), max_length=500, blank=True)
    homepage = models.URLField(_("主页"), blank=True)
    logo = models.ImageField(_("图标"), upload_to="app-logos/", blank=True)
    # The scopes the app registered for: the most a user or school can grant it.
    scopes = models.JSONField(_("权限范围"), default=list)
    # A school app serves one school, whose administrator must install it first.
    school = models.ForeignKey("accounts.School", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="apps")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("开放平台应用")
        verbose_name_plural = _("开放平台应用")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="user", school__isnull=True)
                | Q(kind="school", school__isnull=False),
                name="school_app_names_its_school",
            ),
        ]

    def __str__(self) -> str:
        return self.application.name

    @property
    def is_school_app(self) -> bool:
        return self.kind == self.Kind.SCHOOL


class SchoolInstall(models.Model):
    """A school's administrator approved a school app and the scopes it may use."""

    app = models.OneToOneField(AppProfile, on_delete=models.CASCADE, related_name="install")
    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE,
                               related_name="app_installs")
    scopes = models.JSONField(_("批准的权限范围"), default=list)
    installed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    installed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学校安装")
        verbose_name_plural = _("学校安装")

    def __str__(self) -> str:
        return f"{self.app} @ {self.school}"
