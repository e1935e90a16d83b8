"""Redis writes that failed (a fan-out, a forgotten card) are done again by the task
queue, so the home page is right once Redis answers again, not hours later."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from feeds import services as feed_services
from feeds.models import Post
from tests.factories import actor_for, make_user
from tests.own_redis import own_redis_fixture  # noqa: F401 (the own_redis fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def retries_are_due() -> None:
    """Let the back-off of the retried tasks pass."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now()
                                                       - timedelta(seconds=1))


def home_text(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_an_edit_that_redis_missed_reaches_the_home_page_when_it_is_back(
        own_redis, client, run_worker):
    li, wang = make_user("li_hua"), make_user("wang_fang")
    client.force_login(li)
    assert client.post(reverse("follow", args=["wang_fang"])).status_code == 302
    post = feed_services.publish_post(actor=actor_for(wang), text="原来的通知")
    run_worker()
    assert "原来的通知" in home_text(client)  # from the database; a rebuild is queued
    run_worker()
    assert "原来的通知" in home_text(client)  # from the timeline and the post's card in Redis

    own_redis.kill(keep_keys=True)
    feed_services.edit_post(actor=actor_for(wang), post_id=post.pk, text="改过的通知")
    later = feed_services.publish_post(actor=actor_for(wang), text="新的通知")
    run_worker()  # its fan-out fails
    own_redis.start()  # back with the old card and the timeline without the new post
    assert "原来的通知" in home_text(client)  # until the retries run

    retries_are_due()
    run_worker()
    page = home_text(client)
    assert "改过的通知" in page and "原来的通知" not in page
    assert "新的通知" in page
    assert Post.objects.get(pk=later.pk).text == "新的通知"


def test_a_retry_stops_once_the_entry_would_have_expired(own_redis, settings, run_worker):
    from feeds import cards

    settings.FEED_CARD_TTL_S = 1
    own_redis.kill()
    cards.forget(cards.POST, [1])  # fails: a retry is queued
    assert DBTaskResult.objects.filter(task_path="feeds.cards.forget_cards").count() == 1
    time.sleep(1.5)
    retries_are_due()
    run_worker()  # fails again, past the card's lifetime: no further retry
    assert DBTaskResult.objects.filter(task_path="feeds.cards.forget_cards").count() == 1


def test_a_follow_that_redis_missed_reaches_the_home_page_when_it_is_back(
        own_redis, client, run_worker):
    li, wang = make_user("li_hua"), make_user("wang_fang")
    feed_services.publish_post(actor=actor_for(wang), text="旧的帖子")
    client.force_login(li)
    home_text(client)
    run_worker()
    assert "旧的帖子" not in home_text(client)  # li's timeline, complete, in Redis

    own_redis.kill(keep_keys=True)
    assert client.post(reverse("follow", args=["wang_fang"])).status_code == 302
    own_redis.start()  # back with the timeline from before the follow

    retries_are_due()
    run_worker()
    assert "旧的帖子" in home_text(client)


def test_a_group_left_while_redis_was_down_is_off_the_home_page_when_it_is_back(
        own_redis, client, run_worker):
    from tests.factories import make_interest_group
    from yiban_core.groups import services as group_services

    li, wang = make_user("li_hua"), make_user("wang_fang")
    club = make_interest_group(wang, name="摄影社", is_private=True, join_policy="open")
    group_services.join_group(actor=actor_for(li), group=club)
    feed_services.publish_post(actor=actor_for(wang), text="社团内部通知", group=club)
    client.force_login(li)
    run_worker()
    assert "社团内部通知" in home_text(client)  # from the database; a rebuild is queued
    run_worker()
    assert "社团内部通知" in home_text(client)  # from Redis: timeline and cards

    own_redis.kill(keep_keys=True)
    group_services.leave_group(actor=actor_for(li), group=club)  # forgetting the cards fails
    own_redis.start()  # back with li's groups and timeline from before
    assert "社团内部通知" not in home_text(client)  # at once, not hours later

    retries_are_due()
    run_worker()  # the cards forgotten again, refilled from the database
    assert "社团内部通知" not in home_text(client)
