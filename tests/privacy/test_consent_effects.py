"""Location at check-ins and real-name sharing with apps: separate consents, and
withdrawing either stops the processing at once (pages and GraphQL with real tokens)."""

from __future__ import annotations

import urllib.parse

import pytest
from django.urls import reverse
from oauth2_provider.models import AccessToken

from classroom import services as classroom
from classroom.models import Attendance
from tests.classroom.conftest import ROOM
from tests.factories import actor_for, make_school, make_user, verify
from tests.openapi.helpers import graphql, make_school_app, make_user_app, mint_token
from tests.openapi.live import form_fields, pkce_pair
from yiban_core.graphql.relay import global_id
from yiban_core.privacy import consent_services
from yiban_core.privacy.models import AccessRecord, Consent
from yiban_core.verification.models import VerificationRequest

pytestmark = pytest.mark.django_db

CHECK_IN = """mutation($input: CheckInInput!) { checkIn(input: $input) {
  record { status } errors { field code message } } }"""
MEMBER_NUMBER = "{ viewer { username memberNumber } }"


@pytest.fixture
def place_checkin(klass):
    return classroom.start_checkin(actor=actor_for(klass.teacher), group=klass.group,
                                   title="高数 第3周", latitude=ROOM[0], longitude=ROOM[1],
                                   radius_m=100)


def refusals(person, action):
    return AccessRecord.objects.filter(person=person, kind="refused", action=action)


# --- location --------------------------------------------------------------------------


def test_the_check_in_page_asks_for_location_first_and_then_checks_in(client, klass,
                                                                       place_checkin):
    student = klass.students[0]
    client.force_login(student)
    url = reverse("checkin_detail", args=[place_checkin.pk])
    page = client.get(url).content.decode()
    assert "同意签到时使用位置" in page and "只用来计算你与签到地点的距离" in page
    assert 'class="checkin-form"' not in page  # no position is asked for before consent
    # Sent anyway (an old page): refused, nothing stored, in the person's access log.
    response = client.post(reverse("checkin_submit", args=[place_checkin.pk]),
                           {"latitude": ROOM[0], "longitude": ROOM[1], "accuracy": 10},
                           follow=True)
    assert "需要使用你的位置" in response.content.decode()
    assert not Attendance.objects.filter(user=student).exists()
    assert refusals(student, "location.no_consent").count() == 1

    client.post(reverse("privacy_location_allow"), {"next": url})
    assert Consent.objects.filter(user=student, purpose="location",
                                  withdrawn_at__isnull=True).count() == 1
    assert 'class="checkin-form"' in client.get(url).content.decode()
    client.post(reverse("checkin_submit", args=[place_checkin.pk]),
                {"latitude": ROOM[0], "longitude": ROOM[1], "accuracy": 10})
    assert Attendance.objects.get(user=student).status in ("present", "late")


def test_minors_read_that_only_the_result_is_kept(client, klass, place_checkin):
    student = klass.students[0]
    student.profile.minor_by_school = True
    student.profile.save(update_fields=["minor_by_school"])
    client.force_login(student)
    page = client.get(reverse("checkin_detail", args=[place_checkin.pk])).content.decode()
    assert "只保留签到结果" in page


def test_an_app_checking_in_by_place_without_consent_is_refused_and_logged(client, klass,
                                                                           place_checkin):
    student = klass.students[0]
    app, _secret = make_user_app(scopes=("classroom:write",))
    token = mint_token(app, user=student, scopes=["classroom:write"])
    payload = graphql(client, CHECK_IN, token, input={
        "checkinId": global_id("Checkin", place_checkin.pk), "latitude": ROOM[0],
        "longitude": ROOM[1], "accuracy": 10}).json()["data"]["checkIn"]
    assert payload["record"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("location", "PERMISSION_DENIED")]
    assert "签到页面同意" in payload["errors"][0]["message"]
    assert not Attendance.objects.exists()
    refusal = refusals(student, "location.no_consent").get()  # kept past the rollback
    assert refusal.by_app_id == app.application_id

    consent = consent_services.allow_location(actor=actor_for(student))
    consent_services.withdraw_consent(actor=actor_for(student), consent_id=consent.pk)
    again = graphql(client, CHECK_IN, token, input={
        "checkinId": global_id("Checkin", place_checkin.pk), "latitude": ROOM[0],
        "longitude": ROOM[1], "accuracy": 10}).json()["data"]["checkIn"]
    assert again["errors"][0]["code"] == "PERMISSION_DENIED"
    assert not Attendance.objects.exists()


def test_an_app_cannot_give_location_consent_for_the_person(klass):
    student = klass.students[0]
    app, _secret = make_user_app(scopes=("classroom:write",))
    actor = actor_for(student).__class__(user=student, scopes=frozenset({"classroom:write"}),
                                         app_id=app.application_id)
    with pytest.raises(consent_services.PermissionDenied):
        consent_services.allow_location(actor=actor)
    assert not Consent.objects.filter(user=student, purpose="location").exists()


# --- real name and 学号 for apps ---------------------------------------------------------


def authorize(client, app, scope: str):
    """The person opens the app's authorization page and presses 授权."""
    _verifier, challenge = pkce_pair()
    params = {"response_type": "code", "client_id": app.application.client_id,
              "redirect_uri": "https://app.example.com/callback", "scope": scope,
              "state": "s1", "code_challenge": challenge, "code_challenge_method": "S256",
              "approval_prompt": "force"}
    page = client.get("/o/authorize/?" + urllib.parse.urlencode(params))
    assert page.status_code == 200, page.content[:300]
    answer = client.post("/o/authorize/", {**form_fields(page.content.decode()),
                                           "allow": "Authorize"})
    assert answer.status_code == 302 and "code=" in answer["Location"]


def test_granting_profile_verified_records_a_consent_for_that_app(client, db):
    student = verify(make_user("li_hua", school=make_school("浙江大学")), "2023010101")
    app, _secret = make_user_app(scopes=("openid", "profile", "profile:verified"))
    other, _secret = make_user_app(scopes=("openid", "profile"), name="课表助手")
    client.force_login(student)
    authorize(client, other, "openid profile")
    assert not Consent.objects.filter(user=student, purpose="app_real_name").exists()
    authorize(client, app, "openid profile profile:verified")
    authorize(client, app, "openid profile profile:verified")  # again: still one
    consent = Consent.objects.get(user=student, purpose="app_real_name")
    assert consent.application_id == app.application_id and consent.withdrawn_at is None
    page = client.get(reverse("privacy_consents")).content.decode()
    assert "向应用提供实名和学号" in page and "学习助手" in page and "撤回" in page


def test_withdrawing_ends_the_apps_real_name_reads_at_once(client, db):
    student = verify(make_user("li_hua", school=make_school("浙江大学")), "2023010101")
    app, _secret = make_user_app(scopes=("profile", "profile:verified"))
    token = mint_token(app, user=student, scopes=["profile", "profile:verified"])
    VerificationRequest.objects.create(user=student, school=student.school,
                                       member_number="2023010101")
    assert graphql(client, MEMBER_NUMBER, token).json()["data"]["viewer"] == {
        "username": "li_hua", "memberNumber": "2023010101"}
    consent = Consent.objects.get(user=student, purpose="app_real_name")

    client.force_login(student)
    response = client.post(reverse("privacy_consent_withdraw", args=[consent.pk]), follow=True)
    assert "不能再读取你的实名和学号" in response.content.decode()
    assert AccessToken.objects.get(application=app.application).scope == "profile"

    body = graphql(client, MEMBER_NUMBER, token).json()
    assert body["data"]["viewer"] == {"username": "li_hua", "memberNumber": None}
    refused = refusals(student, "read.withdrawn").get()
    assert refused.by_app_id == app.application_id and refused.by_name == "学习助手"
    # The other grants of the app still work; withdrawing twice is a clear error.
    again = client.post(reverse("privacy_consent_withdraw", args=[consent.pk]), follow=True)
    assert "已经撤回过了" in again.content.decode()


def test_a_token_still_carrying_the_scope_reads_nothing_after_withdrawal(client, db):
    # A token minted before the withdrawal narrowed tokens (or one it missed): the read
    # path checks the consent itself.
    student = verify(make_user("li_hua", school=make_school("浙江大学")), "2023010101")
    app, _secret = make_user_app(scopes=("profile", "profile:verified"))
    token = mint_token(app, user=student, scopes=["profile", "profile:verified"])
    Consent.objects.filter(user=student, purpose="app_real_name").update(
        withdrawn_at="2026-01-01T00:00:00Z")
    from yiban_core.privacy.consent_selectors import forget_app_consent

    forget_app_consent(student.pk, app.application_id)
    assert AccessToken.objects.get(application=app.application).scope.endswith("verified")
    viewer = graphql(client, MEMBER_NUMBER, token).json()["data"]["viewer"]
    assert viewer["memberNumber"] is None
    mine = graphql(client, "{ myVerificationRequest { status } }", token).json()
    assert mine["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert refusals(student, "read.withdrawn").count() == 2  # each request, once


def test_someone_elses_consent_cannot_be_withdrawn(client, db):
    owner = make_user("li_hua")
    consent = consent_services.allow_location(actor=actor_for(owner))
    client.force_login(make_user("wang_fang"))
    response = client.post(reverse("privacy_consent_withdraw", args=[consent.pk]), follow=True)
    assert "没有这条同意记录" in response.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    huge = client.post(reverse("privacy_consent_withdraw", args=[99999999999999999999]),
                       follow=True)
    assert huge.status_code == 200 and "没有这条同意记录" in huge.content.decode()


def test_a_school_app_reads_numbers_under_the_schools_basis(klass, place_checkin):
    # Client credentials for the school: the school's own processing of its roster, not a
    # person's consent (which the students here never gave to this app).
    from openapi_plugins.webhooks.core_events import render_checkin_closed
    from yiban_core.actor import Actor

    app, _secret = make_school_app(klass.school, scopes=("school:roster", "classroom:read",
                                                         "profile:verified"))
    classroom.close_checkin(actor=actor_for(klass.teacher), checkin_id=place_checkin.pk)
    actor = Actor(school=klass.school, app_id=app.application_id,
                  scopes=frozenset({"school:roster", "classroom:read", "profile:verified"}))
    payload = render_checkin_closed(actor, place_checkin.pk)
    numbers = {row["user"].get("memberNumber") for row in payload["attendance"]}
    assert numbers == {"2024030101", "2024030102", "2024030103"}
    assert not Consent.objects.filter(purpose="app_real_name").exists()
