"""What a cancelled account leaves on the open platform (yiban_core/privacy/closure.py).

The apps a person registered are theirs: a user app is deleted with its tokens, grants
and webhook subscriptions (its logo file too, once the erasure commits). A school app
runs a school's integration (its roster sync), which must not stop because its developer
left: it passes to one of the school's administrators, or is deleted when the school has
none. Installs they made stay the school's, naming no one. (Their own tokens in other
apps: the oauth2_provider erasure, yiban_core/privacy/erasure.py.)"""

from __future__ import annotations

from django.db import transaction

from openapi_plugins.models import AppProfile, SchoolInstall
from yiban_core.privacy.registry import erasure


@erasure("openapi")
def erase(user, keep_content: bool) -> None:
    logos = []
    for app in AppProfile.objects.select_related("application", "school").filter(
            application__user=user):
        heir = None
        if app.kind == AppProfile.Kind.SCHOOL and app.school is not None:
            heir = (app.school.administrators.filter(is_active=True).exclude(pk=user.pk)
                    .order_by("pk").first())
        if heir is not None:
            app.application.user = heir
            app.application.save(update_fields=["user"])
            continue
        if app.logo:
            logos.append(app.logo.name)
        app.application.delete()  # its profile, tokens, grants and subscriptions
    SchoolInstall.objects.filter(installed_by=user).update(installed_by=None)
    if logos:
        storage = AppProfile._meta.get_field("logo").storage

        def delete_logos() -> None:
            for name in logos:
                storage.delete(name)
        transaction.on_commit(delete_logos)
