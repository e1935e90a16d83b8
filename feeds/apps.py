from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"
    verbose_name = "动态"

    def ready(self):
        from feeds import signals

        signals.connect()
