from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "实时推送"

    def ready(self):
        from realtime import receivers

        receivers.connect()
