"""Who may address their school: the rule the services enforce and the pages ask
(which visibility choices to offer).

School-only posts and resources are read by the school's verified members
(User.verified_school_id), so only a verified member may publish them: an account
that merely picked a school must not speak to that school's members as one of them.
"""

from django.utils.translation import gettext as _

from yiban_core.accounts.models import User
from yiban_core.errors import Invalid


def may_publish_to_school(user: User | None) -> bool:
    return user is not None and user.verified_school_id is not None


def require_school_publisher(user: User) -> None:
    if not may_publish_to_school(user):
        raise Invalid(_("通过学校认证后才能发布仅本校可见的内容"), field="visibility")
