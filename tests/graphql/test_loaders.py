"""What a batch loader read is never shown after a change made in the same operation."""

from feeds import services as feed_services
from tests.factories import actor_for, make_user
from tests.graphql.conftest import gid

LIKE_TWICE = """mutation($id: ID!) {
  before: unlikePost(input: {postId: $id}) { post { viewerHasLiked } errors { code } }
  after: likePost(input: {postId: $id}) { post { viewerHasLiked likeCount } errors { code } }
}"""


def test_a_later_mutation_in_the_operation_sees_the_earlier_ones_change(gql, db):
    reader = make_user("reader")
    post = feed_services.publish_post(actor=actor_for(make_user("author")), text="周末去图书馆")
    feed_services.like_post(actor=actor_for(reader), post_id=post.pk)
    data = gql.as_user(reader).data(LIKE_TWICE, id=gid(post))
    assert data["before"] == {"post": {"viewerHasLiked": False}, "errors": []}
    assert data["after"] == {"post": {"viewerHasLiked": True, "likeCount": 1}, "errors": []}
