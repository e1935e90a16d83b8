"""Site admins publish policy versions here; consents are only read. Every save goes to
the audit log through the admin's own log (yiban_core/audit/receivers.py)."""

from django.contrib import admin

from yiban_core.privacy.models import Consent, PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ("kind", "version", "title", "published_at", "requires_consent")
    list_filter = ("kind", "requires_consent")
    search_fields = ("version", "title")
    ordering = ("kind", "-published_at")

    def get_readonly_fields(self, request, obj=None):
        # What people agreed to stays as it was: a correction is a new version.
        if obj is not None:
            return [f.name for f in PolicyVersion._meta.fields]
        return []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("user", "purpose", "version", "application", "granted_at", "withdrawn_at")
    list_filter = ("purpose",)
    search_fields = ("user__username",)
    raw_id_fields = ("user", "application")
    list_select_related = ("user", "application")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
