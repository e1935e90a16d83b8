"""Webhooks of moderation: report.created and content.held reach the apps of the case's
school that were granted school:moderation, with the reasons counted and the excerpt, and
never who reported; no other school's app hears of them."""

from __future__ import annotations

import json

import pytest

from feeds import services as feed_services
from openapi_plugins.webhooks import services
from openapi_plugins.webhooks.models import Delivery
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from tests.openapi.helpers import make_school_app
from tests.openapi.test_webhooks import Receiver
from yiban_core.errors import Invalid
from yiban_core.graphql.relay import global_id
from yiban_core.groups import services as group_services
from yiban_core.moderation.models import Case
from yiban_core.moderation.services import report_content

MODERATION = ("school:moderation", "feed:read", "groups:read")
EVENTS = ["report.created", "content.held", "post.published"]


@pytest.fixture
def receivers():
    made = []

    def make() -> Receiver:
        made.append(Receiver())
        return made[-1]

    yield make
    for server in made:
        server.stop()


def listen(school, receiver, *, scopes=MODERATION, events_=EVENTS):
    app, _secret = make_school_app(school, scopes=scopes, name="校园安全平台")
    _subscription, secret = services.subscribe(actor=actor_for(app.application.user), app=app,
                                              url=receiver.url, events=events_)
    receiver.secret = secret
    return app


def bodies(receiver) -> list[dict]:
    assert all(request["valid"] for request in receiver.requests)
    return [json.loads(request["body"]) for request in receiver.requests]


@pytest.fixture
def campus(db):
    school = make_school()
    teacher = make_teacher(school=school)
    klass = make_class_group(teacher, school=school)
    group_services.update_group(actor=actor_for(teacher), group=klass, premoderate=True)
    student = verify(make_user("zhao_min", school=school))
    group_services.join_by_code(actor=actor_for(student), code=klass.join_code)
    return school, teacher, klass, student


def file_report(reporter, post, reason="ad"):
    return report_content(actor=actor_for(reporter), target=post, reason=reason)


@pytest.mark.django_db(transaction=True)
def test_a_held_post_is_announced_as_content_held_to_its_schools_moderation_apps_only(
        campus, receivers, run_worker):
    school, _teacher, klass, student = campus
    ours, elsewhere = receivers(), receivers()
    listen(school, ours)
    listen(make_school(), elsewhere)

    post = feed_services.publish_post(actor=actor_for(student), text="出售四六级答案 加V",
                                      group=klass)
    run_worker()

    [body] = bodies(ours)
    case = Case.objects.get()
    assert body["event"] == "content.held"
    assert body["school"] == global_id("School", school.pk)
    assert body["data"] == {"case": {
        "id": global_id("ModerationCase", case.pk), "origin": "premoderation",
        "target": {"type": "Post", "id": global_id("Post", post.pk)},
        "group": global_id("Group", klass.pk), "reportCount": 0, "reasons": {},
        "excerpt": "出售四六级答案 加V", "createdAt": case.created_at.isoformat()}}
    # Held, so not published: no post.published, and nothing to another school.
    assert elsewhere.requests == []


@pytest.mark.django_db(transaction=True)
def test_a_report_is_announced_with_its_reasons_and_never_the_reporter(
        campus, receivers, run_worker):
    school, teacher, klass, student = campus
    ours = receivers()
    listen(school, ours, events_=["report.created"])
    post = feed_services.publish_post(actor=actor_for(teacher), text="周末补课安排", group=klass)
    reporter = verify(make_user("ju_bao_ren", school=school, display_name="举报的同学"))
    group_services.join_by_code(actor=actor_for(reporter), code=klass.join_code)

    file_report(student, post, "ad")
    file_report(reporter, post, "ad")
    run_worker()

    first, second = bodies(ours)
    assert first["event"] == second["event"] == "report.created"
    assert second["data"]["case"]["reasons"] == {"ad": 2}
    assert second["data"]["case"]["reportCount"] == 2
    assert second["data"]["case"]["target"] == {"type": "Post", "id": global_id("Post", post.pk)}
    assert second["data"]["report"]["reason"] == "ad"
    raw = b"".join(request["body"] for request in ours.requests).decode()
    for trace in ("ju_bao_ren", "举报的同学", global_id("User", reporter.pk),
                  "zhao_min", global_id("User", student.pk)):
        assert trace not in raw


@pytest.mark.django_db(transaction=True)
def test_apps_without_the_scope_hear_nothing(campus, receivers, run_worker):
    school, _teacher, klass, student = campus
    plain = receivers()
    app, _secret = make_school_app(school, scopes=("feed:read",), name="教务系统")
    with pytest.raises(Invalid) as refused:
        services.subscribe(actor=actor_for(app.application.user), app=app, url=plain.url,
                           events=["content.held"])
    assert "school:moderation" in refused.value.message
    listen(school, plain, scopes=("feed:read",), events_=["post.published"])

    feed_services.publish_post(actor=actor_for(student), text="待审核的一条", group=klass)
    run_worker()

    assert plain.requests == [] and not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_private_groups_excerpt_is_withheld_unless_its_managers_open_it(
        campus, receivers, run_worker):
    school, teacher, _klass, student = campus
    ours = receivers()
    listen(school, ours, events_=["content.held"])
    counselling = make_interest_group(teacher, name="心理互助小组", school=school,
                                      is_private=True)
    group_services.join_group(actor=actor_for(student), group=counselling)
    group_services.update_group(actor=actor_for(teacher), group=counselling, premoderate=True)

    feed_services.publish_post(actor=actor_for(student), text="最近压力很大", group=counselling)
    run_worker()

    [body] = bodies(ours)
    assert body["data"]["case"]["excerpt"] is None
    assert "最近压力很大" not in ours.requests[0]["body"].decode()
