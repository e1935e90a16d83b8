"""Search leaves out the posts of the people the searcher blocked (拉黑), in the backend
itself (so a page is not filled with hits dropped afterwards) and through the selectors."""

from __future__ import annotations

import pytest

from feeds import services as feed_services
from tests.factories import actor_for, make_user
from yiban_core.accounts import services as account_services
from yiban_core.accounts.models import User
from yiban_core.search import selectors
from yiban_core.search.backends import database_backend
from yiban_core.search.backends.base import Filters
from yiban_core.search.text import query_terms

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits


@pytest.fixture(autouse=True)
def _plain(settings, no_redis):
    settings.ELASTICSEARCH_URL = ""


def found(user, query) -> list[tuple[str, int]]:
    fresh = User.objects.get(pk=user.pk)  # a request's user
    return [(r.kind, r.object.pk) for r in selectors.search(actor=actor_for(fresh),
                                                            query=query).items]


def test_the_blocked_persons_posts_are_not_found_by_the_blocker(run_worker):
    me, rude, other = make_user("searcher"), make_user("rude_one"), make_user("other")
    theirs = feed_services.publish_post(actor=actor_for(rude), text="高等数学期末复习资料")
    kept = feed_services.publish_post(actor=actor_for(other), text="高等数学笔记分享")
    run_worker()
    assert set(found(me, "高等数学")) == {("post", theirs.pk), ("post", kept.pk)}
    account_services.block_user(actor=actor_for(me), username="rude_one")
    assert found(me, "高等数学") == [("post", kept.pk)]
    # People stay findable (to unblock them, say), and others find the post as before.
    assert ("user", rude.pk) in found(me, "rude_one")
    assert set(found(other, "高等数学")) == {("post", theirs.pk), ("post", kept.pk)}


@pytest.mark.parametrize("sort", ["relevance", "newest", "rating"])
def test_the_database_backend_filters_blocked_authors_itself(run_worker, sort):
    rude, other = make_user("rude_one"), make_user("other")
    theirs = feed_services.publish_post(actor=actor_for(rude), text="线性代数作业答案")
    kept = feed_services.publish_post(actor=actor_for(other), text="线性代数复习提纲")
    run_worker()

    def hits(filters):
        return {(h.kind, h.object_id) for h in database_backend().search(
            query_terms("线性代数"), filters, sort=sort, after=None, limit=20)}

    assert hits(Filters()) == {("post", theirs.pk), ("post", kept.pk)}
    assert hits(Filters(blocked_author_ids=frozenset({rude.pk}))) == {("post", kept.pk)}
