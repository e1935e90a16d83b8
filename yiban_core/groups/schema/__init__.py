"""GraphQL types, queries and mutations of groups and memberships.

Thin: parse the input, call a selector or a service with the request's actor,
shape the output. Who may see what is decided in groups.selectors and
groups.rules: anyone can find a group, but a private group's members are for
its members only (`members` is null with a PERMISSION_DENIED error for anyone
else), pending join requests and bans are for its managers, and the class
join code is shown to managers only (null for everyone else).

Listing groups costs a fixed number of queries whatever the page size: the
selector joins owner and school, member_count is a column, and the viewer's
roles in the page's groups are read in one query (loaders.ViewerRoles).
"""

from __future__ import annotations

from yiban_core.groups.schema.loaders import ViewerRoles
from yiban_core.groups.schema.mutations import Mutation
from yiban_core.groups.schema.nodes import (
    GroupNode,
    group_from_input,
    groups_connection,
)
from yiban_core.groups.schema.queries import Query

__all__ = ["GroupNode", "Mutation", "Query", "ViewerRoles", "group_from_input",
           "groups_connection"]
