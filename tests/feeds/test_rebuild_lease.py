"""A timeline rebuild that dies between start and finish (a killed worker) leaves its
"pending" mark; past the rebuild's lease the next read starts another, so the
timeline does not stay on the database path for good."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from django.conf import settings

from feeds import selectors, services, timeline_store
from tests.factories import actor_for, make_user
from yiban_core.accounts import services as account_services

pytestmark = pytest.mark.django_db(transaction=True)


def home_ids(user) -> list[int]:
    return [post.pk for post in selectors.home_timeline(actor=actor_for(user), first=20).items]


def test_a_rebuild_that_died_is_started_again_after_its_lease(
        redis_timelines, run_worker, monkeypatch):
    li, wang = make_user("li_hua"), make_user("wang_fang")
    account_services.follow(actor=actor_for(li), username="wang_fang")
    posts = [services.publish_post(actor=actor_for(wang), text=f"第{i}条").pk for i in range(3)]
    key = timeline_store.key(li.pk)
    # A worker marks the rebuild as started, then dies before it finishes.
    assert timeline_store.start_rebuild(key)

    assert home_ids(li) == posts[::-1]  # from the database
    run_worker()  # within the lease nothing is started again: the rebuild may still run
    assert redis_timelines.zscore(key, timeline_store.PENDING) is not None
    assert timeline_store.read(key, before=None, count=5) is None

    later = time.time() + settings.FEED_REBUILD_LEASE_S + 1
    monkeypatch.setattr(timeline_store, "time", SimpleNamespace(time=lambda: later))
    assert home_ids(li) == posts[::-1]  # still the database, and a rebuild is queued
    run_worker()
    assert redis_timelines.zscore(key, timeline_store.PENDING) is None
    assert timeline_store.read(key, before=None, count=5).ids == posts[::-1]
    assert home_ids(li) == posts[::-1]  # now from Redis


def test_a_finished_rebuild_is_not_started_again(redis_timelines, run_worker, monkeypatch):
    li = make_user("li_hua")
    home_ids(li)
    run_worker()
    key = timeline_store.key(li.pk)
    assert timeline_store.read(key, before=None, count=5) is not None
    later = time.time() + settings.FEED_REBUILD_LEASE_S + 1
    monkeypatch.setattr(timeline_store, "time", SimpleNamespace(time=lambda: later))
    assert not timeline_store.needs_rebuild(key)
