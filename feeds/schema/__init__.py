"""GraphQL types, queries and mutations of posts, comments, likes, reposts and topics.

Thin: parse the input, call a feeds selector or service with the request's
actor, shape the output. Who sees what is decided in feeds.selectors only:

- every timeline, `post(id:)` and `node(id:)` read through the selectors, so a
  post the viewer may not see is null (node) or NOT_FOUND (post), exactly like
  one that does not exist;
- `repostOf` is null when the original is deleted or hidden from the viewer;
- a notification's `targetId` (and its `excerpt`) is shown only while the
  viewer may still see the post it is about (registered below with the core,
  which knows nothing of posts).

Text is returned as stored, never as HTML: clients escape it (the web pages do
so in frontend/rich_text.py). Images are uploaded with the web composer, not
through GraphQL for now.

A timeline page costs a fixed number of queries whatever its size: the
selectors join author, group and original and prefetch images; the topics and
what depends on the viewer (viewerHasLiked, whether an original is still
visible) are read once per page by the batch loaders of feeds/schema/loaders.py.
"""

from __future__ import annotations

from feeds.schema.mutations import Mutation
from feeds.schema.nodes import CommentNode, PostNode, TopicNode
from feeds.schema.polls import PollNode, PollOptionNode
from feeds.schema.queries import Query

types = [PostNode, CommentNode, TopicNode, PollNode, PollOptionNode]

__all__ = ["CommentNode", "Mutation", "PostNode", "Query", "TopicNode", "types"]
