from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "yiban_core.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"

    def ready(self) -> None:
        from yiban_core import periodic
        from yiban_core.privacy import registry, tasks

        registry.autodiscover()
        periodic.register(tasks.expire_exports, every=tasks.EXPIRE_EVERY)
