from django.contrib import admin

from openapi_plugins.academic_affairs.models import ImportRun, SyncRun


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    """Read-only: a sync run is a record of what happened."""

    list_display = ("started_at", "school", "kind", "source", "created", "updated", "removed",
                    "unchanged")
    list_filter = ("kind", "source")
    search_fields = ("school__name",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Read-only: the school's OneRoster imports (previewed, applied, cancelled)."""

    list_display = ("created_at", "school", "user", "status", "filename")
    list_filter = ("status",)
    search_fields = ("school__name",)
    exclude = ("data",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
