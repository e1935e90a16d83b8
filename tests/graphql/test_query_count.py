"""The number of SQL queries of a listing does not grow with its page size (no N+1)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_interest_group, make_school, make_user

LISTING = """query($first: Int) {
  groups(first: $first) {
    edges { cursor node {
      id name kind memberCount isPrivate joinPolicy viewerRole joinCode
      owner { id username displayName }
      school { id name kind }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def make_groups(count: int, start: int) -> None:
    for i in range(start, start + count):
        school = make_school(f"第{i}大学")
        owner = make_user(f"owner{i}", school=school, display_name=f"群主{i}")
        make_interest_group(owner, name=f"兴趣小组{i}", school=school)


def queries_to_list(gql, first: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        page = gql.data(LISTING, first=first)["groups"]
    assert len(page["edges"]) == first
    assert all(e["node"]["owner"]["username"].startswith("owner") for e in page["edges"])
    assert all(e["node"]["school"]["name"].endswith("大学") for e in page["edges"])
    assert all(e["node"]["memberCount"] == 1 for e in page["edges"])
    return len(captured.captured_queries)


def test_listing_100_groups_costs_what_listing_10_costs(gql, settings, db):
    viewer = make_user("viewer")
    gql.as_user(viewer)
    make_groups(10, start=0)
    queries_to_list(gql, 10)  # a first read puts the session and the signed-in user in the cache
    ten = queries_to_list(gql, 10)
    make_groups(90, start=10)
    hundred = queries_to_list(gql, 100)
    assert hundred == ten, f"10 groups: {ten} queries, 100 groups: {hundred} queries"
    assert ten == 2, ten  # groups with owner and school, viewer's roles
