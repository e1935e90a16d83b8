"""The word lists in the admin site, for site admins (a school administrator's own page
for the school's list is still to come)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yiban_core.errors import Invalid
from yiban_core.moderation.models import Case, Report, Sanction, SensitiveWord
from yiban_core.moderation.services import derive


class SensitiveWordForm(forms.ModelForm):
    class Meta:
        model = SensitiveWord
        fields = ["word", "action", "school"]

    def clean(self):
        data = super().clean()
        word = data.get("word")
        if not word:
            return data
        try:
            normalised, pinyin = derive(word)
        except Invalid as error:
            raise forms.ValidationError({"word": error.message}) from None
        same = SensitiveWord.objects.filter(normalised=normalised, school=data.get("school"))
        if self.instance.pk:
            same = same.exclude(pk=self.instance.pk)
        if same.exists():
            raise forms.ValidationError({"word": _("这个词表里已经有这个词（归一化后相同）")})
        self.instance.normalised, self.instance.pinyin = normalised, pinyin
        return data


class ListFilter(admin.SimpleListFilter):
    title = _("词表")
    parameter_name = "list"

    def lookups(self, request, model_admin):
        return [("site", _("全站")), ("school", _("学校"))]

    def queryset(self, request, queryset):
        if self.value() == "site":
            return queryset.filter(school__isnull=True)
        if self.value() == "school":
            return queryset.filter(school__isnull=False)
        return queryset


@admin.register(SensitiveWord)
class SensitiveWordAdmin(admin.ModelAdmin):
    form = SensitiveWordForm
    list_display = ["word", "action", "school", "normalised", "pinyin", "created_by",
                    "created_at"]
    list_filter = ["action", ListFilter, "school"]
    search_fields = ["word", "normalised", "pinyin"]
    readonly_fields = ["normalised", "pinyin", "created_by", "created_at", "updated_at"]
    raw_id_fields = ["school"]
    list_per_page = 100

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# --- the review queue's records: read here, decided on /moderation/ (the services notify the
# author and the reporters and lift what an appeal restores, which an edit here would skip).

class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReportInline(admin.TabularInline):
    model = Report
    fields = ["reporter", "reason", "detail", "created_at", "outcome_notified_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AppealedFilter(admin.SimpleListFilter):
    title = _("申诉")
    parameter_name = "appealed"

    def lookups(self, request, model_admin):
        return [("yes", _("已申诉")), ("no", _("未申诉"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(appealed_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(appealed_at__isnull=True)
        return queryset


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["pk", "target_kind", "short_excerpt", "author", "group", "school", "origin",
                    "status", "report_count", "decision", "decided_by", "created_at"]
    list_filter = ["status", "origin", "decision", AppealedFilter, "target_type", "school"]
    search_fields = ["excerpt", "reason", "appeal_text", "author__username",
                     "author__display_name", "group__name"]
    list_select_related = ["author", "group", "school", "decided_by", "target_type"]
    inlines = [ReportInline]
    date_hierarchy = "created_at"

    @admin.display(description=_("对象类型"), ordering="target_type")
    def target_kind(self, case):
        return case.target_type.model_class()._meta.verbose_name

    @admin.display(description=_("内容摘录"))
    def short_excerpt(self, case):
        return case.excerpt[:40]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["pk", "case", "reporter", "reason", "created_at", "outcome_notified_at"]
    list_filter = ["reason"]
    search_fields = ["detail", "reporter__username", "reporter__display_name", "case__excerpt"]
    list_select_related = ["case", "reporter"]


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "kind", "until", "case", "created_by", "created_at",
                    "lifted_at"]
    list_filter = ["kind", ("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__display_name"]
    list_select_related = ["user", "case", "created_by"]
