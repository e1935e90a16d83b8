"""What the open platform keeps about a person: the school installs of apps they approved
as a school administrator. (Their own apps and the apps they authorized are
oauth2_provider's: yiban_core/privacy/personal_data.py.)"""

from django.utils.translation import gettext_lazy as _

from openapi_plugins.models import SchoolInstall
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import iso, rows


def export(user) -> dict:
    installs = (SchoolInstall.objects.filter(installed_by=user)
                .select_related("app__application", "school").order_by("pk"))
    return {"school_installs": rows(installs, lambda install: {
        "app": install.app.application.name, "school": install.school.name,
        "scopes": list(install.scopes), "installed_at": iso(install.installed_at)})}


declare(Declaration(app="openapi", title=_("学校应用安装"), models=[SchoolInstall],
                    export=export))
