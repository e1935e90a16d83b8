"""Groups and people, the core's reportable kinds: reported into the queue, never hidden
automatically (a group's or person's words are not a content row with a state)."""

from django.utils.translation import gettext as _

from yiban_core.accounts import selectors as account_selectors
from yiban_core.accounts.models import User
from yiban_core.errors import NotFound
from yiban_core.groups import selectors as group_selectors
from yiban_core.groups.models import Group
from yiban_core.moderation.targets import TargetKind, register


def _load_user(actor, pk) -> User:
    user = account_selectors.users(actor=actor).filter(pk=pk).first()
    if user is None:
        raise NotFound(_("没有这个用户"), field="targetId")
    return user


def register_targets() -> None:
    register(TargetKind(
        model=Group, type_name="Group",
        load_visible=lambda actor, pk: group_selectors.get_group(actor=actor, pk=pk),
        author_id=lambda group: group.owner_id,
        group_id=lambda group: None,  # its own managers do not judge reports on it
        school_id=lambda group: group.school_id,
        excerpt=lambda group: f"{group.name} {group.description}".strip(),
        path=lambda group: f"/groups/{group.pk}/",
    ))
    register(TargetKind(
        model=User, type_name="User", load_visible=_load_user,
        author_id=lambda user: user.pk,
        group_id=lambda user: None,
        school_id=lambda user: user.school_id,
        excerpt=lambda user: user.display_name or user.username,
        path=lambda user: f"/u/{user.username}/",
    ))
