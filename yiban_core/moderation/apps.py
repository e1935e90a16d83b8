from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "yiban_core.moderation"
    label = "moderation"
    verbose_name = "内容安全"

    def ready(self) -> None:
        from yiban_core.moderation import core_targets, signals  # noqa: F401  signals: word lists

        core_targets.register_targets()
        _register_notification_target()


def _register_notification_target() -> None:
    """Notifications of a decision are about its case: named to its author and reporters."""
    from yiban_core.moderation import selectors
    from yiban_core.moderation.models import Case
    from yiban_core.notifications.targets import register_target

    register_target(Case, "ModerationCase", selectors.notified_case_ids,
                    describe=selectors.notification_excerpts)
