"""Webhooks: a school app hears, signed, of what it may read in its school, and of nothing else."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from feeds import services as feed_services
from openapi_plugins.webhooks import services
from openapi_plugins.webhooks.models import Delivery, Subscription
from openapi_plugins.webhooks.signing import sign, verify_signature
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from tests.openapi.helpers import make_school_app, make_user_app
from yiban_core.errors import Invalid
from yiban_core.groups import services as group_services
from yiban_core.notifications.models import Notification

READ_SCOPES = ("feed:read", "groups:read", "resources:read")


class Receiver:
    """A real HTTP server on 127.0.0.1 that checks each request's signature."""

    def __init__(self):
        self.secret = ""
        self.status = 200
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({
                    "headers": dict(self.headers), "body": body,
                    "valid": verify_signature(receiver.secret, self.headers["X-Yiban-Timestamp"],
                                              body, self.headers["X-Yiban-Signature"]),
                })
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/yiban"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def campus(db):
    """A school with an installed school app that reads posts, groups and resources."""
    school = make_school()
    app, _secret = make_school_app(school, scopes=READ_SCOPES)
    return school, app, app.application.user


def subscribe(app, owner, receiver, events=("post.published",)) -> Subscription:
    subscription, secret = services.subscribe(actor=actor_for(owner), app=app, url=receiver.url,
                                              events=list(events))
    receiver.secret = secret
    return subscription


def publish(author, text, **kwargs):
    return feed_services.publish_post(actor=actor_for(author), text=text, **kwargs)


def make_due():
    """Time passes: every task waiting for its run_after may run now."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def fan_out_rows() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="fan_out_event").count()


# --- delivery, signed, only of what the app may read -------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_post_in_the_school_reaches_the_subscribed_app_signed(campus, receiver, run_worker):
    school, app, owner = campus
    subscribe(app, owner, receiver)
    student = make_user("zhang_wei", school=school)
    post = publish(student, "高数期末复习提纲整理好了 #期末#")
    run_worker()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["valid"]
    assert request["headers"]["X-Yiban-Event"] == "post.published"
    body = json.loads(request["body"])
    assert body["event"] == "post.published"
    assert body["data"]["post"]["text"] == "高数期末复习提纲整理好了 #期末#"
    assert body["data"]["post"]["author"]["username"] == "zhang_wei"
    delivery = Delivery.objects.get()
    assert request["headers"]["X-Yiban-Delivery"] == str(delivery.pk)
    assert body["id"] == str(delivery.event_id)
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert delivery.attempts == 1 and delivery.last_status_code == 200
    assert delivery.latency_ms is not None
    assert post.pk  # the post itself is untouched by all this


@pytest.mark.django_db(transaction=True)
def test_a_private_group_post_the_app_cannot_see_is_not_delivered(campus, receiver,
                                                                 run_worker):
    school, app, owner = campus
    subscribe(app, owner, receiver)
    student = make_user(school=school)
    # An interest group of no school, private: the school's app may not read it.
    club = make_interest_group(student, name="私人读书会", is_private=True,
                               join_policy="approval")
    publish(student, "只给群成员看的读书笔记", group=club)
    other_school_user = make_user(school=make_school())
    publish(other_school_user, "别的学校的公开动态")
    run_worker()

    assert receiver.requests == []
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_post_with_no_subscriber_writes_no_extra_row(campus):
    school, _app, _owner = campus
    publish(make_user(school=school), "没有人订阅")
    assert fan_out_rows() == 0


@pytest.mark.django_db(transaction=True)
def test_joining_and_leaving_a_class_group_are_delivered(campus, receiver, run_worker):
    school, app, owner = campus
    subscribe(app, owner, receiver, events=("group.member_joined", "group.member_left"))
    teacher = make_teacher(school=school)
    klass = make_class_group(teacher, school=school, is_private=True)
    student = make_user("li_na", school=school)
    group_services.join_by_code(actor=actor_for(student), code=klass.join_code)
    run_worker()
    group_services.leave_group(actor=actor_for(student), group=klass)
    run_worker()

    events = {r["headers"]["X-Yiban-Event"]: json.loads(r["body"]) for r in receiver.requests
              if json.loads(r["body"])["data"]["member"]["username"] == "li_na"}
    assert set(events) == {"group.member_joined", "group.member_left"}
    assert events["group.member_left"]["data"]["group"]["name"] == klass.name
    assert all(r["valid"] for r in receiver.requests)


@pytest.mark.django_db(transaction=True)
def test_a_group_without_a_school_announces_posts_to_the_authors_school_only(
        campus, receiver, run_worker):
    """Joins and leaves of a school-less group reach nobody; its public posts reach the
    author's school's apps (see the receivers' docstring)."""
    school, app, owner = campus
    subscribe(app, owner, receiver,
              events=("post.published", "group.member_joined", "group.member_left"))
    student = make_user("sun_li", school=school)
    founder = make_user(school=make_school())
    club = make_interest_group(founder, name="跨校摄影社")
    assert club.school_id is None
    group_services.join_group(actor=actor_for(student), group=club)
    publish(student, "周末外拍集合", group=club)
    publish(founder, "别校同学也来了", group=club)
    run_worker()
    group_services.leave_group(actor=actor_for(student), group=club)
    run_worker()

    bodies = [json.loads(r["body"]) for r in receiver.requests]
    assert [(b["event"], b["data"]["post"]["text"]) for b in bodies] == [
        ("post.published", "周末外拍集合")]


@pytest.mark.django_db(transaction=True)
def test_comments_shares_and_ratings_are_delivered(campus, receiver, run_worker):
    from resources import services as resource_services

    school, app, owner = campus
    subscribe(app, owner, receiver,
              events=("comment.added", "resource.shared", "resource.rated"))
    author = verify(make_user("wang_fang", school=school))
    reader = verify(make_user("chen_jie", school=school))
    resource = resource_services.publish_resource(
        actor=actor_for(author), title="数据结构期末真题", subject="computing",
        url="https://pan.example.edu.cn/ds.pdf", visibility="school")
    share = resource_services.share_resource(actor=actor_for(author), resource_id=resource.pk)
    feed_services.add_comment(actor=actor_for(reader), post_id=share.post_id, text="感谢分享！")
    resource_services.rate_resource(actor=actor_for(reader), resource_id=resource.pk, stars=5,
                                    review="题目很全")
    run_worker()

    bodies = {r["headers"]["X-Yiban-Event"]: json.loads(r["body"])["data"]
              for r in receiver.requests}
    assert set(bodies) == {"comment.added", "resource.shared", "resource.rated"}
    assert bodies["comment.added"]["comment"]["text"] == "感谢分享！"
    assert bodies["resource.shared"]["resource"]["title"] == "数据结构期末真题"
    assert bodies["resource.rated"]["rating"]["stars"] == 5
    assert bodies["resource.rated"]["rating"]["author"]["username"] == "chen_jie"
    assert all(r["valid"] for r in receiver.requests)


# --- retries, back-off, disabling ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_gets_retries_with_growing_back_off(campus, receiver, run_worker,
                                                              settings):
    settings.WEBHOOK_RETRY_DELAYS_S = [10, 30]
    school, app, owner = campus
    subscription = subscribe(app, owner, receiver)
    receiver.status = 500
    publish(make_user(school=school), "接收端坏了")

    run_worker()
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.status, delivery.last_status_code) == (
        1, Delivery.Status.PENDING, 500)
    first_wait = delivery.next_attempt_at - delivery.updated_at
    waiting = DBTaskResult.objects.get(status="READY", task_path__endswith="deliver")
    assert waiting.run_after == delivery.next_attempt_at
    assert timedelta(seconds=9) < first_wait <= timedelta(seconds=10)

    run_worker()  # not due yet: nothing happens
    assert Delivery.objects.get().attempts == 1

    make_due()
    run_worker()
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.status) == (2, Delivery.Status.PENDING)
    assert timedelta(seconds=29) < delivery.next_attempt_at - delivery.updated_at <= timedelta(
        seconds=30)

    make_due()
    run_worker()
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.status) == (3, Delivery.Status.FAILED)
    assert delivery.next_attempt_at is None and "500" in delivery.last_error
    assert len(receiver.requests) == 3
    assert all(r["valid"] for r in receiver.requests)
    assert len({r["headers"]["X-Yiban-Delivery"] for r in receiver.requests}) == 1
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1 and subscription.is_active

    # The receiver is fixed: a redelivery succeeds and the failures are forgotten.
    receiver.status = 204
    services.redeliver(actor=actor_for(owner), delivery=delivery)
    run_worker()
    delivery.refresh_from_db()
    subscription.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert subscription.consecutive_failures == 0


@pytest.mark.django_db(transaction=True)
def test_a_join_retried_after_the_member_left_still_says_joined(campus, receiver, run_worker,
                                                               settings):
    settings.WEBHOOK_RETRY_DELAYS_S = [10]
    school, app, owner = campus
    subscribe(app, owner, receiver, events=("group.member_joined",))
    klass = make_class_group(make_teacher(school=school), school=school, is_private=True)
    student = make_user("zhao_lei", school=school)
    receiver.status = 503
    group_services.join_by_code(actor=actor_for(student), code=klass.join_code)
    run_worker()
    assert Delivery.objects.get().status == Delivery.Status.PENDING

    group_services.leave_group(actor=actor_for(student), group=klass)
    receiver.status = 200
    make_due()
    run_worker()

    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempts == 2
    first, retry = receiver.requests
    assert retry["body"] == first["body"]  # the same body, signed again
    assert retry["valid"] and first["valid"]
    body = json.loads(retry["body"])
    assert body["event"] == "group.member_joined"
    assert body["data"]["member"]["username"] == "zhao_lei"


@pytest.mark.django_db(transaction=True)
def test_a_subscription_failing_too_often_is_disabled_and_its_owner_told(campus, receiver,
                                                                         run_worker, settings):
    settings.WEBHOOK_RETRY_DELAYS_S = []
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    school, app, owner = campus
    subscription = subscribe(app, owner, receiver)
    receiver.status = 503
    student = make_user(school=school)
    publish(student, "第一条")
    publish(student, "第二条")
    run_worker()

    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_at is not None
    assert subscription.consecutive_failures == 2
    note = Notification.objects.get(recipient=owner)
    assert note.kind == Notification.Kind.WEBHOOK_DISABLED
    assert subscription.url in note.excerpt

    publish(student, "停用后的动态")
    assert fan_out_rows() == 2  # nothing more is written for a disabled subscription


# --- signatures ----------------------------------------------------------------------------


def test_verify_signature_refuses_old_timestamps_and_tampered_bodies():
    secret, body = "whsec_test", b'{"event":"post.published"}'
    now = int(time.time())
    signature = sign(secret, now, body)
    assert verify_signature(secret, now, body, signature)
    assert verify_signature(secret, str(now), body.decode(), signature)
    # a replay ten minutes later
    assert not verify_signature(secret, now, body, signature, now=now + 600)
    old = now - 3600
    assert not verify_signature(secret, old, body, sign(secret, old, body))
    assert not verify_signature(secret, now, body.replace(b"post", b"p0st"), signature)
    assert not verify_signature(secret, now + 1, body, signature)  # timestamp changed
    assert not verify_signature("whsec_other", now, body, signature)
    assert not verify_signature(secret, "not-a-time", body, signature)


# --- who may subscribe ------------------------------------------------------------------


def test_an_app_without_the_event_scope_cannot_subscribe(db):
    school = make_school()
    app, _secret = make_school_app(school, scopes=("school:roster", "groups:read"))
    owner = app.application.user
    with pytest.raises(Invalid) as refused:
        services.subscribe(actor=actor_for(owner), app=app, url="https://hooks.example.edu.cn/y",
                           events=["post.published"])
    assert refused.value.field == "events"
    assert not Subscription.objects.exists()
    # what it was granted, it may subscribe to
    services.subscribe(actor=actor_for(owner), app=app, url="https://hooks.example.edu.cn/y",
                       events=["group.member_joined"])


def test_user_apps_and_strangers_cannot_subscribe(db):
    app, _secret = make_user_app()
    with pytest.raises(Invalid, match="学校应用"):
        services.subscribe(actor=actor_for(app.application.user), app=app,
                           url="https://hooks.example.com/y", events=["post.published"])
    school_app, _secret = make_school_app(make_school(), scopes=READ_SCOPES)
    from yiban_core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.subscribe(actor=actor_for(make_user()), app=school_app,
                           url="https://hooks.example.com/y", events=["post.published"])


@pytest.mark.parametrize("url", ["http://hooks.example.com/y", "ftp://hooks.example.com/y",
                                 "https://10.0.0.8/y", "https://169.254.169.254/latest",
                                 "https://user:pw@hooks.example.com/y", "not a url"])
def test_bad_target_urls_are_refused(db, url):
    app, _secret = make_school_app(make_school(), scopes=READ_SCOPES)
    with pytest.raises(Invalid) as refused:
        services.subscribe(actor=actor_for(app.application.user), app=app, url=url,
                           events=["post.published"])
    assert refused.value.field == "url"


# --- idempotence and the outbox --------------------------------------------------------------


def test_a_fan_out_run_twice_makes_one_delivery(campus, receiver):
    school, app, owner = campus
    subscribe(app, owner, receiver)
    post = publish(make_user(school=school), "同一事件只投递一次")
    task = DBTaskResult.objects.get(task_path__endswith="fan_out_event")
    kwargs = task.args_kwargs["kwargs"]
    assert kwargs["object_ref"] == post.pk
    assert services.fan_out(**kwargs) == 1
    assert services.fan_out(**kwargs) == 0
    assert Delivery.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith=".deliver").count() == 1


def test_a_rolled_back_change_emits_nothing(campus, receiver):
    school, app, owner = campus
    subscribe(app, owner, receiver)
    student = make_user(school=school)
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(student, "写了又撤回")
        assert fan_out_rows() == 1
        raise RuntimeError("rolled back")
    assert fan_out_rows() == 0


# --- the console ----------------------------------------------------------------------------


def webhooks_url(app) -> str:
    return f"/developers/apps/{app.pk}/webhooks/"


def test_the_owner_sees_the_webhooks_page_and_others_get_404(client, campus):
    _school, app, owner = campus
    client.force_login(owner)
    response = client.get(webhooks_url(app))
    assert response.status_code == 200
    page = response.content.decode()
    assert "post.published" in page and "有人发布了本校可见范围内的动态" in page
    client.force_login(make_user())
    assert client.get(webhooks_url(app)).status_code == 404


def test_a_bad_url_is_a_form_error_and_nothing_is_saved(client, campus):
    _school, app, owner = campus
    client.force_login(owner)
    response = client.post(webhooks_url(app), {"url": "http://hooks.example.com/y",
                                               "events": ["post.published"]})
    assert response.status_code == 400
    assert "接收地址不可用" in response.content.decode()
    assert not Subscription.objects.exists()


def test_adding_a_subscription_shows_its_secret_once(client, campus):
    _school, app, owner = campus
    client.force_login(owner)
    response = client.post(webhooks_url(app), {"url": "https://hooks.example.edu.cn/y",
                                               "events": ["post.published", "comment.added"]})
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.events == ["post.published", "comment.added"]
    assert subscription.secret in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert subscription.secret not in client.get(webhooks_url(app)).content.decode()

    action = f"{webhooks_url(app)}{subscription.pk}/disable/"
    assert client.post(action).status_code == 302
    subscription.refresh_from_db()
    assert not subscription.is_active
    client.force_login(make_user())
    assert client.post(f"{webhooks_url(app)}{subscription.pk}/delete/").status_code == 404
    assert Subscription.objects.filter(pk=subscription.pk).exists()
