from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "yiban_core.credits"
    label = "credits"
    verbose_name = "网薪"

    def ready(self) -> None:
        from yiban_core import events
        from yiban_core.credits import boards

        # Durable: the joiner's points are read inside the membership's transaction.
        events.subscribe(events.MembershipsChanged, boards.on_memberships_changed,
                         durable=True)
