"""Blocks (拉黑) through /graphql: blockUser, unblockUser, myBlockedUsers, viewerHasBlocked,
and the refusals a blocked person gets."""

from feeds import services as feed_services
from tests.factories import actor_for
from tests.graphql.conftest import error_codes, gid
from yiban_core.accounts.models import Block, Follow

BLOCK = """
mutation($username: String!) {
  blockUser(input: {username: $username}) {
    user { username viewerHasBlocked viewerIsFollowing } errors { field code message }
  }
}"""
UNBLOCK = """
mutation($username: String!) {
  unblockUser(input: {username: $username}) {
    user { username viewerHasBlocked } errors { field code message }
  }
}"""
MY_BLOCKED = """
query($first: Int, $after: String) {
  myBlockedUsers(first: $first, after: $after) {
    edges { node { username viewerHasBlocked } } pageInfo { hasNextPage endCursor }
  }
}"""
COMMENT = """
mutation($postId: ID!) {
  addComment(input: {postId: $postId, text: "我也来"}) { comment { id } errors { code message } }
}"""
FOLLOW = """
mutation($username: String!) {
  follow(input: {username: $username}) { errors { field code message } }
}"""


def test_block_list_and_unblock(gql, student, outsider):
    gql.as_user(student)
    payload = gql.mutate("blockUser", BLOCK, username="zhang_wei")
    assert payload == {"user": {"username": "zhang_wei", "viewerHasBlocked": True,
                                "viewerIsFollowing": False}, "errors": []}
    listed = gql.data(MY_BLOCKED, first=10)["myBlockedUsers"]
    assert listed["edges"] == [{"node": {"username": "zhang_wei", "viewerHasBlocked": True}}]
    assert listed["pageInfo"]["hasNextPage"] is False
    payload = gql.mutate("unblockUser", UNBLOCK, username="zhang_wei")
    assert payload == {"user": {"username": "zhang_wei", "viewerHasBlocked": False},
                       "errors": []}
    assert gql.data(MY_BLOCKED)["myBlockedUsers"]["edges"] == []


def test_bad_blocks_are_typed_errors(gql, student, outsider):
    gql.as_user(student)
    assert gql.mutate("blockUser", BLOCK, username="li_ming")["errors"][0]["code"] == "INVALID"
    assert gql.mutate("blockUser", BLOCK, username="nobody")["errors"][0]["code"] == "NOT_FOUND"
    assert gql.mutate("unblockUser", UNBLOCK,
                      username="zhang_wei")["errors"][0]["code"] == "NOT_FOUND"
    gql.mutate("blockUser", BLOCK, username="zhang_wei")
    assert gql.mutate("blockUser", BLOCK, username="zhang_wei")["errors"][0]["code"] == "CONFLICT"
    assert Block.objects.count() == 1
    body = gql.as_user(None)(MY_BLOCKED)
    assert error_codes(body) == [("UNAUTHENTICATED", None)]


def test_the_blocked_person_is_told_and_nothing_is_saved(gql, student, outsider):
    post = feed_services.publish_post(actor=actor_for(student), text="明天交实验报告")
    gql.as_user(student).mutate("blockUser", BLOCK, username="zhang_wei")
    gql.as_user(outsider)
    answer = gql.mutate("addComment", COMMENT, postId=gid(post))
    assert answer["comment"] is None
    assert answer["errors"][0]["code"] == "PERMISSION_DENIED"
    assert "对方已将你拉黑" in answer["errors"][0]["message"]
    refused = gql.mutate("follow", FOLLOW, username="li_ming")["errors"]
    assert refused[0]["code"] == "PERMISSION_DENIED"
    assert not Follow.objects.exists()
    assert not post.comments.exists()
