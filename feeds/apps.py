from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"
    verbose_name = "动态"

    def ready(self):
        from feeds import boards, signals
        from yiban_core.credits.boards import REBUILDERS

        signals.connect()
        REBUILDERS.append(("groups", boards.rebuild))
