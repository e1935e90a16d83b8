"""Pages answer bad input with a clear error and change nothing: ids past the database's
bigint, NUL characters (which PostgreSQL cannot store or compare), junk ids in forms."""

import pytest
from django.urls import reverse

from feeds import services as feed_services
from feeds.models import Comment, Post
from tests.factories import actor_for, make_user

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"
NUL_MESSAGE = "空字符"


@pytest.mark.parametrize("param", ["school", "course"])
def test_a_huge_id_in_the_library_filters_is_not_a_500(client, param):
    client.force_login(make_user("li_hua"))
    response = client.get(reverse("resource_library"), {param: HUGE})
    assert response.status_code == 200


@pytest.mark.parametrize("param", ["school", "course"])
def test_a_huge_id_in_the_search_filters_is_a_clear_error(client, param):
    response = client.get(reverse("search"), {"q": "高等数学", param: HUGE})
    assert response.status_code == 400
    assert "编号不正确" in response.content.decode()


@pytest.mark.parametrize("url", ["/u/a%00b/", "/topics/a%00b/", "/search/?q=a%00b",
                                 "/resources/?q=%00", "/resources/?tag=a&after=%00",
                                 "/?next=%00"])
def test_a_nul_in_the_address_is_refused(client, url):
    client.force_login(make_user("li_hua"))
    response = client.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_a_comment_with_a_nul_is_refused_and_not_stored(client):
    author = make_user("li_hua")
    post = feed_services.publish_post(actor=actor_for(author), text="周末去爬山")
    client.force_login(author)
    page = client.post(reverse("comment_create", args=[post.pk]), {"text": "好\x00的"})
    assert page.status_code == 400 and NUL_MESSAGE in page.content.decode()
    as_json = client.post(reverse("comment_create", args=[post.pk]), {"text": "好\x00的"},
                          headers={"Accept": "application/json"})
    assert as_json.status_code == 400 and as_json.json()["code"] == "INVALID"
    assert not Comment.objects.exists()


def test_a_composed_post_with_a_nul_is_refused_and_not_stored(client):
    client.force_login(make_user("li_hua"))
    # multipart, as the composer sends it (it may carry images)
    response = client.post(reverse("post_create"), {
        "text": "#考研\x00#", "visibility": "public"})
    assert response.status_code == 400 and NUL_MESSAGE in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.parametrize("parent", ["abc", HUGE, "-1"])
def test_a_reply_to_a_junk_comment_id_is_not_found(client, parent):
    author = make_user("li_hua")
    post = feed_services.publish_post(actor=actor_for(author), text="周末去爬山")
    client.force_login(author)
    response = client.post(reverse("comment_create", args=[post.pk]),
                           {"text": "好的", "parent": parent},
                           headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json()["field"] == "parent"
    assert not Comment.objects.exists()
