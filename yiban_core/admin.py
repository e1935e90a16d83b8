"""The admin site as a whole: its headings in Chinese, and every deletion it makes audited.

The admin's own log (LogEntry) feeds the audit log (yiban_core/audit/receivers.py) through
post_save; "delete selected" writes several LogEntry rows with bulk_create, which sends
no signal, so the site-wide action is wrapped to record those, in the same transaction.
"""

from django.contrib import admin
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.models import DELETION, LogEntry
from django.db import router, transaction
from django.utils.translation import gettext_lazy as _

from yiban_core.audit.receivers import record_admin_entry, schools_of

admin.site.site_header = _("易班学习网 管理后台")
admin.site.site_title = _("易班管理后台")
admin.site.index_title = _("站点管理")


@admin.action(permissions=["delete"], description=delete_selected.short_description)
def audited_delete_selected(modeladmin, request, queryset):
    with transaction.atomic(using=router.db_for_write(queryset.model)):
        last = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        schools = schools_of(queryset.model, list(queryset.values_list("pk", flat=True)))
        response = delete_selected(modeladmin, request, queryset)
        if response is None:  # confirmed and done; a single row was saved (and audited)
            logged = list(LogEntry.objects.filter(pk__gt=last, user_id=request.user.pk,
                                                  action_flag=DELETION))
            if len(logged) > 1:
                for entry in logged:
                    record_admin_entry(entry, schools.get(entry.object_id))
    return response


admin.site.add_action(audited_delete_selected, "delete_selected")
