from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "yiban_core.notifications"
    label = "notifications"
    verbose_name = "通知"
