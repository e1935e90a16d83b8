"""Accounts, schools and follows through /graphql, as an app sees them."""

from django.utils import timezone

from tests.factories import PASSWORD, agreed_input, make_school, make_user
from tests.graphql.conftest import error_codes, gid
from yiban_core.accounts.models import Follow, User

VIEWER = "query { viewer { username displayName role school { name } } }"
REGISTER = """
mutation($input: RegisterInput!) {
  register(input: $input) { user { username displayName role } errors { field code message } }
}"""
USER = """
query($username: String!) {
  user(username: $username) {
    id username displayName memberNumber isVerified followerCount viewerIsFollowing
    bio major enrolmentYear school { id name }
  }
}"""
FOLLOW = """
mutation($username: String!) {
  follow(input: {username: $username}) {
    user { username followerCount viewerIsFollowing } errors { field code message }
  }
}"""
UNFOLLOW = """
mutation($username: String!) {
  unfollow(input: {username: $username}) {
    user { username followerCount viewerIsFollowing } errors { field code message }
  }
}"""
UPDATE_PROFILE = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    user { displayName bio major enrolmentYear school { name } } errors { field code message }
  }
}"""


def test_viewer_is_the_logged_in_user_and_null_when_anonymous(gql, student):
    assert gql.as_user(None).data(VIEWER) == {"viewer": None}
    viewer = gql.as_user(student).data(VIEWER)["viewer"]
    assert viewer == {"username": "li_ming", "displayName": "李明", "role": "STUDENT",
                      "school": {"name": "清华大学"}}


def test_register_creates_an_account_that_can_log_in(gql, db):
    payload = gql.mutate("register", REGISTER, input={
        "username": "chen_jing", "password": PASSWORD, "displayName": "陈静", "role": "TEACHER",
        **agreed_input()})
    assert payload == {"user": {"username": "chen_jing", "displayName": "陈静",
                                "role": "TEACHER"}, "errors": []}
    response = gql.client.post("/login/", {"username": "chen_jing", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in gql.client.session


def test_register_with_a_taken_username_is_a_conflict_and_creates_nothing(gql, student):
    payload = gql.mutate("register", REGISTER, input={
        "username": "LI_MING", "password": PASSWORD, "displayName": "冒名者", **agreed_input()})
    assert payload["user"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("username", "CONFLICT")]
    assert payload["errors"][0]["message"]
    assert User.objects.filter(username__iexact="li_ming").count() == 1


def test_register_with_a_weak_password_names_the_field(gql, db):
    payload = gql.mutate("register", REGISTER, input={"username": "wu_fang", "password": "123"})
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("password", "INVALID")]
    assert not User.objects.filter(username="wu_fang").exists()


def test_register_with_a_wrong_kind_of_school_id_is_invalid(gql, student):
    payload = gql.mutate("register", REGISTER, input={
        "username": "wu_fang", "password": PASSWORD, "schoolId": gid(student)})
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("schoolId", "INVALID")]
    assert not User.objects.filter(username="wu_fang").exists()


def test_member_number_is_seen_by_its_owner_only(gql, school, student, outsider):
    User.objects.filter(pk=student.pk).update(member_number="2023010101",
                                              verified_at=timezone.now())
    mine = gql.as_user(student).data(USER, username="li_ming")["user"]
    assert mine["memberNumber"] == "2023010101" and mine["isVerified"] is True
    theirs = gql.as_user(outsider).data(USER, username="li_ming")["user"]
    assert theirs["memberNumber"] is None and theirs["isVerified"] is True


def test_unknown_user_is_null_with_not_found(gql, student):
    body = gql.as_user(student)(USER, username="nobody")
    assert body["data"]["user"] is None
    assert error_codes(body) == [("NOT_FOUND", "username")]


def test_follow_and_unfollow(gql, student, outsider):
    gql.as_user(outsider)
    payload = gql.mutate("follow", FOLLOW, username="li_ming")
    assert payload == {"user": {"username": "li_ming", "followerCount": 1,
                                "viewerIsFollowing": True}, "errors": []}
    followers = gql.data("""query { user(username: "li_ming") {
        followers { edges { node { username } } } } }""")
    assert followers["user"]["followers"]["edges"] == [{"node": {"username": "zhang_wei"}}]
    following = gql.data("""query { viewer { followingCount
        following { edges { node { username } } } } }""")["viewer"]
    assert following == {"followingCount": 1,
                         "following": {"edges": [{"node": {"username": "li_ming"}}]}}

    payload = gql.mutate("unfollow", UNFOLLOW, username="li_ming")
    assert payload == {"user": {"username": "li_ming", "followerCount": 0,
                                "viewerIsFollowing": False}, "errors": []}
    assert not Follow.objects.exists()


def test_following_twice_or_oneself_is_refused_and_counts_stay(gql, student, outsider):
    gql.as_user(outsider)
    gql.mutate("follow", FOLLOW, username="li_ming")
    twice = gql.mutate("follow", FOLLOW, username="li_ming")
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [("username", "CONFLICT")]
    oneself = gql.mutate("follow", FOLLOW, username="zhang_wei")
    assert [(e["field"], e["code"]) for e in oneself["errors"]] == [("username", "INVALID")]
    assert Follow.objects.count() == 1
    student.refresh_from_db()
    assert student.follower_count == 1


def test_anonymous_follow_asks_to_log_in(gql, student):
    payload = gql.as_user(None).mutate("follow", FOLLOW, username="li_ming")
    assert [e["code"] for e in payload["errors"]] == ["UNAUTHENTICATED"]
    assert not Follow.objects.exists()


def test_update_profile_changes_only_what_is_given(gql, school, student):
    other_school = make_school("北京大学")
    payload = gql.as_user(student).mutate("updateProfile", UPDATE_PROFILE, input={
        "bio": "热爱摄影", "enrolmentYear": 2023, "schoolId": gid(other_school)})
    assert payload == {"user": {"displayName": "李明", "bio": "热爱摄影", "major": "",
                                "enrolmentYear": 2023, "school": {"name": "北京大学"}},
                       "errors": []}
    cleared = gql.mutate("updateProfile", UPDATE_PROFILE, input={"schoolId": None})
    assert cleared["user"]["school"] is None and cleared["user"]["bio"] == "热爱摄影"


def test_update_profile_with_bad_input_changes_nothing(gql, student):
    payload = gql.as_user(student).mutate("updateProfile", UPDATE_PROFILE, input={
        "bio": "新简介", "enrolmentYear": 1800})
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("enrolmentYear", "INVALID")]
    student.profile.refresh_from_db()
    assert student.profile.bio == "" and student.profile.enrolment_year is None


def test_schools_and_school_by_id(gql, school):
    make_school("北京大学")
    names = [e["node"]["name"] for e in gql.data(
        "query { schools(first: 10) { edges { node { id name kind } } } }")["schools"]["edges"]]
    assert names == sorted(["清华大学", "北京大学"])
    one = gql.data("query($id: ID!) { school(id: $id) { name kind } }", id=gid(school))
    assert one == {"school": {"name": "清华大学", "kind": "UNIVERSITY"}}


def test_school_by_an_id_of_another_type_is_invalid(gql, school, student):
    body = gql("query($id: ID!) { school(id: $id) { name } }", id=gid(student))
    assert body["data"]["school"] is None
    assert error_codes(body) == [("INVALID", "id")]


def test_create_school_is_for_site_admins(gql, student):
    admin = make_user("site_admin", role=User.Role.ADMIN)
    query = """mutation { createSchool(input: {name: "深圳职业技术大学", kind: VOCATIONAL}) {
        school { name kind } errors { code } } }"""
    refused = gql.as_user(student).mutate("createSchool", query)
    assert refused == {"school": None, "errors": [{"code": "PERMISSION_DENIED"}]}
    created = gql.as_user(admin).mutate("createSchool", query)
    assert created == {"school": {"name": "深圳职业技术大学", "kind": "VOCATIONAL"}, "errors": []}
