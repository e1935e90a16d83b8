"""Webhooks never carry held content: a post or comment held by a `review` word is not
announced, a held review's words are left out of resource.rated (its stars still count)."""

import json

import pytest

from feeds import services as feed_services
from resources import services as resource_services
from tests.factories import actor_for, make_user, verify
from tests.openapi.test_webhooks import campus, receiver, subscribe  # noqa: F401  fixtures

pytestmark = pytest.mark.django_db(transaction=True)  # the worker delivers after commit


@pytest.fixture(autouse=True)
def word_list(listed):
    listed("包过", "review")


def test_held_posts_comments_and_reviews_are_not_delivered(campus, receiver,  # noqa: F811
                                                          run_worker):
    school, app, owner = campus
    subscribe(app, owner, receiver, events=("post.published", "comment.added", "resource.rated"))
    author = verify(make_user("wang_fang", school=school))
    reader = verify(make_user("chen_jie", school=school))
    feed_services.publish_post(actor=actor_for(author), text="四级包过，私聊")
    post = feed_services.publish_post(actor=actor_for(author), text="明天开班会")
    feed_services.add_comment(actor=actor_for(reader), post_id=post.pk, text="包过班了解一下")
    feed_services.add_comment(actor=actor_for(reader), post_id=post.pk, text="收到")
    resource = resource_services.publish_resource(
        actor=actor_for(author), title="数据结构真题", subject="computing",
        url="https://pan.example.edu.cn/ds.pdf")
    resource_services.rate_resource(actor=actor_for(reader), resource_id=resource.pk, stars=5,
                                    review="报班包过")
    run_worker()

    bodies = [(r["headers"]["X-Yiban-Event"], json.loads(r["body"])["data"])
              for r in receiver.requests]
    assert [data["post"]["text"] for event, data in bodies if event == "post.published"] == [
        "明天开班会"]
    assert [data["comment"]["text"] for event, data in bodies if event == "comment.added"] == [
        "收到"]
    rated = [data["rating"] for event, data in bodies if event == "resource.rated"]
    assert [(r["stars"], r["review"]) for r in rated] == [(5, "")]
    assert "包过" not in b"".join(r["body"] for r in receiver.requests).decode()
