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


GROUPS = """query($after: String) { notificationGroups(first: 2, after: $after) {
  edges { node { kind count actorCount actors { username } summary excerpt targetExcerpt isRead
                 latest { kind targetId } } }
  pageInfo { hasNextPage endCursor } } }"""
TEXTS = """query { notifications(first: 10) { edges { node {
  kind excerpt targetExcerpt summary } } } }"""


def _publish(user, text):
    from feeds import services as feed_services
    from tests.factories import actor_for

    return feed_services.publish_post(actor=actor_for(user), text=text)


def test_a_notification_says_what_happened_with_the_first_words(gql, student, outsider):
    from feeds import services as feed_services
    from tests.factories import actor_for

    text = "明天上午九点在三教 201 讨论线性代数作业，有问题的同学都可以来，带上课本"
    post = _publish(student, text)
    feed_services.add_comment(actor=actor_for(outsider), post_id=post.pk, text="好的，我会准时到")
    [edge] = gql.as_user(student).data(TEXTS)["notifications"]["edges"]
    assert edge["node"] == {
        "kind": "COMMENTED", "excerpt": "好的，我会准时到", "targetExcerpt": text[:30] + "…",
        "summary": f"张伟 评论了你的动态「{text[:30]}…」：「好的，我会准时到」",
    }
    feed_services.delete_post(actor=actor_for(student), post_id=post.pk)
    [edge] = gql.data(TEXTS)["notifications"]["edges"]
    assert edge["node"]["excerpt"] == edge["node"]["targetExcerpt"] == ""
    assert edge["node"]["summary"] == "张伟 评论了你的动态（该动态已删除）（该评论已删除）"


def test_notification_groups_count_the_people_and_page_group_by_group(gql, student):
    from feeds import services as feed_services
    from tests.factories import actor_for, make_user

    first, second, third = (_publish(student, f"第{n}条动态") for n in "一二三")
    feed_services.like_post(actor=actor_for(make_user("early")), post_id=first.pk)
    for i in range(5):
        fan = make_user(f"fan{i}", display_name=f"同学{i}")
        feed_services.like_post(actor=actor_for(fan), post_id=second.pk)
    feed_services.like_post(actor=actor_for(make_user("last", display_name="小王")),
                            post_id=third.pk)

    gql.as_user(student)
    page = gql.data(GROUPS)["notificationGroups"]
    nodes = [edge["node"] for edge in page["edges"]]
    assert [(n["count"], n["actorCount"]) for n in nodes] == [(1, 1), (5, 5)]
    assert nodes[0]["summary"] == "小王 赞了你的动态「第三条动态」"
    assert nodes[1]["summary"] == "同学4、同学3等 5 人 赞了你的动态「第二条动态」"
    assert nodes[1]["actors"] == [{"username": "fan4"}, {"username": "fan3"}]
    assert nodes[1]["isRead"] is False and nodes[1]["targetExcerpt"] == "第二条动态"
    assert page["pageInfo"]["hasNextPage"] is True

    rest = gql.data(GROUPS, after=page["pageInfo"]["endCursor"])["notificationGroups"]
    assert [e["node"]["summary"] for e in rest["edges"]] == ["early 赞了你的动态「第一条动态」"]
    assert rest["pageInfo"]["hasNextPage"] is False

    gql.mutate("markNotificationsRead", MARK_READ)
    assert all(e["node"]["isRead"] for e in gql.data(GROUPS)["notificationGroups"]["edges"])
    body = gql(GROUPS, after="forged")
    assert ("INVALID", "after") in error_codes(body)
