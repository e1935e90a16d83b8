"""Resources, courses, ratings and the resource and group boards through GraphQL."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feeds import services as feed_services
from resources import services
from resources.models import Rating, Resource
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from tests.graphql.conftest import GraphQLClient, error_codes, gid
from yiban_core.credits.selectors import balance
from yiban_core.groups import services as group_services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 200


@pytest.fixture
def gql(client) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture(autouse=True)
def _boards_from_the_database(no_redis):
    """Boards read the database here (Redis and the database rank alike: test_boards)."""


def link(user, title="线性代数网课合集", url="https://example.edu.cn/la", **kwargs) -> Resource:
    data = {"title": title, "subject": "mathematics", "url": url}
    data.update(kwargs)
    return services.publish_resource(actor=actor_for(user), **data)


def pdf(user, title="高等数学期末复习资料", content=PDF, **kwargs) -> Resource:
    upload = SimpleUploadedFile("复习.pdf", content, content_type="application/pdf")
    return services.publish_resource(actor=actor_for(user), title=title, subject="mathematics",
                                     upload=upload, **kwargs)


def rate(user, resource, stars, review=""):
    return services.rate_resource(actor=actor_for(user), resource_id=resource.pk, stars=stars,
                                  review=review)


RESOURCE_FIELDS = """
fragment ResourceFields on Resource {
  id title description kind url subject tags licence visibility createdAt
  downloadCount ratingCount ratingAverage bayesianScore
  owner { id username displayName }
  course { id code name school { id name } }
  group { id name }
  currentVersion { number filename size contentType url note downloadUrl }
  myRating { id stars review }
}"""

RESOURCE = """query($id: ID!) { resource(id: $id) { ...ResourceFields
  versions { number url note downloadUrl }
  reviews(first: 10) { edges { node { id stars review helpfulCount viewerMarkedHelpful
                                      user { username } } } }
} }""" + RESOURCE_FIELDS

RESOURCES = """query($first: Int, $after: String, $search: String, $schoolId: ID, $courseId: ID,
                     $subject: ResourceSubject, $tag: String, $sort: ResourceSort) {
  resources(first: $first, after: $after, query: $search, schoolId: $schoolId,
            courseId: $courseId, subject: $subject, tag: $tag, sort: $sort) {
    edges { cursor node { ...ResourceFields } }
    pageInfo { hasNextPage endCursor }
  }
}""" + RESOURCE_FIELDS

NODE = "query($id: ID!) { node(id: $id) { id ... on Resource { title } ... on Rating { stars } } }"

PUBLISH = """mutation($input: PublishResourceInput!) {
  publishResource(input: $input) {
    errors { field code message }
    resource { ...ResourceFields }
  }
}""" + RESOURCE_FIELDS

ADD_VERSION = """mutation($input: AddResourceVersionInput!) {
  addResourceVersion(input: $input) {
    errors { field code message }
    version { number url note downloadUrl }
    resource { url currentVersion { number } versions { number url } }
  }
}"""

UPDATE = """mutation($input: UpdateResourceInput!) {
  updateResource(input: $input) {
    errors { field code message }
    resource { title description subject licence tags }
  }
}"""

DELETE = """mutation($input: DeleteResourceInput!) {
  deleteResource(input: $input) { errors { field code message } deletedResourceId }
}"""

RATE = """mutation($input: RateResourceInput!) {
  rateResource(input: $input) {
    errors { field code message }
    rating { id stars review user { username } }
    resource { ratingCount ratingAverage bayesianScore myRating { stars review } }
  }
}"""

HELPFUL = """mutation($input: MarkReviewHelpfulInput!) {
  markReviewHelpful(input: $input) {
    errors { field code message }
    rating { id helpfulCount viewerMarkedHelpful }
  }
}"""

SHARE = """mutation($input: ShareResourceInput!) {
  shareResource(input: $input) {
    errors { field code message }
    post { id text visibility group { name } author { username } }
  }
}"""


# --- publishing and reading ---------------------------------------------------------------


def test_publish_a_link_with_a_new_course_and_read_it_back(gql):
    school = make_school("复旦大学")
    author = make_user("chen", school=school)
    result = gql.as_user(author).mutate("publishResource", PUBLISH, input={
        "title": "  线性代数 MIT 公开课  ", "url": "https://ocw.mit.edu/18-06",
        "subject": "MATHEMATICS", "tags": ["线代", "公开课", "线代"], "licence": "CC_BY_NC",
        "description": "Gilbert Strang", "courseCode": "ma201", "courseName": "线性代数",
    })
    assert result["errors"] == []
    resource = result["resource"]
    assert resource["title"] == "线性代数 MIT 公开课"
    assert resource["kind"] == "LINK" and resource["url"] == "https://ocw.mit.edu/18-06"
    assert resource["subject"] == "MATHEMATICS" and resource["licence"] == "CC_BY_NC"
    assert sorted(resource["tags"]) == ["公开课", "线代"]
    assert resource["visibility"] == "PUBLIC" and resource["group"] is None
    assert resource["course"]["code"] == "MA201"
    assert resource["course"]["school"]["name"] == "复旦大学"
    assert resource["owner"]["username"] == "chen"
    assert resource["currentVersion"] == {
        "number": 1, "filename": None, "size": None, "contentType": None,
        "url": "https://ocw.mit.edu/18-06", "note": "", "downloadUrl": None,
    }
    assert resource["myRating"] is None and resource["ratingAverage"] is None
    assert balance(actor=actor_for(author)) == 10  # resource_shared

    read = gql.as_user(None).data(NODE, id=resource["id"])["node"]
    assert read["title"] == "线性代数 MIT 公开课"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com/x", "not a url",
                                 "https://", ""])
def test_a_bad_url_is_invalid_and_nothing_is_stored(gql, url):
    author = make_user()
    result = gql.as_user(author).mutate("publishResource", PUBLISH, input={
        "title": "坏链接", "url": url, "subject": "COMPUTING"})
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", "url")]
    assert result["resource"] is None
    assert not Resource.objects.exists() and balance(actor=actor_for(author)) == 0


def test_publishing_needs_a_login_and_group_resources_need_membership(gql):
    owner, outsider = make_user("owner"), make_user("outsider")
    club = make_interest_group(owner, name="算法社")
    body = {"title": "动态规划讲义", "url": "https://example.com/dp", "subject": "COMPUTING",
            "groupId": gid(club)}
    anonymous = gql.as_user(None).mutate("publishResource", PUBLISH, input=body)
    assert [e["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]
    denied = gql.as_user(outsider).mutate("publishResource", PUBLISH, input=body)
    assert [e["code"] for e in denied["errors"]] == ["PERMISSION_DENIED"]
    done = gql.as_user(owner).mutate("publishResource", PUBLISH, input=body)
    assert done["errors"] == []
    assert done["resource"]["visibility"] == "GROUP"
    assert done["resource"]["group"]["name"] == "算法社"
    missing = gql.as_user(owner).mutate("publishResource", PUBLISH, input={
        **body, "groupId": None, "visibility": "GROUP"})
    assert [(e["code"], e["field"]) for e in missing["errors"]] == [("INVALID", "groupId")]


def test_a_file_resource_shows_its_version_and_the_web_download_path(gql):
    author = make_user()
    resource = pdf(author)
    data = gql.as_user(make_user()).data(RESOURCE, id=gid(resource))["resource"]
    assert data["kind"] == "FILE" and data["url"] is None
    version = data["currentVersion"]
    assert version["number"] == 1 and version["contentType"] == "application/pdf"
    assert version["size"] == len(PDF) and version["filename"] == "高等数学期末复习资料.pdf"
    assert version["downloadUrl"] == f"/resources/{resource.pk}/download/"
    assert data["versions"] == [{"number": 1, "url": None, "note": "",
                                 "downloadUrl": f"/resources/{resource.pk}/download/"}]


def test_an_outsider_cannot_read_a_private_group_resource(gql):
    owner, outsider = make_user("owner"), make_user("outsider")
    club = make_interest_group(owner, name="读书会", is_private=True, join_policy="approval")
    resource = link(owner, group=club)
    body = gql.as_user(outsider)(RESOURCE, id=gid(resource))
    assert body["data"]["resource"] is None
    assert error_codes(body) == [("NOT_FOUND", "id")]
    assert gql.data(NODE, id=gid(resource))["node"] is None
    listed = gql.data(RESOURCES)["resources"]["edges"]
    assert listed == []
    rated = gql.mutate("rateResource", RATE, input={"resourceId": gid(resource), "stars": 5})
    assert [(e["code"], e["field"]) for e in rated["errors"]] == [("NOT_FOUND", "resourceId")]
    assert gql.as_user(owner).data(RESOURCE, id=gid(resource))["resource"]["title"]


def test_a_school_resource_is_for_the_school_only(gql):
    school = make_school()
    author, classmate, stranger = (verify(make_user(school=school)),
                                   verify(make_user(school=school)),
                                   make_user(school=make_school()))
    resource = link(author, visibility="school")
    assert gql.as_user(classmate).data(RESOURCE, id=gid(resource))["resource"]
    assert gql.as_user(stranger)(RESOURCE, id=gid(resource))["data"]["resource"] is None
    # An account that picked the school without being verified by it reads nothing of it.
    newcomer = make_user(school=school)
    assert gql.as_user(newcomer)(RESOURCE, id=gid(resource))["data"]["resource"] is None


def test_bad_ids_are_invalid(gql):
    body = gql.as_user(make_user())(RESOURCE, id="not-an-id")
    assert error_codes(body) == [("INVALID", "id")]
    school = make_school()
    body = gql(RESOURCE, id=gid(school))
    assert error_codes(body) == [("INVALID", "id")]


# --- versions, edits, deletion ------------------------------------------------------------


def test_add_a_version_to_a_link_keeps_the_history(gql):
    author = make_user()
    resource = link(author)
    result = gql.as_user(author).mutate("addResourceVersion", ADD_VERSION, input={
        "resourceId": gid(resource), "url": "https://example.edu.cn/la-v2", "note": "第二版"})
    assert result["errors"] == []
    assert result["version"] == {"number": 2, "url": "https://example.edu.cn/la-v2",
                                 "note": "第二版", "downloadUrl": None}
    assert result["resource"]["url"] == "https://example.edu.cn/la-v2"
    assert result["resource"]["currentVersion"]["number"] == 2
    assert [v["number"] for v in result["resource"]["versions"]] == [2, 1]


def test_versions_are_for_the_owner_links_only_and_urls_are_checked(gql):
    author, other = make_user(), make_user()
    resource, document = link(author), pdf(author)
    denied = gql.as_user(other).mutate("addResourceVersion", ADD_VERSION, input={
        "resourceId": gid(resource), "url": "https://example.com/mine"})
    assert [e["code"] for e in denied["errors"]] == ["PERMISSION_DENIED"]
    bad = gql.as_user(author).mutate("addResourceVersion", ADD_VERSION, input={
        "resourceId": gid(resource), "url": "javascript:alert(1)"})
    assert [(e["code"], e["field"]) for e in bad["errors"]] == [("INVALID", "url")]
    file = gql.mutate("addResourceVersion", ADD_VERSION, input={
        "resourceId": gid(document), "url": "https://example.com/x.pdf"})
    assert [(e["code"], e["field"]) for e in file["errors"]] == [("INVALID", "resourceId")]
    assert resource.versions.count() == 1 and document.versions.count() == 1


def test_update_a_resource(gql):
    author = make_user()
    resource = link(author, tags=["旧"])
    result = gql.as_user(author).mutate("updateResource", UPDATE, input={
        "resourceId": gid(resource), "title": "新标题", "subject": "PHYSICS",
        "licence": "CC0", "tags": ["力学", "期中"]})
    assert result["errors"] == []
    assert result["resource"]["title"] == "新标题"
    assert result["resource"]["subject"] == "PHYSICS" and result["resource"]["licence"] == "CC0"
    assert sorted(result["resource"]["tags"]) == ["力学", "期中"]
    assert result["resource"]["description"] == ""
    empty = gql.mutate("updateResource", UPDATE, input={"resourceId": gid(resource),
                                                        "title": "  "})
    assert [(e["code"], e["field"]) for e in empty["errors"]] == [("INVALID", "title")]
    other = gql.as_user(make_user()).mutate("updateResource", UPDATE, input={
        "resourceId": gid(resource), "title": "抢来的"})
    assert [e["code"] for e in other["errors"]] == ["PERMISSION_DENIED"]
    assert Resource.objects.get().title == "新标题"


def test_delete_a_resource_takes_back_its_points(gql):
    author = make_user()
    resource = link(author)
    other = gql.as_user(make_user()).mutate("deleteResource", DELETE,
                                            input={"resourceId": gid(resource)})
    assert [e["code"] for e in other["errors"]] == ["PERMISSION_DENIED"]
    assert balance(actor=actor_for(author)) == 10
    done = gql.as_user(author).mutate("deleteResource", DELETE,
                                      input={"resourceId": gid(resource)})
    assert done == {"errors": [], "deletedResourceId": gid(resource)}
    assert not Resource.objects.exists() and balance(actor=actor_for(author)) == 0
    again = gql.mutate("deleteResource", DELETE, input={"resourceId": gid(resource)})
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("NOT_FOUND", "resourceId")]


# --- ratings and reviews ------------------------------------------------------------------


@pytest.mark.parametrize("stars", [0, 6, -1])
def test_stars_out_of_range_are_invalid(gql, stars):
    resource = link(make_user())
    result = gql.as_user(make_user()).mutate("rateResource", RATE, input={
        "resourceId": gid(resource), "stars": stars})
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("INVALID", "stars")]
    assert not Rating.objects.exists()


def test_rating_ones_own_resource_is_denied(gql):
    author = make_user()
    resource = link(author)
    result = gql.as_user(author).mutate("rateResource", RATE, input={
        "resourceId": gid(resource), "stars": 5})
    assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    assert result["rating"] is None and not Rating.objects.exists()


def test_a_second_rating_updates_the_first(gql):
    author, reader = make_user(), make_user("reader")
    resource = link(author)
    first = gql.as_user(reader).mutate("rateResource", RATE, input={
        "resourceId": gid(resource), "stars": 2, "review": "一般"})
    assert first["errors"] == []
    assert first["rating"]["stars"] == 2 and first["rating"]["user"]["username"] == "reader"
    assert first["resource"]["ratingCount"] == 1 and first["resource"]["ratingAverage"] == 2
    second = gql.mutate("rateResource", RATE, input={
        "resourceId": gid(resource), "stars": 5, "review": "看完第二遍，真好"})
    assert second["errors"] == [] and second["rating"]["id"] == first["rating"]["id"]
    assert second["resource"]["ratingCount"] == 1 and second["resource"]["ratingAverage"] == 5
    assert second["resource"]["myRating"] == {"stars": 5, "review": "看完第二遍，真好"}
    assert second["resource"]["bayesianScore"] > 0
    assert Rating.objects.count() == 1
    assert balance(actor=actor_for(author)) == 12  # 10 for sharing, 2 for one rating, once


def test_reviews_and_marking_one_helpful(gql):
    author, critic, reader = make_user(), make_user("critic"), make_user("reader")
    resource = link(author)
    rate(critic, resource, 4, "例题很多，适合期末复习")
    rate(reader, resource, 3)  # no review: not listed
    rating = Rating.objects.get(user=critic)
    data = gql.as_user(reader).data(RESOURCE, id=gid(resource))["resource"]
    assert data["ratingCount"] == 2 and data["ratingAverage"] == 3.5
    assert data["myRating"]["stars"] == 3
    reviews = [edge["node"] for edge in data["reviews"]["edges"]]
    assert reviews == [{"id": gid(rating), "stars": 4, "review": "例题很多，适合期末复习",
                        "helpfulCount": 0, "viewerMarkedHelpful": False,
                        "user": {"username": "critic"}}]
    done = gql.mutate("markReviewHelpful", HELPFUL, input={"ratingId": gid(rating)})
    assert done == {"errors": [], "rating": {"id": gid(rating), "helpfulCount": 1,
                                            "viewerMarkedHelpful": True}}
    again = gql.mutate("markReviewHelpful", HELPFUL, input={"ratingId": gid(rating)})
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("CONFLICT", "ratingId")]
    own = gql.as_user(critic).mutate("markReviewHelpful", HELPFUL,
                                     input={"ratingId": gid(rating)})
    assert [(e["code"], e["field"]) for e in own["errors"]] == [("INVALID", "ratingId")]
    # a bare rating is not a node for others; a review is
    bare = Rating.objects.get(user=reader)
    assert gql.as_user(critic).data(NODE, id=gid(bare))["node"] is None
    assert gql.data(NODE, id=gid(rating))["node"] == {"id": gid(rating), "stars": 4}


def test_share_a_resource_into_a_group(gql):
    owner = make_user("owner")
    club = make_interest_group(owner, name="数学建模社")
    resource = link(owner)
    result = gql.as_user(owner).mutate("shareResource", SHARE, input={
        "resourceId": gid(resource), "text": "推荐给大家", "groupId": gid(club)})
    assert result["errors"] == []
    assert result["post"]["text"] == "推荐给大家"
    assert result["post"]["group"]["name"] == "数学建模社"
    outsider = gql.as_user(make_user()).mutate("shareResource", SHARE, input={
        "resourceId": gid(resource), "groupId": gid(club)})
    assert [e["code"] for e in outsider["errors"]] == ["PERMISSION_DENIED"]


def test_a_group_resource_shares_only_into_its_group(gql):
    owner = make_user("owner")
    club, other = make_interest_group(owner, name="甲社"), make_interest_group(owner, name="乙社")
    resource = link(owner, group=club)
    wrong = gql.as_user(owner).mutate("shareResource", SHARE, input={
        "resourceId": gid(resource), "groupId": gid(other)})
    assert [(e["code"], e["field"]) for e in wrong["errors"]] == [("INVALID", "groupId")]
    public = gql.mutate("shareResource", SHARE, input={"resourceId": gid(resource)})
    assert [(e["code"], e["field"]) for e in public["errors"]] == [("INVALID", "groupId")]


# --- browsing and courses -----------------------------------------------------------------


def test_browse_filters_sorts_and_pages(gql):
    school, other_school = make_school("北京大学"), make_school("南开大学")
    author, reader = make_user(school=school), make_user()
    course = services.course_for(school=school, code="CS101", name="程序设计")
    python = link(author, title="Python 入门", subject="computing", tags=["python"],
                  course=course)
    algebra = link(author, title="线性代数笔记", tags=["期末"])
    physics = link(make_user(school=other_school), title="大学物理", subject="physics")
    rate(reader, algebra, 5)
    rate(reader, physics, 3)

    def titles(**variables):
        edges = gql.data(RESOURCES, **variables)["resources"]["edges"]
        return [edge["node"]["title"] for edge in edges]

    gql.as_user(reader)
    assert titles() == ["大学物理", "线性代数笔记", "Python 入门"]
    assert titles(subject="COMPUTING") == ["Python 入门"]
    assert titles(tag="期末") == ["线性代数笔记"]
    assert titles(courseId=gid(course)) == ["Python 入门"]
    assert titles(schoolId=gid(school)) == ["线性代数笔记", "Python 入门"]
    assert titles(search="物理") == ["大学物理"]
    assert titles(sort="BEST") == ["线性代数笔记", "大学物理", "Python 入门"]
    first = gql.data(RESOURCES, first=2, sort="BEST")["resources"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = titles(first=2, sort="BEST", after=first["pageInfo"]["endCursor"])
    assert rest == ["Python 入门"]
    assert python.pk
    body = gql(RESOURCES, first=101)
    assert error_codes(body) == [("INVALID", "first")]
    body = gql(RESOURCES, after="forged")
    assert error_codes(body) == [("INVALID", "after")]


COURSES = """query($schoolId: ID, $search: String) {
  courses(schoolId: $schoolId, query: $search) { edges { node { id code name school { name } } } }
}"""
COURSE = """query($id: ID!) {
  course(id: $id) { code name school { name } resources { edges { node { title } } } }
}"""


def test_courses_and_a_course_page(gql):
    school, other = make_school("浙江大学"), make_school("中山大学")
    author = make_user(school=school)
    calculus = services.course_for(school=school, code="MA101", name="微积分")
    services.course_for(school=school, code="CS101", name="程序设计")
    services.course_for(school=other, code="MA101", name="高等数学")
    link(author, title="微积分习题", course=calculus)
    link(author, title="别的资料")
    gql.as_user(None)
    listed = gql.data(COURSES, schoolId=gid(school))["courses"]["edges"]
    assert [e["node"]["code"] for e in listed] == ["CS101", "MA101"]
    found = gql.data(COURSES, search="数学")["courses"]["edges"]
    assert [(e["node"]["name"], e["node"]["school"]["name"]) for e in found] == [
        ("高等数学", "中山大学")]
    page = gql.data(COURSE, id=gid(calculus))["course"]
    assert page["code"] == "MA101" and page["school"]["name"] == "浙江大学"
    assert [e["node"]["title"] for e in page["resources"]["edges"]] == ["微积分习题"]
    body = gql(COURSE, id=gid(Resource.objects.first()))
    assert error_codes(body) == [("INVALID", "id")]


# --- boards -------------------------------------------------------------------------------

BOARD = """query($kind: LeaderboardKind!, $window: LeaderboardWindow, $schoolId: ID,
                 $groupId: ID, $courseId: ID, $subject: ResourceSubject, $first: Int) {
  leaderboard(kind: $kind, window: $window, schoolId: $schoolId, groupId: $groupId,
              courseId: $courseId, subject: $subject, first: $first) {
    kind window viewerRank viewerPoints
    rows { rank points score
           resource { title myRating { stars } owner { username } }
           group { name viewerRole owner { username } }
           user { username } }
  }
}"""


def test_resources_by_score_and_by_downloads(gql):
    school = make_school()
    author = verify(make_user(school=school))
    raters = [verify(make_user(school=school)) for _ in range(3)]
    course = services.course_for(school=school, code="PH101", name="大学物理")
    best = link(author, title="最好", subject="physics", course=course)
    good = link(author, title="不错")
    hidden = link(author, title="本校", visibility="school")
    for rater in raters:
        rate(rater, best, 5)
        rate(rater, good, 4)
        rate(rater, hidden, 5)
    document = pdf(author, title="讲义")
    for rater in raters[:2]:
        services.record_download(actor=actor_for(rater), resource_id=document.pk)

    board = gql.as_user(raters[0]).data(BOARD, kind="RESOURCES_BY_SCORE", window="DAY")
    board = board["leaderboard"]
    assert board["kind"] == "RESOURCES_BY_SCORE" and board["window"] == "ALL"
    assert [(r["rank"], r["resource"]["title"]) for r in board["rows"]] == [(1, "最好"),
                                                                           (2, "不错")]
    assert board["rows"][0]["score"] == pytest.approx(Resource.objects.get(pk=best.pk)
                                                      .bayesian_score)
    assert board["rows"][0]["resource"]["myRating"] == {"stars": 5}
    assert board["viewerRank"] is None and board["viewerPoints"] is None
    by_course = gql.data(BOARD, kind="RESOURCES_BY_SCORE", courseId=gid(course))
    assert [r["resource"]["title"] for r in by_course["leaderboard"]["rows"]] == ["最好"]
    by_subject = gql.data(BOARD, kind="RESOURCES_BY_SCORE", subject="MATHEMATICS")
    assert [r["resource"]["title"] for r in by_subject["leaderboard"]["rows"]] == ["不错"]
    downloads = gql.data(BOARD, kind="RESOURCES_BY_DOWNLOADS", window="WEEK")["leaderboard"]
    assert [(r["rank"], r["points"], r["resource"]["title"], r["score"])
            for r in downloads["rows"]] == [(1, 2, "讲义", None)]
    both = gql(BOARD, kind="RESOURCES_BY_SCORE", subject="PHYSICS", courseId=gid(course))
    assert error_codes(both) == [("INVALID", "courseId")]
    group = gql(BOARD, kind="RESOURCES_BY_DOWNLOADS", groupId="x")
    assert error_codes(group) == [("INVALID", "groupId")]


def test_groups_by_activity(gql):
    owner = make_user("owner")
    busy = make_interest_group(owner, name="热闹社")
    quiet = make_interest_group(owner, name="安静社")
    secret = make_interest_group(owner, name="秘密社", is_private=True, join_policy="approval")
    for text, group in [("一", busy), ("二", busy), ("三", quiet), ("四", secret),
                        ("五", secret), ("六", secret)]:
        feed_services.publish_post(actor=actor_for(owner), text=text, group=group)
    board = gql.as_user(owner).data(BOARD, kind="GROUPS", window="DAY")["leaderboard"]
    assert [(r["rank"], r["points"], r["group"]["name"], r["group"]["viewerRole"])
            for r in board["rows"]] == [(1, 2, "热闹社", "OWNER"), (2, 1, "安静社", "OWNER")]
    assert all(r["user"] is None and r["resource"] is None for r in board["rows"])
    too_many = gql(BOARD, kind="GROUPS", first=101)
    assert error_codes(too_many) == [("INVALID", "first")]
    subject = gql(BOARD, kind="GROUPS", subject="ARTS")
    assert error_codes(subject) == [("INVALID", "subject")]


def test_group_members_rate_group_resources(gql):
    owner, member = make_user("owner"), make_user("member")
    club = make_interest_group(owner, name="开放社")
    group_services.join_group(actor=actor_for(member), group=club)
    resource = link(owner, group=club)
    outsider = gql.as_user(make_user()).mutate("rateResource", RATE, input={
        "resourceId": gid(resource), "stars": 4})
    assert [e["code"] for e in outsider["errors"]] == ["PERMISSION_DENIED"]
    done = gql.as_user(member).mutate("rateResource", RATE, input={
        "resourceId": gid(resource), "stars": 4})
    assert done["errors"] == [] and done["resource"]["ratingCount"] == 1


# --- query counts -------------------------------------------------------------------------


def build_library(viewer, count: int) -> None:
    school = make_school()
    course = services.course_for(school=school, code="CS201", name="数据结构")
    authors = [make_user(school=school) for _ in range(3)]
    for i in range(count):
        author = authors[i % 3]
        kwargs = {"course": course} if i % 2 else {}
        if i % 5 == 0:
            resource = pdf(author, title=f"讲义 {i}", content=PDF + str(i).encode(),
                           tags=["讲义", f"第{i}章"], **kwargs)
        else:
            resource = link(author, title=f"链接 {i}", url=f"https://example.com/{i}",
                            tags=["链接"], **kwargs)
        if i % 3 == 0:
            rate(viewer, resource, 1 + i % 5, review="不错" if i % 2 else "")


def library_queries(gql, viewer, first: int) -> int:
    gql.as_user(viewer)
    gql.data(RESOURCES, first=1)  # the session is warm
    with CaptureQueriesContext(connection) as captured:
        page = gql.data(RESOURCES, first=first)["resources"]
    nodes = [edge["node"] for edge in page["edges"]]
    assert len(nodes) == first
    assert any(n["myRating"] for n in nodes) and not all(n["myRating"] for n in nodes)
    assert any(n["course"] and n["course"]["school"]["name"] for n in nodes)
    assert any(n["currentVersion"]["downloadUrl"] for n in nodes)
    assert all(n["tags"] for n in nodes)
    return len(captured.captured_queries)


def test_a_page_of_50_resources_costs_what_a_page_of_10_costs(gql):
    viewer = make_user("viewer")
    build_library(viewer, 60)
    small = library_queries(gql, viewer, 10)
    large = library_queries(gql, viewer, 50)
    assert large == small, (small, large)
    assert small <= 8


def test_a_board_of_many_resources_costs_what_a_small_one_costs(gql):
    viewer = make_user("viewer")
    authors = [make_user() for _ in range(3)]
    raters = [make_user() for _ in range(2)]
    for i in range(30):
        resource = link(authors[i % 3], title=f"资源 {i}", url=f"https://example.com/{i}")
        for rater in raters[: 1 + i % 2]:
            rate(rater, resource, 1 + i % 5)
        if i % 4 == 0:
            rate(viewer, resource, 5)

    def board_queries(first: int) -> int:
        gql.as_user(viewer).data(BOARD, kind="RESOURCES_BY_SCORE", first=1)
        with CaptureQueriesContext(connection) as captured:
            rows = gql.data(BOARD, kind="RESOURCES_BY_SCORE", first=first)["leaderboard"]["rows"]
        assert len(rows) == first
        return len(captured.captured_queries)

    assert board_queries(25) == board_queries(5)
