from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from openapi_plugins.registry import Plugin


class VocationalConfig(AppConfig):
    """Practical-training and internship records, signed off by teachers (实训/实习记录)."""

    name = "openapi_plugins.vocational"
    label = "vocational"
    verbose_name = "实训与成长记录"

    plugin = Plugin(
        name="vocational",
        scopes={
            "training:read": _("读取你的实训/实习记录和成长档案；教师：读取待你签字的记录"),
            "training:write": _("以你的名义填写、修改和提交实训/实习记录；教师：签字确认或退回"),
            "school:training": _("读取本校学生已签字的实训/实习记录（成长档案）"),
        },
        schema_module="openapi_plugins.vocational.schema",
    )

    def ready(self):
        from openapi_plugins.vocational import files

        files.register_owner()
