from django.apps import AppConfig


class YibanCoreConfig(AppConfig):
    """The project package itself: site-wide management commands (serve, seed_demo)."""

    name = "yiban_core"
    verbose_name = "易班核心"

    def ready(self):
        # Tasks carry the request id of the request that enqueued them, in the web
        # processes and the workers alike (signal receivers).
        from yiban_core import request_id

        request_id.connect_task_signals()
