from django.contrib import admin

from openapi_plugins.vocational.models import TrainingRecord


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    """Read-only: records change through the services, so every rule holds."""

    list_display = ("title", "student", "school", "kind", "hours", "status", "signed_by")
    list_filter = ("kind", "status")
    search_fields = ("title", "workplace", "student__username")
    raw_id_fields = ("student", "school", "supervisor", "signed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
