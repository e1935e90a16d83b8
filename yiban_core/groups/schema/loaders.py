"""The viewer's role in each group of a page, read per page (yiban_core.graphql.loaders)."""

from __future__ import annotations

from yiban_core.graphql.loaders import Loader
from yiban_core.groups.models import Group, Membership


class ViewerRoles(Loader[Group, str | None]):
    """The viewer's role in each group (None: not a member, or no user)."""

    def batch_load(self, groups: list[Group]) -> dict[int, str]:
        user = self.actor.user
        if user is None:
            return {}
        ids = [group.pk for group in groups]
        return dict(Membership.objects.filter(user=user, group_id__in=ids)
                    .values_list("group_id", "role"))


def prepare_found_groups(info, groups: list[Group]) -> None:
    """Groups found by the site search."""
    ViewerRoles.of(info).queue(groups)
