"""Feeds through GraphQL: what an app or the web UI sees and gets back."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from feeds import services
from feeds.models import Comment, Post, PostLike, Visibility
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from tests.graphql.conftest import GraphQLClient, error_codes, gid
from yiban_core.accounts import services as account_services
from yiban_core.groups import services as group_services
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def gql(client) -> GraphQLClient:
    return GraphQLClient(client)


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def publish(user, text: str = "今天的高数作业好难", **kwargs) -> Post:
    return services.publish_post(actor=actor_for(user), text=text, **kwargs)


POST_FIELDS = """
fragment PostFields on Post {
  id text visibility isAnnouncement likeCount commentCount repostCount
  createdAt editedAt viewerHasLiked images
  author { id username }
  group { id name }
  topics { id name }
  repostOf { id text author { username } }
}"""

HOME = """query($first: Int, $after: String) {
  homeTimeline(first: $first, after: $after) {
    edges { cursor node { ...PostFields } }
    pageInfo { hasNextPage endCursor }
  }
}""" + POST_FIELDS

GROUP_TIMELINE = """query($groupId: ID!, $after: String) {
  groupTimeline(groupId: $groupId, after: $after) { edges { node { id text } } }
}"""
USER_TIMELINE = """query($username: String!) {
  userTimeline(username: $username) { edges { node { id text } } }
}"""
TOPIC_TIMELINE = """query($name: String!) {
  topicTimeline(name: $name) { edges { node { id text } } }
}"""
SQUARE = """query($schoolId: ID!) {
  schoolSquare(schoolId: $schoolId) { edges { node { id text } } }
}"""
NODE = """query($id: ID!) { node(id: $id) { id ... on Post { text } ... on Comment { text } } }"""
POST = """query($id: ID!) {
  post(id: $id) {
    ...PostFields
    comments { edges { node {
      id text likeCount viewerHasLiked author { username } replyTo { username }
      replies { id text replyTo { username } viewerHasLiked }
    } } pageInfo { hasNextPage endCursor } }
  }
}""" + POST_FIELDS

PUBLISH = """mutation($text: String!, $visibility: PostVisibility, $groupId: ID) {
  publishPost(input: {text: $text, visibility: $visibility, groupId: $groupId}) {
    post { id text visibility group { id } topics { name } author { username } }
    errors { field code message }
  }
}"""
LIKE = """mutation($id: ID!) {
  likePost(input: {postId: $id}) { post { likeCount viewerHasLiked } errors { field code } }
}"""
UNLIKE = """mutation($id: ID!) {
  unlikePost(input: {postId: $id}) { post { likeCount viewerHasLiked } errors { field code } }
}"""
COMMENT = """mutation($postId: ID!, $text: String!, $parentId: ID) {
  addComment(input: {postId: $postId, text: $text, parentId: $parentId}) {
    comment { id text replyTo { username } }
    post { commentCount }
    errors { field code message }
  }
}"""
LIKE_COMMENT = """mutation($id: ID!) {
  likeComment(input: {commentId: $id}) { comment { likeCount viewerHasLiked } errors { code } }
}"""
UNLIKE_COMMENT = """mutation($id: ID!) {
  unlikeComment(input: {commentId: $id}) { comment { likeCount } errors { field code } }
}"""
DELETE_COMMENT = """mutation($id: ID!) {
  deleteComment(input: {commentId: $id}) {
    deletedCommentId post { commentCount } errors { field code }
  }
}"""
EDIT = """mutation($id: ID!, $text: String, $visibility: PostVisibility) {
  editPost(input: {postId: $id, text: $text, visibility: $visibility}) {
    post { text visibility editedAt topics { name } } errors { field code }
  }
}"""
DELETE = """mutation($id: ID!) {
  deletePost(input: {postId: $id}) { deletedPostId errors { field code } }
}"""
REPOST = """mutation($id: ID!, $text: String) {
  repost(input: {postId: $id, text: $text}) {
    post { id text repostOf { id text author { username } } } errors { field code }
  }
}"""
PIN = """mutation($id: ID!) { pinPost(input: {postId: $id}) {
  post { isAnnouncement } errors { field code } } }"""
UNPIN = """mutation($id: ID!) { unpinPost(input: {postId: $id}) {
  post { isAnnouncement } errors { field code } } }"""
ANNOUNCEMENTS = """query($groupId: ID!) { groupAnnouncements(groupId: $groupId) { id text } }"""


def join_private(group, owner, user) -> None:
    invitation = group_services.invite(actor=actor_for(owner), group=group,
                                       username=user.username)
    group_services.answer_invitation(actor=actor_for(user), invitation_id=invitation.pk,
                                     accept=True)


def home_texts(gql, first: int = 50) -> list[str]:
    edges = gql.data(HOME, first=first)["homeTimeline"]["edges"]
    return [edge["node"]["text"] for edge in edges]


# --- writing and reading ----------------------------------------------------------------


def test_publish_like_comment_edit_delete_round_trip(gql):
    author, fan = make_user("author"), make_user("fan")
    account_services.follow(actor=actor_for(fan), username="author")

    gql.as_user(author)
    payload = gql.mutate("publishPost", PUBLISH, text="一起复习 #期末考试# <b>加油</b> @fan")
    assert payload["errors"] == []
    post = payload["post"]
    assert post["visibility"] == "PUBLIC" and post["group"] is None
    assert post["author"]["username"] == "author"
    assert post["text"] == "一起复习 #期末考试# <b>加油</b> @fan"  # raw text: clients escape
    assert post["topics"] == [{"name": "期末考试"}]

    gql.as_user(fan)
    [edge] = gql.data(HOME, first=10)["homeTimeline"]["edges"]
    assert edge["node"]["id"] == post["id"] and edge["node"]["viewerHasLiked"] is False
    assert edge["node"]["author"]["username"] == "author"

    liked = gql.mutate("likePost", LIKE, id=post["id"])
    assert liked == {"post": {"likeCount": 1, "viewerHasLiked": True}, "errors": []}
    twice = gql.mutate("likePost", LIKE, id=post["id"])
    assert twice["post"] is None
    assert [(e["code"], e["field"]) for e in twice["errors"]] == [("CONFLICT", "postId")]
    assert PostLike.objects.count() == 1

    top = gql.mutate("addComment", COMMENT, postId=post["id"], text="我也在复习")
    assert top["errors"] == [] and top["post"]["commentCount"] == 1
    gql.as_user(author)
    reply = gql.mutate("addComment", COMMENT, postId=post["id"], text="一起加油",
                       parentId=top["comment"]["id"])
    assert reply["comment"]["replyTo"] == {"username": "fan"}
    assert reply["post"]["commentCount"] == 2
    assert gql.mutate("likeComment", LIKE_COMMENT, id=top["comment"]["id"]) == {
        "comment": {"likeCount": 1, "viewerHasLiked": True}, "errors": []}

    shown = gql.data(POST, id=post["id"])["post"]
    assert shown["likeCount"] == 1 and shown["commentCount"] == 2
    assert shown["viewerHasLiked"] is False  # the author did not like it; the fan did
    [comment] = [edge["node"] for edge in shown["comments"]["edges"]]
    assert comment["text"] == "我也在复习" and comment["viewerHasLiked"] is True
    assert comment["replies"] == [{"id": reply["comment"]["id"], "text": "一起加油",
                                   "replyTo": {"username": "fan"}, "viewerHasLiked": False}]

    edited = gql.mutate("editPost", EDIT, id=post["id"], text="改成 #高数#",
                        visibility="FOLLOWERS")
    assert edited["errors"] == []
    assert edited["post"]["text"] == "改成 #高数#" and edited["post"]["visibility"] == "FOLLOWERS"
    assert edited["post"]["editedAt"] and edited["post"]["topics"] == [{"name": "高数"}]

    gql.as_user(fan)
    assert gql.mutate("unlikePost", UNLIKE, id=post["id"])["post"] == {
        "likeCount": 0, "viewerHasLiked": False}
    again = gql.mutate("unlikePost", UNLIKE, id=post["id"])
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("NOT_FOUND", "postId")]
    assert gql.mutate("deletePost", DELETE, id=post["id"])["errors"] == [
        {"field": None, "code": "PERMISSION_DENIED"}]
    removed = gql.mutate("deleteComment", DELETE_COMMENT, id=top["comment"]["id"])
    assert removed["errors"] == [] and removed["post"]["commentCount"] == 0

    gql.as_user(author)
    assert gql.mutate("deletePost", DELETE, id=post["id"]) == {"deletedPostId": post["id"],
                                                                "errors": []}
    assert gql.data(NODE, id=post["id"])["node"] is None
    assert not Post.objects.exists() and not Comment.objects.exists()


def test_group_post_and_announcements(gql):
    owner, member = make_user("owner"), make_user("member")
    group = make_interest_group(owner, name="摄影社")
    group_services.join_group(actor=actor_for(member), group=group)

    gql.as_user(member)
    payload = gql.mutate("publishPost", PUBLISH, text="周六外拍，西湖集合", groupId=gid(group),
                         visibility="PUBLIC")
    assert payload["errors"] == []
    assert payload["post"]["visibility"] == "GROUP"  # a group post is always GROUP
    assert payload["post"]["group"] == {"id": gid(group)}
    post_id = payload["post"]["id"]
    assert gql.mutate("pinPost", PIN, id=post_id)["errors"] == [
        {"field": None, "code": "PERMISSION_DENIED"}]

    gql.as_user(owner)
    assert gql.mutate("pinPost", PIN, id=post_id) == {"post": {"isAnnouncement": True},
                                                      "errors": []}
    gql.as_user(member)
    assert gql.data(ANNOUNCEMENTS, groupId=gid(group))["groupAnnouncements"] == [
        {"id": post_id, "text": "周六外拍，西湖集合"}]
    timeline = gql.data(GROUP_TIMELINE, groupId=gid(group))["groupTimeline"]
    assert [edge["node"]["id"] for edge in timeline["edges"]] == [post_id]

    gql.as_user(owner)
    assert gql.mutate("unpinPost", UNPIN, id=post_id)["post"] == {"isAnnouncement": False}
    assert gql.data(ANNOUNCEMENTS, groupId=gid(group))["groupAnnouncements"] == []


def test_reposts_show_the_original_until_it_is_deleted(gql):
    author, fan, other = make_user("author"), make_user("fan"), make_user("other")
    original = publish(author, "高数期末重点整理")
    gql.as_user(fan)
    first = gql.mutate("repost", REPOST, id=gid(original), text="转发学习")
    assert first["errors"] == []
    assert first["post"]["repostOf"] == {"id": gid(original), "text": "高数期末重点整理",
                                         "author": {"username": "author"}}
    gql.as_user(other)
    second = gql.mutate("repost", REPOST, id=first["post"]["id"])  # a repost of a repost
    assert second["post"]["repostOf"]["id"] == gid(original)
    assert gql.data(POST, id=gid(original))["post"]["repostCount"] == 2

    services.delete_post(actor=actor_for(author), post_id=original.pk)
    shown = gql.data(POST, id=first["post"]["id"])["post"]
    assert shown["text"] == "转发学习" and shown["repostOf"] is None

    hidden = publish(author, "只给粉丝看", visibility=Visibility.FOLLOWERS)
    refused = gql.mutate("repost", REPOST, id=gid(hidden))
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("NOT_FOUND", "postId")]


def test_topics_and_trending(gql):
    author = make_user("author")
    publish(author, "#期末复习# 第一章")
    publish(author, "#期末复习# 第二章")
    publish(author, "#四六级# 单词打卡")
    gql.as_user(make_user("reader"))
    data = gql.data("""{
      topic(name: "期末复习") { id name postCount posts(first: 5) { edges { node { text } } } }
      trendingTopics { name }
    }""")
    assert data["topic"]["name"] == "期末复习" and data["topic"]["postCount"] == 2
    assert [e["node"]["text"] for e in data["topic"]["posts"]["edges"]] == [
        "#期末复习# 第二章", "#期末复习# 第一章"]
    assert [t["name"] for t in data["trendingTopics"]] == ["期末复习", "四六级"]
    assert gql.data(NODE, id=data["topic"]["id"])["node"]["id"] == data["topic"]["id"]
    missing = gql('{ topic(name: "没有的话题") { id } }')
    assert missing["data"]["topic"] is None
    assert error_codes(missing) == [("NOT_FOUND", "name")]


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n  ", "长" * 2001])
def test_empty_or_oversized_post_is_invalid_and_changes_nothing(gql, text):
    gql.as_user(make_user())
    payload = gql.mutate("publishPost", PUBLISH, text=text)
    assert payload["post"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "text")]
    assert payload["errors"][0]["message"]
    assert not Post.objects.exists()


def test_oversized_comment_is_invalid(gql):
    post = publish(make_user())
    gql.as_user(make_user())
    payload = gql.mutate("addComment", COMMENT, postId=gid(post), text="评" * 501)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "text")]
    assert not Comment.objects.exists()


def test_posting_to_a_group_you_are_not_in_is_refused(gql):
    owner, outsider = make_user("owner"), make_user("outsider")
    group = make_interest_group(owner)
    gql.as_user(outsider)
    payload = gql.mutate("publishPost", PUBLISH, text="我来打个广告", groupId=gid(group))
    assert payload["post"] is None
    assert [e["code"] for e in payload["errors"]] == ["PERMISSION_DENIED"]
    assert not Post.objects.exists()


def test_commenting_on_a_deleted_post_is_not_found(gql):
    author = make_user("author")
    post = publish(author)
    post_id = gid(post)
    services.delete_post(actor=actor_for(author), post_id=post.pk)
    gql.as_user(make_user())
    payload = gql.mutate("addComment", COMMENT, postId=post_id, text="还在吗")
    assert payload["comment"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", "postId")]
    assert not Comment.objects.exists()


def test_liking_twice_conflicts_and_counts_once(gql):
    post = publish(make_user())
    gql.as_user(make_user())
    assert gql.mutate("likePost", LIKE, id=gid(post))["errors"] == []
    payload = gql.mutate("likePost", LIKE, id=gid(post))
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("CONFLICT", "postId")]
    post.refresh_from_db()
    assert post.like_count == 1 and PostLike.objects.count() == 1


def test_ids_of_the_wrong_kind_are_invalid(gql):
    author = make_user("author")
    post = publish(author)
    gql.as_user(author)
    payload = gql.mutate("likePost", LIKE, id=gid(author))
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "postId")]
    payload = gql.mutate("addComment", COMMENT, postId=gid(post), text="嗯", parentId="bogus")
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "parentId")]
    assert not Comment.objects.exists()


def test_forged_cursor_and_bad_page_size_are_invalid(gql):
    author, reader = make_user("author"), make_user("reader")
    account_services.follow(actor=actor_for(reader), username="author")
    for i in range(3):
        publish(author, f"动态{i}")
    gql.as_user(reader)
    page = gql.data(HOME, first=2)["homeTimeline"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["edges"][-1]["cursor"] == page["pageInfo"]["endCursor"]
    rest = gql.data(HOME, first=2, after=page["pageInfo"]["endCursor"])["homeTimeline"]
    assert [e["node"]["text"] for e in rest["edges"]] == ["动态0"]

    for forged in ["forged", page["pageInfo"]["endCursor"][:-2] + "xx", "WzEwMDBd"]:
        body = gql(HOME, first=2, after=forged)
        assert body["data"]["homeTimeline"] is None
        assert error_codes(body) == [("INVALID", "after")]
    body = gql(USER_TIMELINE.replace("userTimeline(username: $username)",
                                     "userTimeline(username: $username, after: \"x\")"),
               username="author")
    assert error_codes(body) == [("INVALID", "after")]
    for first in (0, 101):
        assert error_codes(gql(HOME, first=first)) == [("INVALID", "first")]


def test_anonymous_visitors_cannot_write_or_have_a_home(gql):
    post = publish(make_user("author"))
    gql.as_user(None)
    payload = gql.mutate("publishPost", PUBLISH, text="匿名发帖")
    assert [e["code"] for e in payload["errors"]] == ["UNAUTHENTICATED"]
    assert error_codes(gql(HOME)) == [("UNAUTHENTICATED", None)]
    # A public post is readable without an account.
    assert gql.data(POST, id=gid(post))["post"]["viewerHasLiked"] is False


# --- visibility -----------------------------------------------------------------------------


def test_outsider_never_gets_a_private_group_post(gql):
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    club = make_interest_group(owner, name="吉他社", is_private=True, join_policy="approval")
    join_private(club, owner, member)
    account_services.follow(actor=actor_for(outsider), username="owner")
    secret = publish(owner, "#期末复习# 社团内部资料", group=club)
    comment = services.add_comment(actor=actor_for(member), post_id=secret.pk, text="收到")
    public = publish(owner, "#期末复习# 公开的复习提纲")

    gql.as_user(member)
    assert "#期末复习# 社团内部资料" in home_texts(gql)

    gql.as_user(outsider)
    assert home_texts(gql) == ["#期末复习# 公开的复习提纲"]
    body = gql(GROUP_TIMELINE, groupId=gid(club))
    assert body["data"]["groupTimeline"] is None
    assert error_codes(body) == [("PERMISSION_DENIED", None)]
    assert gql.data(NODE, id=gid(secret))["node"] is None
    assert gql.data(NODE, id=gid(comment))["node"] is None
    body = gql(POST, id=gid(secret))
    assert body["data"]["post"] is None and error_codes(body) == [("NOT_FOUND", "id")]
    topic = gql.data(TOPIC_TIMELINE, name="期末复习")["topicTimeline"]
    assert [e["node"]["id"] for e in topic["edges"]] == [gid(public)]
    user = gql.data(USER_TIMELINE, username="owner")["userTimeline"]
    assert [e["node"]["id"] for e in user["edges"]] == [gid(public)]
    for mutation, variables in [(LIKE, {"id": gid(secret)}),
                                (LIKE_COMMENT, {"id": gid(comment)}),
                                (COMMENT, {"postId": gid(secret), "text": "偷看"})]:
        name = mutation.split("{")[1].split("(")[0].strip()
        assert gql.mutate(name, mutation, **variables)["errors"][0]["code"] == "NOT_FOUND"

    # A member who leaves loses the posts at once, in every list.
    group_services.leave_group(actor=actor_for(member), group=club)
    gql.as_user(member)
    assert "#期末复习# 社团内部资料" not in home_texts(gql)
    assert gql.data(NODE, id=gid(secret))["node"] is None
    assert gql.data(TOPIC_TIMELINE, name="期末复习")["topicTimeline"]["edges"] == [
        {"node": {"id": gid(public), "text": "#期末复习# 公开的复习提纲"}}]


def test_school_square_keeps_school_posts_in_the_school(gql):
    home_school, other_school = make_school("浙江大学"), make_school("复旦大学")
    author = verify(make_user("author", school=home_school))
    classmate = verify(make_user("classmate", school=home_school))
    stranger = make_user("stranger", school=other_school)
    school_post = publish(author, "本校通知：图书馆延长开放", visibility=Visibility.SCHOOL)
    public = publish(author, "大家好")
    gql.as_user(classmate)
    square = gql.data(SQUARE, schoolId=gid(home_school))["schoolSquare"]
    assert [e["node"]["id"] for e in square["edges"]] == [gid(public), gid(school_post)]
    gql.as_user(stranger)
    square = gql.data(SQUARE, schoolId=gid(home_school))["schoolSquare"]
    assert [e["node"]["id"] for e in square["edges"]] == [gid(public)]
    # Picking the school is not being verified by it: no school-only post, by any field.
    newcomer = make_user("newcomer", school=home_school)
    account_services.follow(actor=actor_for(newcomer), username="author")
    gql.as_user(newcomer)
    square = gql.data(SQUARE, schoolId=gid(home_school))["schoolSquare"]
    assert [e["node"]["id"] for e in square["edges"]] == [gid(public)]
    assert gql.data(NODE, id=gid(school_post))["node"] is None
    assert [e["node"]["id"] for e in gql.data(HOME)["homeTimeline"]["edges"]] == [gid(public)]


def test_only_a_verified_member_posts_to_the_school(gql):
    school = make_school()
    newcomer = make_user("newcomer", school=school)
    gql.as_user(newcomer)
    refused = gql.mutate("publishPost", PUBLISH, text="冒充本校同学", visibility="SCHOOL")
    assert refused["post"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID", "visibility")]
    public = gql.mutate("publishPost", PUBLISH, text="大家好")["post"]
    edited = gql.mutate("editPost", EDIT, id=public["id"], visibility="SCHOOL")
    assert [(e["code"], e["field"]) for e in edited["errors"]] == [("INVALID", "visibility")]
    assert list(Post.objects.values_list("text", "visibility")) == [("大家好", "public")]
    verify(newcomer)
    posted = gql.mutate("publishPost", PUBLISH, text="本校同学好", visibility="SCHOOL")
    assert posted["errors"] == [] and posted["post"]["visibility"] == "SCHOOL"


def mentions(data: dict) -> list[dict]:
    return [e for e in data["notifications"]["edges"] if e["node"]["kind"] == "MENTIONED"]


# The worker takes tasks with SELECT ... FOR UPDATE SKIP LOCKED: it needs real commits.
@pytest.mark.django_db(transaction=True)
def test_notification_shows_its_post_only_while_the_viewer_may_see_it(gql, run_worker):
    owner, member = make_user("owner"), make_user("member")
    club = make_interest_group(owner, name="读书会", is_private=True, join_policy="approval")
    join_private(club, owner, member)
    post = publish(owner, "这周读《平凡的世界》@member", group=club)
    run_worker()
    assert Notification.objects.filter(recipient=member, kind="mentioned").exists()
    query = """{ notifications { edges { node { kind targetId excerpt actor { username } } } } }"""

    gql.as_user(member)
    [edge] = mentions(gql.data(query))
    assert edge["node"] == {"kind": "MENTIONED", "targetId": gid(post),
                            "excerpt": "这周读《平凡的世界》@member",
                            "actor": {"username": "owner"}}

    group_services.leave_group(actor=actor_for(member), group=club)
    [edge] = mentions(gql.data(query))
    assert edge["node"]["targetId"] is None and edge["node"]["excerpt"] == ""


# --- cost -----------------------------------------------------------------------------------


def build_home(viewer) -> None:
    """63 posts in the viewer's home: followed authors, two groups, reposts, images, likes."""
    teacher = make_teacher("teacher_wang")
    klass = make_class_group(teacher, name="软件工程2024级2班")
    group_services.join_by_code(actor=actor_for(viewer), code=klass.join_code)
    club = make_interest_group(make_user("club_owner"), name="篮球社")
    group_services.join_group(actor=actor_for(viewer), group=club)
    stranger = make_user("stranger")
    originals = [publish(stranger, f"#学习资料# 原帖{i}") for i in range(5)]
    authors = [make_user(f"author{i}") for i in range(4)]
    for author in authors:
        account_services.follow(actor=actor_for(viewer), username=author.username)
        group_services.join_group(actor=actor_for(author), group=club)
    for i in range(15):
        publish(teacher, f"班级通知 {i}", group=klass)
        for n, author in enumerate(authors if i < 12 else []):
            if n == 0 and i % 3 == 2:
                post = services.repost(actor=actor_for(author), post_id=originals[i % 5].pk,
                                       text=f"转发{i}")
            elif n == 1 and i % 4 == 3:
                post = publish(author, f"#高数# 图{i}", images=[png(), png("b.png")])
            elif n == 2:
                post = publish(author, f"群里 #期末复习# #四六级# {i}", group=club)
            else:
                post = publish(author, f"{author.username} 的动态 #期末复习# {i}")
            if i % 2:
                services.like_post(actor=actor_for(viewer), post_id=post.pk)


def queries_for_home(gql, first: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        page = gql.data(HOME, first=first)["homeTimeline"]
    posts = [edge["node"] for edge in page["edges"]]
    assert len(posts) == first and page["pageInfo"]["hasNextPage"] is True
    assert any(p["repostOf"] and p["repostOf"]["author"]["username"] == "stranger"
               for p in posts)
    assert any(len(p["images"]) == 2 for p in posts)
    assert any(p["group"] and p["group"]["name"] == "篮球社" for p in posts)
    assert any(p["viewerHasLiked"] for p in posts) and not all(p["viewerHasLiked"] for p in posts)
    assert any(len(p["topics"]) == 2 for p in posts)
    return len(captured.captured_queries)


def test_home_page_of_50_costs_what_a_page_of_20_costs(gql):
    viewer = make_user("viewer")
    build_home(viewer)
    assert Post.objects.exclude(author__username="stranger").count() == 63
    gql.as_user(viewer)
    gql.data(HOME, first=5)  # warm-up: a first read may schedule a Redis timeline rebuild
    twenty = queries_for_home(gql, 20)
    fifty = queries_for_home(gql, 50)
    assert fifty == twenty, f"20 posts: {twenty} queries, 50 posts: {fifty} queries"
    # At most: session, user; follows and memberships, groups, 2 id lists, posts, images,
    # people, originals, their images (the cards, all cold: the writes just made left
    # tombstones); likes, topics, visible originals.
    assert twenty <= 14, twenty
