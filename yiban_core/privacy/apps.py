from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "yiban_core.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"

    def ready(self) -> None:
        from yiban_core import periodic
        from yiban_core.audit.tasks import PRUNE_EVERY
        from yiban_core.privacy import access_log, registry, sign_ins

        registry.autodiscover()
        sign_ins.connect()
        periodic.register(access_log.prune_access_log, every=PRUNE_EVERY)
