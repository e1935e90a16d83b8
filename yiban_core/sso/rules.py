"""Who may set a school's sign-in: the site's admins and the school's own administrators."""

from yiban_core.accounts.models import School, User
from yiban_core.accounts.selectors import is_school_admin


def may_configure_sso(user: User | None, school: School) -> bool:
    return user is not None and user.is_active and is_school_admin(user, school)
