"""The admin site for site admins: posts, comments, resources, ratings, the points ledger
and the audit log are listed, searched and filtered, under Chinese headings, in a number
of queries that does not grow with the page; the ledger and the log are read-only."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feeds.models import Comment, Post
from feeds.services import add_comment, publish_post
from resources.models import Rating, Resource
from resources.services import publish_resource, rate_resource
from tests.factories import actor_for, agree_to_policies, make_school, make_user
from yiban_core.accounts.models import User
from yiban_core.audit import services as audit
from yiban_core.audit.models import AuditEntry
from yiban_core.credits.models import PointEntry

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
NEW_IN_ADMIN = [Post, Comment, Resource, Rating, PointEntry, AuditEntry]


@pytest.fixture
def site_admin(client):
    person = agree_to_policies(User.objects.create_superuser("root_admin",
                                                            password="Xuexi-2026-ok"))
    client.force_login(person)
    return person


def content(n: int = 1) -> None:
    """n authors, each with a post, a comment, a shared link and a rating (and points)."""
    school = make_school()
    for i in range(n):
        author = make_user(school=school)
        post = publish_post(actor=actor_for(author), text=f"高等数学期末复习提纲{i}")
        add_comment(actor=actor_for(author), post_id=post.pk, text=f"谢谢分享{i}")
        resource = publish_resource(actor=actor_for(author), title=f"线性代数讲义{i}",
                                    url=f"https://example.edu.cn/{i}", subject="mathematics")
        rate_resource(actor=actor_for(make_user(school=school)), resource_id=resource.pk,
                      stars=5, review="讲得很清楚")
        audit.record("account.verified", target=author, school=school)


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_the_site_and_every_new_list_speak_chinese(client, site_admin):
    content()
    index = client.get(reverse("admin:index")).content.decode()
    assert "易班学习网 管理后台" in index
    for model in NEW_IN_ADMIN:
        model_admin = admin.site._registry[model]
        assert CJK.search(str(model._meta.app_config.verbose_name))
        assert CJK.search(str(model._meta.verbose_name_plural))
        assert str(model._meta.verbose_name_plural) in index
        page = client.get(changelist(model))
        assert page.status_code == 200, model
        html = page.content.decode()
        for name in model_admin.list_display:
            label = str(label_for_field(name, model, model_admin))
            assert CJK.search(label) or label == "ID", (model, name, label)
            assert label in html
        for field in model._meta.fields:
            assert CJK.search(str(field.verbose_name)) or field.name == "id", (model, field)


@pytest.mark.parametrize(("model", "query", "found"), [
    (Post, {"q": "高等数学"}, 1), (Post, {"visibility": "public"}, 1),
    (Comment, {"q": "谢谢分享"}, 1), (Resource, {"q": "线性代数"}, 1),
    (Resource, {"kind": "link"}, 1), (Rating, {"stars": "5"}, 1),
    (Rating, {"q": "讲得很清楚"}, 1), (PointEntry, {"rule": "resource_shared"}, 1),
    (AuditEntry, {"action": "account.verified"}, 1), (AuditEntry, {"outcome": "failure"}, 0),
    (Post, {"q": "没有这条"}, 0),
])
def test_search_and_filters_find_the_rows(client, site_admin, model, query, found):
    content()
    response = client.get(changelist(model), query)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == found


@pytest.mark.parametrize("model", NEW_IN_ADMIN)
def test_a_list_costs_the_same_queries_for_one_row_or_many(client, site_admin, model):
    content(1)
    client.get(changelist(model))  # warm the per-process caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        client.get(changelist(model))
    content(6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(changelist(model))
    assert len(response.context["cl"].result_list) > 1
    assert len(many) == len(one), [q["sql"] for q in many]


@pytest.mark.parametrize("model", [PointEntry, AuditEntry])
def test_the_ledger_and_the_log_are_read_only(client, site_admin, model):
    content()
    row = model.objects.first()
    meta = model._meta
    assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == 403
    change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change, {}).status_code == 403
    delete = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()
