"""Who may edit the sensitive-word lists: the site list, site admins; a school's list, its
administrators too. Only in a web session (or the shell): a token never edits a list."""

from yiban_core.accounts.models import School
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.actor import Actor


def may_edit_word_list(actor: Actor, school: School | None) -> bool:
    if actor.scopes is not None or actor.user is None or not actor.user.is_active:
        return False
    if school is None:
        return actor.is_site_admin
    return is_school_admin(actor.user, school)


def may_see_state(actor: Actor, author_id: int | None) -> bool:
    """Who is told a content row's moderation state (审核中, 已删除): its author, and site
    admins (the queue's moderators see it on the case)."""
    user = actor.user
    if user is None:
        return False
    return user.pk == author_id or actor.is_site_admin
