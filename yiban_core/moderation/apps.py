from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "yiban_core.moderation"
    label = "moderation"
    verbose_name = "内容安全"

    def ready(self) -> None:
        from yiban_core.moderation import signals  # noqa: F401  forget cached word lists
