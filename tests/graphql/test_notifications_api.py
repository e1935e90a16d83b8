"""The viewer's notifications through /graphql."""

import pytest

from tests.graphql.conftest import error_codes

FOLLOW = """mutation($u: String!) { follow(input: {username: $u}) { errors { code } } }"""
NOTIFICATIONS = """query { unreadNotificationCount
  notifications(first: 10) { edges { node { id kind isRead actor { username } } } } }"""
MARK_READ = """mutation { markNotificationsRead(input: {}) {
  markedCount unreadNotificationCount errors { code } } }"""


@pytest.fixture(autouse=True)
def _deliver_immediately(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_new_follower_is_notified_and_can_mark_it_read(gql, student, outsider):
    gql.as_user(outsider).mutate("follow", FOLLOW, u="li_ming")
    gql.as_user(student)
    seen = gql.data(NOTIFICATIONS)
    assert seen["unreadNotificationCount"] == 1
    [edge] = seen["notifications"]["edges"]
    assert edge["node"]["kind"] == "FOLLOWED" and edge["node"]["isRead"] is False
    assert edge["node"]["actor"] == {"username": "zhang_wei"}

    marked = gql.mutate("markNotificationsRead", MARK_READ)
    assert marked == {"markedCount": 1, "unreadNotificationCount": 0, "errors": []}
    assert gql.data(NOTIFICATIONS)["unreadNotificationCount"] == 0

    node = "query($id: ID!) { node(id: $id) { ... on Notification { kind } } }"
    assert gql.data(node, id=edge["node"]["id"]) == {"node": {"kind": "FOLLOWED"}}
    assert gql.as_user(outsider).data(node, id=edge["node"]["id"]) == {"node": None}


def test_anonymous_has_no_notifications(gql, student):
    body = gql.as_user(None)(NOTIFICATIONS)
    assert body["data"] is None or body["data"]["notifications"] is None
    assert ("UNAUTHENTICATED", None) in error_codes(body)
    assert gql.data("query { unreadNotificationCount }") == {"unreadNotificationCount": 0}
    assert gql.mutate("markNotificationsRead", MARK_READ)["errors"] == [
        {"code": "UNAUTHENTICATED"}]
