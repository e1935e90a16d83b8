"""Check-ins in the admin site, read by site admins (changes go through the services)."""

from django.contrib import admin

from classroom.models import Attendance, Checkin


@admin.register(Checkin)
class CheckinAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "group", "started_by", "opens_at", "closes_at", "closed_at"]
    list_select_related = ["group", "started_by"]
    raw_id_fields = ["group", "started_by"]
    exclude = ["code_secret"]
    search_fields = ["title", "group__name"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["id", "checkin", "user", "status", "checked_in_at", "marked_by"]
    list_filter = ["status"]
    list_select_related = ["checkin", "user", "marked_by"]
    raw_id_fields = ["checkin", "user", "marked_by"]
    exclude = ["device_hash"]

    def has_change_permission(self, request, obj=None):
        return False
