from django.contrib import admin

from yiban_core.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "actor", "group", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "actor", "group"]
