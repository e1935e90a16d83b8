"""`manage.py search_reindex --backend database` rebuilds the index from the sources."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from feeds import services as feed_services
from resources import services as resource_services
from tests.factories import actor_for, make_interest_group, make_user
from yiban_core.search import selectors
from yiban_core.search.backends import _backends
from yiban_core.search.models import SearchDocument

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_only(settings, no_redis):
    settings.ELASTICSEARCH_URL = ""
    _backends.cache_clear()
    yield
    _backends.cache_clear()


def found(actor, query) -> set[tuple[str, int]]:
    return {(r.kind, r.object.pk) for r in selectors.search(actor=actor, query=query).items}


def reindex(*args) -> str:
    out = StringIO()
    call_command("search_reindex", *args, stdout=out)
    return out.getvalue()


def test_database_reindex_restores_a_wiped_index():
    author = make_user("laoshi")
    actor = actor_for(author)
    post = feed_services.publish_post(actor=actor, text="高等数学期末复习资料：极限与导数")
    resource = resource_services.publish_resource(
        actor=actor, title="高等数学期末复习资料", subject="mathematics",
        url="https://example.edu.cn/gaoshu", description="第一到六章习题解答")
    group = make_interest_group(author, name="高等数学互助小组")
    # No worker has run: the index is empty until the reindex fills it.
    SearchDocument.objects.all().delete()
    viewer = actor_for(make_user())
    assert found(viewer, "高等数学") == set()

    out = reindex("--backend", "database")

    expected = {("post", post.pk), ("resource", resource.pk), ("group", group.pk)}
    assert found(viewer, "高等数学") == expected
    assert found(viewer, "数学") == expected
    assert "database post: 1 indexed" in out and "database resource: 1 indexed" in out
    assert "documents in" in out  # the time taken
    assert "elasticsearch" not in out


def test_reindex_is_idempotent_and_drops_what_is_gone():
    author = make_user("banzhang")
    post = feed_services.publish_post(actor=actor_for(author), text="线性代数作业答案讨论")
    reindex("--backend", "database")
    rows = set(SearchDocument.objects.values_list("kind", "object_id", "tokens"))
    ids = set(SearchDocument.objects.values_list("pk", flat=True))
    # An object deleted behind the index's back, and a kind no source registers.
    SearchDocument.objects.create(kind="post", object_id=post.pk + 1000, title="已删除",
                                  tokens="已 删除", created_at=timezone.now())
    SearchDocument.objects.create(kind="retired", object_id=1, title="旧类型",
                                  tokens="旧 类型", created_at=timezone.now())

    out = reindex("--backend", "database")

    assert set(SearchDocument.objects.values_list("kind", "object_id", "tokens")) == rows
    assert set(SearchDocument.objects.values_list("pk", flat=True)) == ids  # rows updated in place
    assert "database post: 1 indexed, 1 removed" in out
    assert "(unknown kinds): 0 indexed, 1 removed" in out
    assert found(actor_for(make_user()), "线性代数") == {("post", post.pk)}


def test_all_without_elasticsearch_rebuilds_the_database_only():
    feed_services.publish_post(actor=actor_for(make_user()), text="大学物理实验报告模板")
    SearchDocument.objects.all().delete()
    out = reindex()
    assert "elasticsearch: not configured" in out
    assert SearchDocument.objects.filter(kind="post").count() == 1
