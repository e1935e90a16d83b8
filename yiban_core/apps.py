from django.apps import AppConfig


class YibanCoreConfig(AppConfig):
    """The project package itself: site-wide management commands (serve, seed_demo)."""

    name = "yiban_core"
    verbose_name = "Yiban core"
