"""The audit log in the admin site: site admins read it, nobody edits it. Built for a big
table: no filter that scans it for its distinct values, no full count."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yiban_core.audit.models import ACTIONS, AuditEntry


class ActionFilter(admin.SimpleListFilter):
    title = _("操作")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return list(ACTIONS.items())

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "action_label", "outcome", "actor_username", "app", "target_type",
                    "target_text", "school", "ip"]
    list_filter = [ActionFilter, "outcome", "school"]
    search_fields = ["actor_username", "target_text", "=target_id"]
    list_select_related = ["app", "school"]
    raw_id_fields = ["actor", "app", "school"]
    date_hierarchy = "at"
    show_full_result_count = False
    list_per_page = 100

    @admin.display(description=_("操作"), ordering="action")
    def action_label(self, obj):
        return obj.action_text

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
