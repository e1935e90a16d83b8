from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from openapi_plugins.registry import Plugin
from openapi_plugins.webhooks.events import WebhookEvent


def render_roster_synced(actor, object_id):
    from openapi_plugins.academic_affairs.selectors import sync_report_for_webhook

    return sync_report_for_webhook(actor=actor, run_id=object_id)


class AcademicAffairsConfig(AppConfig):
    """教务: terms, courses, sections -> class groups, rosters (GraphQL sync, OneRoster files)."""

    name = "openapi_plugins.academic_affairs"
    label = "academic_affairs"
    verbose_name = "教务"
    plugin = Plugin(
        name="academic_affairs",
        scopes={},  # school:roster is a core school scope (openapi_plugins.scopes)
        schema_module="openapi_plugins.academic_affairs.schema",
        webhook_events=(
            WebhookEvent(name="roster.synced",
                         description=_("学校的名单同步完成（附同步报告摘要）"),
                         scope="school:roster", render=render_roster_synced),
        ),
    )
