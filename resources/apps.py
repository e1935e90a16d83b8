from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "学习资源"

    def ready(self):
        from resources import boards, search, services
        from yiban_core.credits.boards import REBUILDERS

        search.register_sources()

        def rebuild_resource_boards() -> int:
            services.recompute_scores()  # the site mean has moved since the last rebuild
            return boards.rebuild()

        REBUILDERS.append(("resources", rebuild_resource_boards))
        from resources import demo
        from yiban_core.demo.contributors import CONTRIBUTORS

        CONTRIBUTORS.append(demo.contribute)
