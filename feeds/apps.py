from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"
    verbose_name = "动态"

    def ready(self):
        from feeds import boards, files, search, signals
        from yiban_core.credits.boards import REBUILDERS

        signals.connect()
        search.register_sources()
        files.register_owner()
        REBUILDERS.append(("groups", boards.rebuild))
        from feeds import demo
        from yiban_core.demo.contributors import CONTRIBUTORS

        CONTRIBUTORS.append(demo.contribute)
