from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "yiban_core.verification"
    label = "verification"
    verbose_name = "学校认证"

    def ready(self) -> None:
        from yiban_core.verification import files

        files.register_owner()
