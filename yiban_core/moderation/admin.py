"""The word lists in the admin site, for site admins (a school administrator's own page
for the school's list is still to come)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yiban_core.errors import Invalid
from yiban_core.moderation.models import SensitiveWord
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
