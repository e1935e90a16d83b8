"""A person's school sign-in (统一身份认证) links: which school's provider knows them and by
what subject, and when they last signed in that way. The CAS tickets kept for single
sign-out are session plumbing: declared, never exported."""

from django.utils.translation import gettext_lazy as _

from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import iso, rows
from yiban_core.sso.models import SsoIdentity, SsoTicket


def export(user) -> dict:
    identities = (SsoIdentity.objects.filter(user=user).select_related("provider__school")
                  .order_by("pk"))
    return {"school_sign_in": rows(identities, lambda identity: {
        "school": identity.provider.school.name, "subject": identity.subject,
        "linked_at": iso(identity.created_at), "last_login_at": iso(identity.last_login_at)})}


declare(Declaration(app="sso", title=_("学校统一身份认证"), models=[SsoIdentity, SsoTicket],
                    export=export))
