"""The points ledger in the admin site: read-only (it is append-only, and reversing an
award is a service's new row, not an edit), filtered by rule, found by user."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yiban_core.credits.models import PointEntry
from yiban_core.credits.rules import RULES


class RuleFilter(admin.SimpleListFilter):
    title = _("规则")
    parameter_name = "rule"

    def lookups(self, request, model_admin):
        return [(name, rule.label) for name, rule in RULES.items()]

    def queryset(self, request, queryset):
        return queryset.filter(rule=self.value()) if self.value() else queryset


@admin.register(PointEntry)
class PointEntryAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "amount", "rule_label", "source_type", "source_id",
                    "reversed_entry", "created_at"]
    list_filter = [RuleFilter]
    search_fields = ["=user__username", "user__display_name", "=idempotency_key"]
    list_select_related = ["user", "source_type"]
    raw_id_fields = ["user", "reverses"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 100

    @admin.display(description=_("规则"), ordering="rule")
    def rule_label(self, obj):
        rule = RULES.get(obj.rule)
        return rule.label if rule else obj.rule

    @admin.display(description=_("冲正的流水"))
    def reversed_entry(self, obj):
        return obj.reverses_id or "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
