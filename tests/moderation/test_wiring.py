"""Every service where a person writes text screens it: blocked words are refused on
the field with nothing saved, replaced words are stored starred; pages and GraphQL
get it through the services."""

import pytest
from django.urls import reverse

from feeds import services as feed_services
from feeds.models import Comment, Post
from resources import services as resource_services
from resources.models import Rating, Resource
from tests.factories import actor_for, make_class_group, make_school, make_teacher, make_user
from tests.graphql.conftest import GraphQLClient
from yiban_core.accounts import services as account_services
from yiban_core.errors import Invalid
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group

pytestmark = pytest.mark.django_db

PUBLISH = """mutation($text: String!) {
  publishPost(input: {text: $text}) { post { id text } errors { field code message } }
}"""
COMMENT = """mutation($postId: ID!, $text: String!) {
  addComment(input: {postId: $postId, text: $text}) {
    comment { text } errors { field code message } }
}"""


@pytest.fixture(autouse=True)
def word_list(listed):
    listed("代考")
    listed("作弊", "replace")


@pytest.fixture
def gql(client) -> GraphQLClient:
    return GraphQLClient(client)


def test_a_blocked_post_from_the_page_is_refused_and_not_saved(client):
    client.force_login(make_user("li_hua"))
    response = client.post(reverse("post_create"), {"text": "高价找人 代-考 四六级",
                                                    "visibility": "public"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID" and "代考" in response.json()["message"]
    page = client.post(reverse("post_create"), {"text": "找人dai kao", "visibility": "public"})
    assert page.status_code == 400 and "代考" in page.content.decode()
    assert not Post.objects.exists()


def test_a_replaced_word_is_stored_starred_from_the_page(client):
    client.force_login(make_user("li_hua"))
    client.post(reverse("post_create"), {"text": "考试作弊要处分", "visibility": "public"})
    assert Post.objects.get().text == "考试**要处分"


def test_graphql_refuses_a_blocked_post_and_comment_and_stars_a_replaced_one(gql):
    author = make_user("li_hua")
    gql.as_user(author)
    payload = gql.mutate("publishPost", PUBLISH, text="ＤＡＩＫＡＯ 联系我")
    assert payload["post"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("text", "INVALID")]
    assert not Post.objects.exists()

    payload = gql.mutate("publishPost", PUBLISH, text="别 作 弊")
    assert payload["post"]["text"] == "别 * *"
    post_id = payload["post"]["id"]
    payload = gql.mutate("addComment", COMMENT, postId=post_id, text="可以代考吗")
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("text", "INVALID")]
    assert not Comment.objects.exists()
    payload = gql.mutate("addComment", COMMENT, postId=post_id, text="作弊可耻")
    assert payload["comment"]["text"] == "**可耻"


def test_editing_a_post_is_screened_too():
    author = make_user("li_hua")
    post = feed_services.publish_post(actor=actor_for(author), text="周末复习")
    with pytest.raises(Invalid) as refused:
        feed_services.edit_post(actor=actor_for(author), post_id=post.pk, text="周末代考")
    assert refused.value.field == "text"
    post.refresh_from_db()
    assert post.text == "周末复习"


def test_resources_and_reviews_are_screened():
    owner, reader = make_user("owner"), make_user("reader")
    with pytest.raises(Invalid) as refused:
        resource_services.publish_resource(actor=actor_for(owner), title="代考资料",
                                           subject="mathematics", url="https://example.edu.cn/a")
    assert refused.value.field == "title" and not Resource.objects.exists()
    with pytest.raises(Invalid) as refused:
        resource_services.publish_resource(actor=actor_for(owner), title="线代笔记",
                                           description="包过，代考", subject="mathematics",
                                           url="https://example.edu.cn/a")
    assert refused.value.field == "description" and not Resource.objects.exists()
    resource = resource_services.publish_resource(
        actor=actor_for(owner), title="防作弊指南", subject="mathematics",
        url="https://example.edu.cn/a", tags=["作弊"])
    assert resource.title == "防**指南"
    assert list(resource.tags.values_list("name", flat=True)) == ["**"]
    with pytest.raises(Invalid) as refused:
        resource_services.update_resource(actor=actor_for(owner), resource_id=resource.pk,
                                          description="代考")
    assert refused.value.field == "description"
    with pytest.raises(Invalid) as refused:
        resource_services.rate_resource(actor=actor_for(reader), resource_id=resource.pk,
                                        stars=5, review="有人代考吗")
    assert refused.value.field == "review" and not Rating.objects.exists()
    rating = resource_services.rate_resource(actor=actor_for(reader), resource_id=resource.pk,
                                             stars=4, review="讲清楚了作弊的后果")
    assert rating.review == "讲清楚了**的后果"


def test_groups_and_profiles_are_screened():
    teacher = make_teacher("wang_laoshi")
    with pytest.raises(Invalid) as refused:
        make_class_group(teacher, name="代考交流群")
    assert refused.value.field == "name" and not Group.objects.exists()
    group = make_class_group(teacher, name="诚信考试班", description="拒绝作弊")
    assert group.description == "拒绝**"
    with pytest.raises(Invalid) as refused:
        group_services.update_group(actor=actor_for(teacher), group=group, description="代考")
    assert refused.value.field == "description"

    student = make_user("li_hua")
    with pytest.raises(Invalid) as refused:
        account_services.update_profile(actor=actor_for(student), display_name="代考小王")
    assert refused.value.field == "display_name"
    user = account_services.update_profile(actor=actor_for(student), bio="作弊可耻")
    assert user.profile.bio == "**可耻"
    with pytest.raises(Invalid) as refused:
        account_services.register_user(username="dk001", password="Xuexi-2026-ok",
                                       display_name="专业代考")
    assert refused.value.field == "display_name"


def test_a_schools_list_applies_in_its_groups(listed):
    school = make_school()
    listed("挂科", "block", school=school)
    teacher = make_teacher("wang_laoshi", school=school)
    group = make_class_group(teacher)
    outsider = make_user("visitor")
    assert feed_services.publish_post(actor=actor_for(outsider), text="又挂科了").text
    with pytest.raises(Invalid):
        feed_services.publish_post(actor=actor_for(teacher), text="谁挂科了", group=group)
    assert not Post.objects.filter(group=group).exists()


def test_a_group_page_name_is_screened_through_graphql(gql):
    gql.as_user(make_user("li_hua"))
    body = gql("""mutation { createGroup(input: {name: "代考 互助", kind: INTEREST}) {
        group { id } errors { field code } } }""")
    assert body["data"]["createGroup"]["errors"] == [{"field": "name", "code": "INVALID"}]
    assert not Group.objects.exists()
