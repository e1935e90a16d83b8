from datetime import timedelta

import pytest
from django.db.models import Sum

from feeds import services as feed_services
from tests.factories import actor_for, make_user
from yiban_core.credits import selectors, services
from yiban_core.credits.models import PointBalance, PointEntry
from yiban_core.errors import Conflict

pytestmark = pytest.mark.django_db


def balance_of(user) -> int:
    return selectors.balance(actor=actor_for(user))


def test_the_same_action_is_never_paid_twice():
    user = make_user()
    assert services.award(user_id=user.pk, rule="resource_shared", key="r1") is not None
    assert services.award(user_id=user.pk, rule="resource_shared", key="r1") is None
    assert balance_of(user) == 10
    assert PointEntry.objects.count() == 1


def test_daily_cap_stops_farming_and_pays_the_remainder():
    user = make_user()
    paid = [services.award(user_id=user.pk, rule="resource_shared", key=f"r{i}")
            for i in range(7)]
    assert [e.amount if e else 0 for e in paid] == [10, 10, 10, 10, 10, 0, 0]
    assert balance_of(user) == 50


def test_yesterdays_points_do_not_count_against_today(settings):
    user = make_user()
    for i in range(5):
        services.award(user_id=user.pk, rule="resource_shared", key=f"old{i}")
    PointEntry.objects.update(created_at=PointEntry.objects.first().created_at - timedelta(days=1))
    assert services.award(user_id=user.pk, rule="resource_shared", key="new") is not None


def test_deleting_content_reverses_what_it_earned_once():
    author, fan = make_user(), make_user()
    post = feed_services.publish_post(actor=actor_for(author), text="分享一份笔记")
    feed_services.like_post(actor=actor_for(fan), post_id=post.pk)
    assert balance_of(author) == 3  # 2 for the post, 1 for the like
    feed_services.delete_post(actor=actor_for(author), post_id=post.pk)
    assert balance_of(author) == 0
    assert services.reverse_for(post) == 0  # twice does no harm
    history = list(selectors.history(actor=actor_for(author)))
    assert sorted(e.amount for e in history) == [-2, -1, 1, 2]  # append-only: nothing erased


def test_liking_your_own_post_earns_nothing():
    author = make_user()
    post = feed_services.publish_post(actor=actor_for(author), text="自赞")
    feed_services.like_post(actor=actor_for(author), post_id=post.pk)
    assert balance_of(author) == 2


def test_daily_checkin_once_a_day():
    user = make_user()
    services.daily_checkin(actor=actor_for(user))
    with pytest.raises(Conflict):
        services.daily_checkin(actor=actor_for(user))
    assert balance_of(user) == 5


def test_balance_always_equals_the_ledger():
    users = [make_user() for _ in range(3)]
    for i, user in enumerate(users):
        for j in range(i + 2):
            services.award(user_id=user.pk, rule="post_published", key=f"{user.pk}:{j}")
    services.award(user_id=users[0].pk, rule="resource_shared", key="x")
    for user in users:
        ledger = PointEntry.objects.filter(user=user).aggregate(s=Sum("amount"))["s"]
        assert PointBalance.objects.get(user=user).total == ledger
