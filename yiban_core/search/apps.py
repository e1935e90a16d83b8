from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "yiban_core.search"
    label = "search"
    verbose_name = "搜索"

    def ready(self):
        from yiban_core.search import core_sources

        core_sources.register_sources()
