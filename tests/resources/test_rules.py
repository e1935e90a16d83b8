"""resources/rules.py and yiban_core/groups/rules.py on the pages: a button is shown
exactly when the service lets the action through; and the leaderboard page ranks the
same rows as the API."""

import pytest
from django.urls import reverse

from feeds import boards as group_boards
from feeds import services as feed_services
from resources import rules, services
from resources.models import Resource
from tests.factories import actor_for, make_interest_group, make_user
from tests.graphql.conftest import GraphQLClient, gid
from yiban_core.accounts.models import User
from yiban_core.errors import PermissionDenied
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Membership
from yiban_core.groups.rules import role_in

pytestmark = pytest.mark.django_db


RESOURCE = """query($id: ID!) { node(id: $id) { ... on Resource {
  viewerCanChange viewerCanDelete viewerCanRate } } }"""
GROUP = "query($id: ID!) { node(id: $id) { ... on Group { viewerCanManage } } }"


def _share(user, group, title="第三章习题答案") -> Resource:
    return services.publish_resource(actor=actor_for(user), title=title, subject="mathematics",
                                     url="https://example.edu.cn/ch3", group=group)


@pytest.fixture
def club():
    owner = make_user("owner")
    group = make_interest_group(owner, name="高数互助组")
    people = {"owner": owner, "outsider": make_user("outsider"),
              "site_admin": make_user("site_admin", role=User.Role.ADMIN)}
    for name in ("uploader", "admin", "member"):
        people[name] = make_user(name)
        group_services.join_group(actor=actor_for(people[name]), group=group)
    group_services.set_member_role(actor=actor_for(owner), group=group, username="admin",
                                   role=Membership.Role.ADMIN)
    return group, people


@pytest.mark.parametrize("who", ["uploader", "owner", "admin", "member", "outsider",
                                 "site_admin"])
def test_delete_and_rate_show_exactly_what_the_services_allow(client, club, who):
    group, people = club
    resource = _share(people["uploader"], group)
    actor = actor_for(people[who])
    role = role_in(actor, group)
    client.force_login(people[who])
    page = client.get(reverse("resource_detail", args=[resource.pk])).content.decode()
    api = GraphQLClient(client).data(RESOURCE, id=gid(resource))["node"]
    assert api == {"viewerCanChange": who == "uploader",
                   "viewerCanDelete": rules.may_delete(actor, resource, role),
                   "viewerCanRate": rules.may_rate(actor, resource, role)}

    may_rate = rules.may_rate(actor, resource, role)
    assert (reverse("resource_rate", args=[resource.pk]) in page) is may_rate
    try:
        services.rate_resource(actor=actor, resource_id=resource.pk, stars=4)
        rated = True
    except PermissionDenied:
        rated = False
    assert rated is may_rate

    may_delete = rules.may_delete(actor, resource, role)
    assert (reverse("resource_delete", args=[resource.pk]) in page) is may_delete
    # A group's managers may delete what its members share: the page offers it to them.
    assert may_delete is (who in ("uploader", "owner", "admin", "site_admin"))
    try:
        services.delete_resource(actor=actor, resource_id=resource.pk)
    except PermissionDenied:
        pass
    assert Resource.objects.filter(pk=resource.pk).exists() is not may_delete


def test_a_site_admin_finds_the_manage_page_of_any_group(client, club):
    group, people = club
    manage = reverse("group_manage", args=[group.pk])
    for who, sees in [("site_admin", True), ("admin", True), ("member", False)]:
        client.force_login(people[who])
        page = client.get(reverse("group_detail", args=[group.pk])).content.decode()
        assert (manage in page) is sees, who
        api = GraphQLClient(client).data(GROUP, id=gid(group))["node"]
        assert api == {"viewerCanManage": sees}, who
        assert (client.get(manage).status_code == 200) is sees, who


BOARD = """query { leaderboard(kind: GROUPS, window: DAY) { rows { rank group { name } } } }"""


def test_the_group_board_page_and_api_rank_the_same_rows(client, redis_timelines, club):
    group, people = club
    owner = people["owner"]
    busy = make_interest_group(owner, name="热闹社")
    quiet = make_interest_group(owner, name="安静社")
    for target, posts in [(group, 3), (busy, 2), (quiet, 1)]:
        for i in range(posts):
            feed_services.publish_post(actor=actor_for(owner), text=f"第{i}次", group=target)
    group_boards.rebuild()
    # Made private after its posts were counted: Redis still holds it until a rebuild.
    group_services.update_group(actor=actor_for(owner), group=group, is_private=True)
    client.force_login(people["member"])

    response = client.get(reverse("leaderboards"), {"tab": "groups", "window": "day"})
    on_page = [(rank, g.name) for rank, g, _points in response.context["group_rows"]]
    rows = GraphQLClient(client).data(BOARD)["leaderboard"]["rows"]
    in_api = [(row["rank"], row["group"]["name"]) for row in rows]
    assert on_page == in_api == [(1, "热闹社"), (2, "安静社")]
    assert "热闹社" in response.content.decode()
