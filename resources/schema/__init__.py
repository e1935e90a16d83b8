"""GraphQL types, queries and mutations of resources (课程超市), courses, ratings and
reviews, and the leaderboards (people, resources, groups).

Thin: parse the input, call a resources selector or service with the request's
actor, shape the output. Who sees what is decided in resources.selectors only
(and the scopes resources:read / resources:write are checked there and in the
services): a resource the viewer may not see is null from `node(id:)` and null
with NOT_FOUND from `resource(id:)`, exactly like one that does not exist.

Files are uploaded through the web form (GraphQL multipart uploads are not set
up): `publishResource` and `addResourceVersion` take links only, and a file
version's `downloadUrl` is the web download path, served as an attachment.

A page of resources costs a fixed number of queries whatever its size: the
selector joins owner, course and school, group and the current version with its
blob, and prefetches the tags; the viewer's own ratings of the page's resources
(`myRating`) are read in one query by a batch loader (resources/schema/loaders.py),
and likewise whether the viewer marked a page of reviews helpful.

The leaderboards are one query, `leaderboard(kind:)`, assembled here because
this app sits above the others: people by points (yiban_core.credits), resources
by Bayesian score or downloads (resources.boards), groups by posts
(feeds.boards). A board of 100 rows loads its users, resources or groups in one
query.
"""

from __future__ import annotations

from resources.schema.mutations import Mutation
from resources.schema.nodes import (
    CourseNode,
    RatingNode,
    ResourceNode,
    ResourceSubject,
)
from resources.schema.queries import Query

types = [ResourceNode, CourseNode, RatingNode]

__all__ = ["Mutation", "Query", "ResourceNode", "ResourceSubject", "types"]
