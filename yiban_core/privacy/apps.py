from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "yiban_core.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"

    def ready(self) -> None:
        from yiban_core.privacy import receivers, registry  # noqa: F401

        registry.autodiscover()
