"""Each audited action writes one entry saying who, what, to what, from where and how it
ended; an action whose transaction rolls back writes none."""

from __future__ import annotations

import base64

import pytest
from django.db import transaction
from django.urls import reverse

from openapi_plugins import services as app_services
from openapi_plugins.academic_affairs import services as roster_services
from tests.factories import PASSWORD, actor_for, make_interest_group, make_user
from tests.moderation.queue_world import file_report, make_world
from tests.openapi.helpers import make_school_app, make_user_app, mint_token
from yiban_core.accounts import services as account_services
from yiban_core.audit.models import AuditEntry, Outcome
from yiban_core.errors import PermissionDenied
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Membership
from yiban_core.moderation import services as moderation_services

pytestmark = pytest.mark.django_db


def only(action: str) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(action=action))
    assert len(entries) == 1, [str(e) for e in AuditEntry.objects.all()]
    return entries[0]


# --- security events ------------------------------------------------------------------

def test_a_login_is_recorded_with_the_person_and_address(client):
    student = make_user("li_yueting")
    response = client.post(reverse("login"), {"username": "li_yueting", "password": PASSWORD},
                           REMOTE_ADDR="10.20.30.40")
    assert response.status_code == 302
    entry = only("login.succeeded")
    assert (entry.actor, entry.actor_username, entry.ip, entry.outcome) == (
        student, "li_yueting", "10.20.30.40", Outcome.SUCCESS)


def test_wrong_passwords_are_failures_and_the_lockout_is_denied(client):
    user = make_user("zhang_san")

    def attempt():
        return client.post(reverse("login"), {"username": "zhang_san", "password": "wrong"},
                           REMOTE_ADDR="10.0.0.9")

    for _attempt in range(4):
        attempt()
    assert AuditEntry.objects.filter(action="login.failed").count() == 4
    assert not AuditEntry.objects.filter(action="login.locked_out").exists()
    attempt()  # AXES_FAILURE_LIMIT is 5: this one locks the pair out
    locked = only("login.locked_out")
    assert (locked.actor, locked.ip, locked.outcome) == (user, "10.0.0.9", Outcome.DENIED)
    assert attempt().status_code == 429  # refused while locked out, and recorded
    assert AuditEntry.objects.filter(action="login.locked_out").count() == 2
    failed = AuditEntry.objects.filter(action="login.failed")
    assert {(e.actor_username, e.ip, e.outcome) for e in failed} == {
        ("zhang_san", "10.0.0.9", Outcome.FAILURE)}
    assert not AuditEntry.objects.filter(action="login.succeeded").exists()


def test_a_login_for_nobody_keeps_the_name_tried(client):
    client.post(reverse("login"), {"username": "no_such_user", "password": "x"},
                REMOTE_ADDR="10.0.0.10")
    entry = only("login.failed")
    assert (entry.actor, entry.actor_username, entry.outcome) == (
        None, "no_such_user", Outcome.FAILURE)


def _token_request(client, app, secret, path, **data):
    pair = base64.b64encode(f"{app.application.client_id}:{secret}".encode()).decode()
    return client.post(path, data, REMOTE_ADDR="172.16.0.5",
                       headers={"authorization": f"Basic {pair}"})


def test_a_token_issued_and_revoked_at_the_endpoints_is_recorded(client, school):
    app, secret = make_school_app(school)
    issued = _token_request(client, app, secret, "/o/token/", grant_type="client_credentials")
    assert issued.status_code == 200
    entry = only("token.issued")
    assert (entry.app_id, entry.school, entry.ip, entry.detail["grant_type"]) == (
        app.application_id, school, "172.16.0.5", "client_credentials")
    revoked = _token_request(client, app, secret, "/o/revoke_token/",
                             token=issued.json()["access_token"])
    assert revoked.status_code == 200
    entry = only("token.revoked")
    assert (entry.app_id, entry.school, entry.ip) == (app.application_id, school, "172.16.0.5")
    # Revoking what is not a token (RFC 7009 still answers 200) records nothing more.
    _token_request(client, app, secret, "/o/revoke_token/", token="not-a-token")
    assert AuditEntry.objects.filter(action="token.revoked").count() == 1


def test_a_person_revoking_an_app_is_recorded():
    student = make_user()
    app, _secret = make_user_app()
    mint_token(app, user=student)
    app_services.revoke_authorization(actor=actor_for(student),
                                      application_id=app.application_id)
    entry = only("token.revoked")
    assert (entry.actor, entry.app_id, entry.detail["by"]) == (
        student, app.application_id, "user")


# --- school administrators' actions -----------------------------------------------------

def test_installing_and_uninstalling_a_school_app_through_the_page(client, school,
                                                                   school_admin):
    app, _secret = make_school_app(school, installed=False)
    client.force_login(school_admin)
    install = reverse("school_app_install", args=[school.pk, app.pk])
    client.post(install, {"scopes": ["school:roster"]}, REMOTE_ADDR="192.168.1.7")
    entry = only("school.install")
    assert (entry.actor, entry.school, entry.app_id, entry.ip, entry.detail["scopes"]) == (
        school_admin, school, app.application_id, "192.168.1.7", ["school:roster"])
    assert entry.target_text == app.application.name
    client.post(reverse("school_app_uninstall", args=[school.pk, app.pk]),
                REMOTE_ADDR="192.168.1.7")
    assert only("school.uninstall").actor == school_admin


def test_a_roster_sync_is_recorded_for_the_school(school, school_admin):
    roster_services.upsert_terms(actor=actor_for(school_admin), school=school, rows=[
        {"sourced_id": "2025-1", "title": "第一学期", "kind": "semester",
         "start_date": "2025-09-01", "end_date": "2026-01-20"}])
    entry = only("roster.import")
    assert (entry.actor, entry.school, entry.detail["kind"], entry.detail["created"]) == (
        school_admin, school, "terms", 1)


def test_a_verification_is_recorded_for_the_school(school, school_admin):
    student = make_user("wang_wu", school=school)
    account_services.verify_member(actor=actor_for(school_admin), school=school,
                                   username="wang_wu", member_number="20230001")
    entry = only("account.verified")
    assert (entry.actor, entry.school, entry.target_id, entry.detail["member_number"]) == (
        school_admin, school, str(student.pk), "20230001")


def test_a_role_change_and_an_ownership_transfer_are_recorded(school):
    owner = make_user("shezhang", school=school)
    member = make_user("sheyuan", school=school)
    group = make_interest_group(owner)
    group_services.join_group(actor=actor_for(member), group=group)
    group_services.set_member_role(actor=actor_for(owner), group=group, username="sheyuan",
                                   role=Membership.Role.ADMIN)
    entry = only("group.role_changed")
    assert (entry.actor, entry.target_id, entry.detail["from"], entry.detail["to"]) == (
        owner, str(member.pk), "member", "admin")
    group_services.transfer_ownership(actor=actor_for(owner), group=group, username="sheyuan")
    latest = AuditEntry.objects.filter(action="group.role_changed").order_by("-id").first()
    assert (latest.detail["from"], latest.detail["to"]) == ("admin", "owner")


def test_a_word_list_import_is_recorded(school, school_admin):
    moderation_services.import_words(actor=actor_for(school_admin),
                                     data="代考\n枪支\tblock\n".encode(), school=school)
    entry = only("words.imported")
    assert (entry.actor, entry.school, entry.detail["created"]) == (school_admin, school, 2)


# --- moderation decisions ------------------------------------------------------------------

def test_a_moderation_decision_and_its_appeal_are_recorded():
    world = make_world()
    case = file_report(world.post, world.reporter)
    moderation_services.decide_case(actor=actor_for(world.teacher), case_id=case.pk,
                                    decision="mute", reason="抄袭并售卖作业", mute_days=3)
    entry = only("moderation.decided")
    assert (entry.actor, entry.school, entry.target_type, entry.target_id) == (
        world.teacher, world.school, "feeds.post", str(world.post.pk))
    assert (entry.detail["decision"], entry.detail["mute_days"]) == ("mute", 3)

    moderation_services.appeal_case(actor=actor_for(world.author), case_id=case.pk,
                                    text="这是我自己写的")
    moderation_services.decide_case(actor=actor_for(world.school_admin), case_id=case.pk,
                                    decision="approve", reason="核实为原创")
    appeal = only("moderation.appeal_decided")
    assert (appeal.actor, appeal.detail["decision"]) == (world.school_admin, "approve")


def test_a_decision_refused_leaves_no_entry():
    world = make_world()
    case = file_report(world.post, world.reporter)
    with pytest.raises(PermissionDenied):  # not this group's manager
        moderation_services.decide_case(actor=actor_for(world.other_teacher), case_id=case.pk,
                                        decision="remove", reason="违规")
    assert not AuditEntry.objects.filter(action__startswith="moderation.").exists()


# --- all or nothing -----------------------------------------------------------------------

def test_an_action_rolled_back_leaves_no_entry(school, school_admin):
    make_user("zhao_liu", school=school)
    with pytest.raises(RuntimeError), transaction.atomic():
        account_services.verify_member(actor=actor_for(school_admin), school=school,
                                       username="zhao_liu", member_number="20230002")
        raise RuntimeError("something later in the same transaction failed")
    assert not AuditEntry.objects.filter(action="account.verified").exists()


def test_a_refused_install_leaves_no_entry(school):
    app, _secret = make_school_app(school, installed=False)
    stranger = make_user()
    with pytest.raises(Exception):  # noqa: B017  the domain error, whichever
        app_services.install_app(actor=actor_for(stranger), app=app, scopes=["school:roster"])
    assert not AuditEntry.objects.filter(action="school.install").exists()
