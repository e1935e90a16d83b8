from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "yiban_core.sso"
    label = "sso"
    verbose_name = "统一身份认证"
