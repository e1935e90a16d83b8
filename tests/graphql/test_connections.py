"""Connections page by opaque cursors, at most 100 at a time, and refuse bad cursors clearly."""

from django.conf import settings

from tests.factories import make_interest_group, make_school, make_user
from tests.graphql.conftest import error_codes, gid
from yiban_core.accounts import services as account_services
from yiban_core.actor import Actor
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group

GROUPS = """query($first: Int, $after: String) {
  groups(first: $first, after: $after) {
    edges { cursor node { name } } pageInfo { hasNextPage endCursor startCursor }
  }
}"""


def read_all(gql, query, path, first, **variables):
    names, after, pages = [], None, 0
    while True:
        page = gql.data(query, first=first, after=after, **variables)
        for key in path:
            page = page[key]
        names += [edge["node"]["name"] if "name" in edge["node"] else edge["node"]["username"]
                  for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            return names, pages
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]


def test_paging_through_groups_returns_each_once(gql, student):
    for i in range(25):
        make_interest_group(student, name=f"学习小组{i:02d}")
    names, pages = read_all(gql.as_user(student), GROUPS, ["groups"], first=10)
    assert pages == 3
    assert sorted(names) == [f"学习小组{i:02d}" for i in range(25)]


def test_a_group_created_while_paging_does_not_shift_the_pages(gql, student):
    for i in range(4):
        make_interest_group(student, name=f"小组{i}")
    first_page = gql.as_user(student).data(GROUPS, first=2)["groups"]
    make_interest_group(student, name="新来的小组")
    second_page = gql.data(GROUPS, first=2, after=first_page["pageInfo"]["endCursor"])["groups"]
    seen = [e["node"]["name"] for e in first_page["edges"] + second_page["edges"]]
    assert len(set(seen)) == 4 and "新来的小组" not in seen


def test_followers_page_by_their_own_cursor(gql, student, settings):
    for i in range(7):
        fan = make_user(f"fan{i}")
        account_services.follow(actor=Actor.for_user(fan), username="li_ming")
    query = """query($first: Int, $after: String) { user(username: "li_ming") {
        followers(first: $first, after: $after) {
          edges { cursor node { username } } pageInfo { hasNextPage endCursor } } } }"""
    names, pages = read_all(gql.as_user(student), query, ["user", "followers"], first=3)
    assert pages == 3 and names == [f"fan{i}" for i in reversed(range(7))]


def test_my_groups_page_through(gql, student, outsider):
    for i in range(5):
        group = make_interest_group(outsider, name=f"兴趣{i}")
        group_services.join_group(actor=Actor.for_user(student), group=group)
    query = """query($first: Int, $after: String) { myGroups(first: $first, after: $after) {
        edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }"""
    names, pages = read_all(gql.as_user(student), query, ["myGroups"], first=2)
    assert pages == 3 and names == [f"兴趣{i}" for i in reversed(range(5))]


def test_first_above_100_is_a_clear_error(gql, student):
    assert settings.GRAPHQL_MAX_PAGE_SIZE == 100
    body = gql.as_user(student)(GROUPS, first=101)
    assert body["data"]["groups"] is None
    assert error_codes(body) == [("INVALID", "first")]
    assert "100" in body["errors"][0]["message"]
    assert gql.data(GROUPS, first=100)["groups"]["edges"] == []


def test_first_below_1_is_a_clear_error(gql, student):
    body = gql.as_user(student)(GROUPS, first=0)
    assert error_codes(body) == [("INVALID", "first")]


def test_a_forged_cursor_is_a_clear_error_not_a_500(gql, student):
    make_interest_group(student)
    real = gql.as_user(student).data(GROUPS, first=1)["groups"]["pageInfo"]["endCursor"]
    for forged in ["abc", real[:-2] + "xx", "WzEsMV0:1xXLWp:forged", "' OR 1=1 --"]:
        response = gql.raw(GROUPS, first=1, after=forged)
        assert response.status_code == 200
        body = response.json()
        assert body["data"]["groups"] is None
        assert error_codes(body) == [("INVALID", "after")]


def test_a_cursor_from_another_list_is_a_clear_error(gql, student):
    make_school("北京大学")
    make_school("复旦大学")
    make_interest_group(student)
    schools = gql.as_user(student).data("query { schools(first: 1) { pageInfo { endCursor } } }")
    cursor = schools["schools"]["pageInfo"]["endCursor"]
    body = gql(GROUPS, first=1, after=cursor)
    assert body["data"]["groups"] is None
    assert error_codes(body) == [("INVALID", "after")]
    assert Group.objects.count() == 1


def test_members_page_owner_first_then_by_joining(gql, student, settings):
    group = make_interest_group(student, name="摄影社")
    for i in range(5):
        group_services.join_group(actor=Actor.for_user(make_user(f"member{i}")), group=group)
    query = """query($id: ID!, $first: Int, $after: String) { group(id: $id) {
        members(first: $first, after: $after) {
          edges { cursor node { name: role user { username } } }
          pageInfo { hasNextPage endCursor } } } }"""
    gql.as_user(student)
    seen, after = [], None
    while True:
        page = gql.data(query, id=gid(group), first=2, after=after)["group"]["members"]
        seen += [(e["node"]["name"], e["node"]["user"]["username"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [("OWNER", "li_ming")] + [("MEMBER", f"member{i}") for i in range(5)]
