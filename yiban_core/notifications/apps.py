from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "yiban_core.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self):
        from yiban_core import events, personal_cache

        # The unread count every page shows is cached per person (selectors.unread_count).
        events.subscribe(events.NotificationsStored,
                         lambda event: personal_cache.forget(event.recipient_ids), durable=True)
        events.subscribe(events.NotificationsRead,
                         lambda event: personal_cache.forget([event.user_id]), durable=True)
