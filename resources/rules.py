"""Who may do what with learning resources: the one place these rules are written.

The services ask here and refuse (they stay the authority); the pages ask here which
buttons to show. `role` is the actor's role in the resource's group, already read (None
when not a member, or not a group resource): yiban_core.groups.rules.role_in reads it.
"""

from __future__ import annotations

from resources.models import Rating, Resource
from yiban_core.actor import Actor
from yiban_core.groups.models import Membership


def _writer(actor: Actor) -> bool:
    return actor.user is not None and actor.has_scope("resources:write")


def may_share_in_group(role: str | None) -> bool:
    """A group's resources come from its members."""
    return role is not None


def may_change(actor: Actor, resource: Resource) -> bool:
    """New versions, title, description, tags: the uploader's."""
    return _writer(actor) and resource.owner_id == actor.user.pk


def may_delete(actor: Actor, resource: Resource, role: str | None) -> bool:
    """The uploader, a manager of the resource's group, or a site admin."""
    return _writer(actor) and (
        resource.owner_id == actor.user.pk or actor.is_site_admin
        or (resource.group_id is not None and role in Membership.MANAGER_ROLES))


def rates_own(actor: Actor, resource: Resource) -> bool:
    """Nobody rates their own resource."""
    return actor.user is not None and resource.owner_id == actor.user.pk


def may_rate(actor: Actor, resource: Resource, role: str | None) -> bool:
    """Not one's own; a group's resource: its members only."""
    return (_writer(actor) and not rates_own(actor, resource)
            and (resource.group_id is None or role is not None))


def may_mark_helpful(actor: Actor, rating: Rating) -> bool:
    """Someone else's review."""
    return _writer(actor) and rating.user_id != actor.user.pk
