"""Account cancellation (注销): the request, its refusals, the grace period that a sign-in
undoes, and the erasure when it is over (yiban_core/privacy/closure.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from openapi_plugins.models import AppProfile
from tests.factories import PASSWORD, actor_for, make_school, make_user, verify
from tests.openapi.helpers import graphql, make_user_app, mint_token
from yiban_core.actor import Actor
from yiban_core.audit.models import AuditEntry
from yiban_core.errors import Conflict, Invalid, PermissionDenied
from yiban_core.privacy import closure as closures
from yiban_core.privacy.models import AccessRecord, AccountClosure

pytestmark = pytest.mark.django_db

VIEWER = "{ viewer { username } }"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def is_signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def ask(client: Client, content: str = "keep", password: str = PASSWORD, **extra):
    return client.post("/settings/privacy/close/", {"content": content, "password": password,
                                                     "confirm": "on", **extra})


def test_a_request_ends_the_other_sessions_and_the_apps_tokens_at_once(client):
    person = make_user("lixiaoming", display_name="李小明")
    here, elsewhere = signed_in(person), signed_in(person)
    app, _secret = make_user_app(scopes=("profile",))
    token = mint_token(app, user=person, scopes=["profile"])
    assert graphql(client, VIEWER, token).json()["data"]["viewer"]["username"] == "lixiaoming"

    response = ask(here, content="delete")

    assert response.status_code == 302
    closure = AccountClosure.objects.get(user=person)
    assert closure.status == AccountClosure.Status.PENDING
    assert closure.content == AccountClosure.Content.DELETE
    assert closure.erase_after - closure.requested_at == timedelta(days=15)
    # The other device is signed out; the page that asked shows the pending state.
    assert elsewhere.get("/settings/").status_code == 302
    page = here.get("/settings/privacy/close/").content.decode()
    assert "冷静期中" in page and "撤销注销" in page
    assert timezone.localtime(closure.erase_after).strftime("%Y-%m-%d") in page
    assert timezone.localtime(closure.erase_after).strftime("%Y-%m-%d") in here.get(
        "/settings/").content.decode()
    # The app reads nothing any more.
    answer = graphql(client, VIEWER, token)
    assert answer.status_code == 401 or answer.json()["data"]["viewer"] is None
    assert AccessRecord.objects.filter(person=person, action="closure.requested").exists()


def test_signing_in_during_the_grace_period_undoes_it_with_a_word_on_the_next_page():
    person = make_user()
    closures.request_closure(actor=actor_for(person), password=PASSWORD, content="keep")

    browser = Client()
    response = browser.post("/login/", {"username": person.username, "password": PASSWORD},
                            follow=True)

    assert "注销已撤销" in response.content.decode()
    closure = AccountClosure.objects.get(user=person)
    assert closure.status == AccountClosure.Status.UNDONE and closure.ended_at is not None
    assert closures.erase_due(now=timezone.now() + timedelta(days=16)) == 0
    person.refresh_from_db()
    assert person.is_active and person.check_password(PASSWORD)


def test_the_undo_button_undoes_it():
    person = make_user()
    browser = signed_in(person)
    ask(browser)
    response = browser.post("/settings/privacy/close/undo/", follow=True)
    assert "注销已撤销" in response.content.decode()
    assert AccountClosure.objects.get(user=person).status == AccountClosure.Status.UNDONE
    # Nothing left to undo: a clear error, not a 500.
    again = browser.post("/settings/privacy/close/undo/")
    assert again.status_code == 409


def test_asking_twice_is_refused_changes_nothing_and_is_logged():
    person = make_user()
    first = closures.request_closure(actor=actor_for(person), password=PASSWORD,
                                     content="keep")
    with pytest.raises(Conflict):
        closures.request_closure(actor=actor_for(person), password=PASSWORD, content="delete")
    assert list(AccountClosure.objects.filter(user=person).values_list(
        "pk", "content", "erase_after")) == [(first.pk, "keep", first.erase_after)]
    assert AccessRecord.objects.filter(person=person, kind=AccessRecord.Kind.REFUSED,
                                       action="closure.twice").count() == 1
    assert AuditEntry.objects.filter(action="privacy.closure.twice", outcome="denied").exists()


def test_a_wrong_password_or_no_choice_is_refused_and_changes_nothing():
    person = make_user()
    browser = signed_in(person)
    response = ask(browser, password="not-my-password")
    assert response.status_code == 200 and "密码不正确" in response.content.decode()
    with pytest.raises(Invalid):
        closures.request_closure(actor=actor_for(person), password=PASSWORD, content="maybe")
    assert not AccountClosure.objects.filter(user=person).exists()
    assert is_signed_in(browser)


def test_a_token_cannot_ask_for_it_web_session_only():
    person = make_user()
    token_actor = Actor(user=person, scopes=frozenset({"profile", "feed:write"}), app_id=1)
    with pytest.raises(PermissionDenied):
        closures.request_closure(actor=token_actor, password=PASSWORD, content="delete")
    with pytest.raises(PermissionDenied):
        closures.cancel_closure(actor=token_actor)
    # Over HTTP a bearer token never becomes a web session: the page sends it to sign in.
    app, _secret = make_user_app(scopes=("profile",))
    token = mint_token(app, user=person, scopes=["profile"])
    response = Client().post("/settings/privacy/close/",
                             {"content": "delete", "password": PASSWORD, "confirm": "on"},
                             headers={"authorization": f"Bearer {token}"})
    assert response.status_code in (302, 401, 403)
    assert not AccountClosure.objects.filter(user=person).exists()


def test_an_account_without_a_password_proves_itself_by_a_fresh_sign_in():
    person = make_user()
    person.set_unusable_password()
    person.last_login = timezone.now() - timedelta(hours=2)
    person.save()
    with pytest.raises(PermissionDenied, match="重新登录"):
        closures.request_closure(actor=actor_for(person), password="", content="keep")
    person.last_login = timezone.now() - timedelta(minutes=3)
    person.save()
    closures.request_closure(actor=actor_for(person), password="", content="keep")
    assert AccountClosure.objects.filter(user=person, status="pending").exists()


def test_a_site_admin_and_a_schools_last_administrator_are_refused_until_handed_over():
    admin = make_user(role="admin")
    with pytest.raises(PermissionDenied, match="站点管理员"):
        closures.request_closure(actor=actor_for(admin), password=PASSWORD, content="keep")
    school = make_school("清华测试大学")
    school_admin = make_user(school=school, role="staff")
    school.administrators.add(school_admin)
    with pytest.raises(PermissionDenied, match="唯一的学校管理员"):
        closures.request_closure(actor=actor_for(school_admin), password=PASSWORD,
                                 content="keep")
    page = signed_in(school_admin).get("/settings/privacy/close/").content.decode()
    assert "唯一的学校管理员" in page
    school.administrators.add(make_user(school=school, role="staff"))
    closures.request_closure(actor=actor_for(school_admin), password=PASSWORD, content="keep")
    assert not AccountClosure.objects.filter(user=admin).exists()


def test_the_grace_period_runs_its_full_length():
    person = verify(make_user(school=make_school()))
    closures.request_closure(actor=actor_for(person), password=PASSWORD, content="keep")
    assert closures.erase_due(now=timezone.now() + timedelta(days=14, hours=23)) == 0
    person.refresh_from_db()
    assert person.is_active and person.member_number
    assert closures.erase_due(now=timezone.now() + timedelta(days=15, minutes=1)) == 1
    # Idempotent: a second run (another worker) erases no one again.
    assert closures.erase_due(now=timezone.now() + timedelta(days=16)) == 0


def test_the_periodic_task_is_registered():
    from yiban_core import periodic
    from yiban_core.privacy.closure_tasks import erase_due_closures

    assert erase_due_closures.module_path in periodic.registered()


def test_apps_a_person_owns_are_deleted_or_handed_to_the_school():
    school = make_school()
    developer = make_user(school=school)
    heir = make_user(school=school, role="staff")
    school.administrators.add(heir)
    user_app, _s = make_user_app(developer, name="我的小工具")
    from tests.openapi.helpers import make_school_app

    school_app, _s = make_school_app(school, developer=developer, admin=heir)
    closures.request_closure(actor=actor_for(developer), password=PASSWORD, content="delete")
    closures.erase_due(now=timezone.now() + timedelta(days=16))
    assert not AppProfile.objects.filter(pk=user_app.pk).exists()
    school_app.refresh_from_db()
    assert school_app.application.user_id == heir.pk


@pytest.mark.django_db(transaction=True)  # the worker runs the task as after a commit
def test_the_person_is_told_by_mail_when_they_have_an_address(run_worker, mailoutbox):
    person = make_user()
    person.email = "me@example.com"
    person.save()
    closure = closures.request_closure(actor=actor_for(person), password=PASSWORD,
                                       content="keep")
    run_worker()
    assert [m.to for m in mailoutbox] == [["me@example.com"]]
    assert timezone.localtime(closure.erase_after).strftime("%Y-%m-%d") in mailoutbox[0].body
    assert "登录即可撤销" in mailoutbox[0].body


def test_the_page_asks_for_the_confirmation_and_a_choice():
    person = make_user()
    browser = signed_in(person)
    page = browser.get("/settings/privacy/close/").content.decode()
    assert "删除我发布的内容" in page and "已注销用户" in page
    response = browser.post("/settings/privacy/close/", {"content": "keep",
                                                         "password": PASSWORD})
    assert response.status_code == 200
    response = browser.post("/settings/privacy/close/", {"password": PASSWORD,
                                                         "confirm": "on"})
    assert response.status_code == 200
    assert not AccountClosure.objects.filter(user=person).exists()
