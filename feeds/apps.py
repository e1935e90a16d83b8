from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"
    verbose_name = "动态"

    def ready(self):
        from feeds import boards, files, search, signals
        from yiban_core.credits.boards import REBUILDERS

        signals.connect()
        search.register_sources()
        from feeds import moderation

        moderation.register_targets()
        moderation.connect()
        files.register_owner()
        REBUILDERS.append(("groups", boards.rebuild))
        from feeds import demo
        from yiban_core.demo.contributors import CONTRIBUTORS

        CONTRIBUTORS.append(demo.contribute)
        from datetime import timedelta

        from feeds import tasks
        from yiban_core import periodic

        # Polls close at their deadline (a read after it closes one too).
        periodic.register(tasks.close_due_polls, every=timedelta(minutes=1))
        from feeds import selectors
        from feeds.models import Post
        from yiban_core.notifications.targets import register_target

        # A notification about a post shows its ID and words only while the reader may
        # see it (GraphQL and the page alike).
        register_target(Post, "Post",
                        lambda actor, ids: selectors.visible_post_ids(actor=actor, ids=ids),
                        describe=selectors.notification_excerpts)
