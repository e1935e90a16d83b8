from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "yiban_core.moderation"
    label = "moderation"
    verbose_name = "内容安全"

    def ready(self) -> None:
        from yiban_core.moderation import core_targets, signals  # noqa: F401  signals: word lists

        core_targets.register_targets()
