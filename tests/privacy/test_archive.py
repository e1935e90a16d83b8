"""The archive's files: whatever a person wrote comes back unchanged from the JSON and is
shown, never run, in the index; reading a heavy user's data costs the same queries as a
light one's (rows are read in chunks, not one query per row)."""

from __future__ import annotations

import io
import json
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.models import Comment, Post
from tests.factories import make_user
from yiban_core.credits.models import PointEntry
from yiban_core.privacy.archive import write_archive, write_section
from yiban_core.privacy.registry import Declaration

DECLARATION = Declaration(app="sample", title="示例", models=[], export=lambda user: {})

# Text that does not read as a time (the index shows a time to the minute instead).
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40).filter(
    lambda text: not text[:4].isdigit())


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared machine
@given(text=texts, more=st.lists(texts, max_size=2))
def test_any_text_comes_back_from_the_json_and_is_escaped_in_the_index(text, more):
    json_out, html_out = io.StringIO(), io.StringIO()
    counts = write_section(DECLARATION, {
        "posts": iter([{"text": item} for item in [text, *more]]),
        "profile": {"bio": text},
    }, json_out, html_out)
    data = json.loads(json_out.getvalue())
    assert [post["text"] for post in data["posts"]] == [text, *more]
    assert data["profile"] == {"bio": text}
    assert counts == {"posts": 1 + len(more)}
    html = html_out.getvalue()
    for item in [text, *more]:
        assert escape(item) in html


def test_an_item_says_its_fields_in_chinese_and_times_to_the_minute():
    html = io.StringIO()
    write_section(DECLARATION, {"posts": [{"text": "<script>alert(1)</script>",
                                           "created_at": "2026-03-01T02:03:04+00:00"}]},
                  io.StringIO(), html)
    page = html.getvalue()
    assert "<dt>内容</dt>" in page and "<script>" not in page
    assert "2026-03-01 10:03" in page  # Asia/Shanghai
    assert "共 1 项" in page


def queries_of_archive(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        write_archive(user, io.BytesIO())
    return len(queries)


def add_rows(user, n: int, start: int) -> None:
    for i in range(start, start + n):
        post = Post.objects.create(author=user, text=f"第{i}条")
        Comment.objects.create(post=post, author=user, text=f"评论{i}")
        PointEntry.objects.create(user=user, amount=2, rule="post_published",
                                  idempotency_key=f"test:{user.pk}:{i}")


@pytest.mark.django_db
def test_a_heavy_user_costs_no_more_queries_than_a_light_one():
    user = make_user()
    add_rows(user, 2, 0)
    light = queries_of_archive(user)
    add_rows(user, 40, 2)
    heavy = queries_of_archive(user)
    assert heavy == light
