from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "学习资源"

    def ready(self):
        from resources import boards, search, services
        from yiban_core.credits.boards import REBUILDERS

        search.register_sources()
        from resources import moderation

        moderation.register_targets()
        moderation.connect()

        def rebuild_resource_boards(*, missing_only: bool = False) -> int:
            if not missing_only:  # a full rebuild: the site mean has moved since the last
                services.recompute_scores()
            return boards.rebuild(missing_only=missing_only)

        REBUILDERS.append(("resources", rebuild_resource_boards))
        from resources import demo
        from yiban_core.demo.contributors import CONTRIBUTORS

        CONTRIBUTORS.append(demo.contribute)
        from resources import selectors
        from resources.models import Resource
        from yiban_core.notifications.targets import register_target

        register_target(Resource, "Resource",
                        lambda actor, ids: selectors.visible_resource_ids(actor=actor, ids=ids),
                        describe=selectors.notification_excerpts)
