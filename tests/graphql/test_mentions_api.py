"""The API names people the way the pages do: mentionIds on posts and comments, userId
on invitations."""

import pytest

from feeds.models import Post
from tests.factories import make_interest_group, make_school, make_user
from tests.graphql.conftest import gid
from yiban_core.groups.models import Invitation
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)

PUBLISH = """mutation($input: PublishPostInput!) {
  publishPost(input: $input) { post { id } errors { field code } } }"""
COMMENT = """mutation($input: AddCommentInput!) {
  addComment(input: $input) { comment { id } errors { field code } } }"""
INVITE = """mutation($input: InviteInput!) {
  invite(input: $input) { invitation { status } errors { field code } } }"""


def test_publish_with_the_chosen_namesake(gql, no_redis, run_worker):
    school = make_school()
    author = make_user("author", school=school)
    make_user("lyt_a", school=school, display_name="李月婷")
    chosen = make_user("lyt_b", school=school, display_name="李月婷")
    payload = gql.as_user(author).mutate("publishPost", PUBLISH, input={
        "text": "@李月婷 周五交作业", "mentionIds": [gid(chosen)]})
    assert payload["errors"] == []
    assert Post.objects.get().mention_links == {"李月婷": "lyt_b"}
    post = Post.objects.get()
    gql.mutate("addComment", COMMENT, input={"postId": gid(post), "text": "@李月婷 收到吗",
                                             "mentionIds": [gid(chosen)]})
    run_worker()
    assert set(Notification.objects.filter(kind=Notification.Kind.MENTIONED)
               .values_list("recipient__username", flat=True)) == {"lyt_b"}


def test_a_mention_id_that_is_not_a_user_changes_nothing(gql, no_redis):
    author = make_user("author")
    group = make_interest_group(author)
    payload = gql.as_user(author).mutate("publishPost", PUBLISH, input={
        "text": "hi", "mentionIds": [gid(group)]})
    assert payload["errors"] == [{"field": "mentionIds", "code": "INVALID"}]
    assert not Post.objects.exists()


def test_invite_by_user_id(gql):
    owner, friend = make_user("owner"), make_user("friend", display_name="李月婷")
    group = make_interest_group(owner)
    payload = gql.as_user(owner).mutate("invite", INVITE, input={
        "groupId": gid(group), "userId": gid(friend)})
    assert payload == {"invitation": {"status": "PENDING"}, "errors": []}
    assert Invitation.objects.get().invitee == friend
    neither = gql.mutate("invite", INVITE, input={"groupId": gid(group)})
    assert neither["errors"] == [{"field": "userId", "code": "INVALID"}]
    assert Invitation.objects.count() == 1
