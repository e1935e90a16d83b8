"""访问记录 (issue 23 item 5): every read of a person's real name or 学号 by an app or a
school administrator, and every sign-in (when, the /24 network and the city when a GeoIP2
database is configured, the device), on a settings page only the person sees; a person
reading their own data is not logged; records go with the audit log's retention."""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import PASSWORD, actor_for, make_school, make_user, verify
from tests.openapi.helpers import graphql, make_user_app, mint_token
from yiban_core import periodic
from yiban_core.accounts.models import User
from yiban_core.errors import Invalid, PermissionDenied
from yiban_core.privacy import access_log
from yiban_core.privacy.consent_services import record_app_consent
from yiban_core.privacy.models import AccessRecord
from yiban_core.verification import services as verification

pytestmark = pytest.mark.django_db

CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36")
FIREFOX_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 "
                   "Firefox/121.0")
MEMBER_NUMBER = 'query($username: String!) { user(username: $username) { memberNumber } }'
PAGE = "/settings/privacy/access/"


@pytest.fixture
def school():
    return make_school("华中师范大学")


@pytest.fixture
def student(school):
    return verify(make_user("wang_xue", school=school, display_name="王雪"), "2024210001")


@pytest.fixture
def school_admin(school):
    admin = make_user("jiaowu_zhao", school=school, role=User.Role.STAFF, display_name="赵老师")
    school.administrators.add(admin)
    return admin


def reads_of(person) -> list[AccessRecord]:
    return list(AccessRecord.objects.filter(person=person, kind=AccessRecord.Kind.READ))


def access_inserts(queries) -> int:
    table = AccessRecord._meta.db_table
    return sum(1 for q in queries
               if re.match(rf'INSERT INTO "?{table}"?', q["sql"], re.IGNORECASE))


def rows(html: str) -> list[str]:
    """The page's entries as text, newest first."""
    found = re.findall(r'<li class="list-row" data-kind="\w+">(.*?)</li>', html, re.DOTALL)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip() for item in found]


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# ---- reads by apps and school administrators -------------------------------------------


def test_an_app_reading_her_student_number_is_on_her_page_by_name_and_time(client, student):
    app, _secret = make_user_app(name="课表小助手", scopes=("profile", "profile:verified"))
    token = mint_token(app, user=student, scopes=["profile", "profile:verified"])
    answer = graphql(client, MEMBER_NUMBER, token, username="wang_xue").json()
    assert answer["data"]["user"]["memberNumber"] == "2024210001"

    [read] = reads_of(student)
    assert read.by_name == "课表小助手" and read.detail["fields"] == ["member_number"]
    client.force_login(student)
    [entry] = rows(client.get(PAGE + "?kind=read").content.decode())
    assert "应用「课表小助手」" in entry and "读取了你的学号/工号" in entry
    assert local(read.at) in entry


def test_the_app_keeps_its_name_in_her_log_after_it_is_deleted(client, student):
    app, _secret = make_user_app(name="课表小助手", scopes=("profile", "profile:verified"))
    token = mint_token(app, user=student, scopes=["profile", "profile:verified"])
    graphql(client, MEMBER_NUMBER, token, username="wang_xue")
    app.application.delete()
    client.force_login(student)
    [entry] = rows(client.get(PAGE + "?kind=read").content.decode())
    assert "应用「课表小助手」" in entry


def test_reading_her_own_student_number_is_not_logged(client, student):
    client.force_login(student)
    answer = client.post("/graphql", {"query": MEMBER_NUMBER,
                                      "variables": {"username": "wang_xue"}},
                         content_type="application/json").json()
    assert answer["data"]["user"]["memberNumber"] == "2024210001"
    assert client.get(reverse("profile", args=["wang_xue"])).status_code == 200
    assert client.get(reverse("settings_privacy")).status_code == 200
    assert reads_of(student) == []


def test_a_page_of_the_member_list_is_one_insert_with_one_record_per_student(
        client, school, school_admin):
    listed = [verify(make_user(f"xuesheng{i:02d}", school=school, display_name=f"学生{i}"),
                     f"20242100{i:02d}") for i in range(1, 13)]
    unverified = make_user("zi_zhuce", school=school)  # no 学号, no real name: nothing read
    client.force_login(school_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("school_members", args=[school.pk]))
    assert response.status_code == 200
    assert access_inserts(queries.captured_queries) == 1
    for person in listed:
        [read] = reads_of(person)
        assert read.by_user == school_admin and read.by_name == "jiaowu_zhao"
        assert read.detail["fields"] == ["member_number", "real_name"]
        assert read.action == "read.school_members"
    assert reads_of(unverified) == []
    assert reads_of(school_admin) == []  # the admin is on the list too: their own row

    client.force_login(listed[0])
    [entry] = rows(client.get(PAGE + "?kind=read").content.decode())
    assert "jiaowu_zhao" in entry and "学校管理后台的成员列表" in entry


def test_the_member_csv_is_one_insert_for_every_row(client, school, school_admin):
    listed = [verify(make_user(f"daochu{i}", school=school), f"2024300{i}") for i in range(5)]
    client.force_login(school_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("school_members_csv", args=[school.pk]))
    assert response.status_code == 200
    assert access_inserts(queries.captured_queries) == 1
    assert all(len(reads_of(person)) == 1 for person in listed)


def test_the_verification_queue_logs_the_student_numbers_it_shows(client, school,
                                                                   school_admin):
    asking = make_user("shenqing", school=school)
    verification.request_verification(actor=actor_for(asking), school=school,
                                      member_number="2024399001")
    client.force_login(school_admin)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("school_verification_queue", args=[school.pk]))
    assert "2024399001" in page.content.decode()
    assert access_inserts(queries.captured_queries) == 1
    [read] = reads_of(asking)
    assert read.action == "read.verification_queue" and read.by_user == school_admin


def test_a_graphql_list_of_student_numbers_is_one_insert(client, school, school_admin):
    people = [verify(make_user(f"liebiao{i}", school=school), f"2024500{i}") for i in range(4)]
    client.force_login(school_admin)
    query = "query {" + " ".join(
        f'u{i}: user(username: "{p.username}") {{ memberNumber }} '
        f'again{i}: user(username: "{p.username}") {{ memberNumber }}'
        for i, p in enumerate(people)) + "}"
    with CaptureQueriesContext(connection) as queries:
        answer = client.post("/graphql", {"query": query},
                             content_type="application/json").json()
    assert answer["data"]["u0"]["memberNumber"] == "20245000"
    assert access_inserts(queries.captured_queries) == 1
    assert [len(reads_of(p)) for p in people] == [1, 1, 1, 1]  # read twice, logged once


# ---- sign-ins ------------------------------------------------------------------------


def sign_in(client, username: str, password: str = PASSWORD, **headers):
    return client.post(reverse("login"), {"username": username, "password": password},
                       **headers)


def test_a_password_sign_in_shows_with_its_device_and_network(client, student):
    response = sign_in(client, "wang_xue", HTTP_USER_AGENT=CHROME_ANDROID,
                       REMOTE_ADDR="203.0.113.45")
    assert response.status_code == 302
    [record] = AccessRecord.objects.filter(person=student, kind=AccessRecord.Kind.SIGN_IN)
    assert record.action == "sign_in.password"
    assert record.place == "203.0.113.0/24"
    assert record.device == "Chrome Mobile 120 · Android 14"
    [entry] = rows(client.get(PAGE + "?kind=sign_in").content.decode())
    assert "密码登录" in entry and "203.0.113.0/24" in entry
    assert "Chrome Mobile 120 · Android 14" in entry and local(record.at) in entry


def test_an_ipv6_sign_in_keeps_the_48_network_only(client, student):
    sign_in(client, "wang_xue", REMOTE_ADDR="2001:db8:abcd:12::7")
    [record] = AccessRecord.objects.filter(person=student, kind=AccessRecord.Kind.SIGN_IN)
    assert record.place == "2001:db8:abcd::/48"


def test_the_city_comes_from_a_configured_geoip_city_database(client, settings, tmp_path,
                                                              student):
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-City",
                        languages=["zh-CN", "en"])
    writer.insert_network(IPSet(["203.0.113.0/24"]), {
        "city": {"geoname_id": 1791247, "names": {"zh-CN": "武汉", "en": "Wuhan"}},
        "country": {"geoname_id": 1814991, "iso_code": "CN",
                    "names": {"zh-CN": "中国", "en": "China"}}})
    writer.to_db_file(str(tmp_path / "city.mmdb"))
    settings.GEOIP_CITY_DB = str(tmp_path / "city.mmdb")

    sign_in(client, "wang_xue", HTTP_USER_AGENT=FIREFOX_WINDOWS, REMOTE_ADDR="203.0.113.45")
    client.logout()
    sign_in(client, "wang_xue", REMOTE_ADDR="198.51.100.9")  # not in the database
    first, second = AccessRecord.objects.filter(
        person=student, kind=AccessRecord.Kind.SIGN_IN).order_by("pk")
    assert first.place == "武汉 203.0.113.0/24" and first.device == "Firefox 121 · Windows 10"
    assert second.place == "198.51.100.0/24" and second.device == ""


def test_someone_trying_her_password_is_in_her_log(client, student):
    response = sign_in(client, "wang_xue", "not-her-password", REMOTE_ADDR="198.51.100.23",
                       HTTP_USER_AGENT=FIREFOX_WINDOWS)
    assert response.status_code == 200  # the form again, with its error
    [record] = AccessRecord.objects.filter(person=student, kind=AccessRecord.Kind.SIGN_IN)
    assert record.detail["failed"] == "password"
    sign_in(client, "nobody_here", "whatever")  # an unknown name: nobody's log
    assert AccessRecord.objects.filter(kind=AccessRecord.Kind.SIGN_IN).count() == 1

    sign_in(client, "wang_xue")
    [entry, failed] = rows(client.get(PAGE + "?kind=sign_in").content.decode())
    assert "密码登录" in entry
    assert "有人用你的用户名登录，密码错误" in failed and "198.51.100.0/24" in failed
    assert "失败" in failed


def test_passing_the_second_factor_is_a_sign_in_of_its_own(client, settings, school,
                                                           school_admin):
    settings.ADMIN_REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=school_admin, name="authenticator", confirmed=True)
    sign_in(client, "jiaowu_zhao", HTTP_USER_AGENT=FIREFOX_WINDOWS)
    code = f"{totp(device.bin_key, step=device.step):06d}"
    response = client.post(reverse("two_factor_verify"), {"token": code},
                           HTTP_USER_AGENT=FIREFOX_WINDOWS)
    assert response.status_code == 302
    actions = list(AccessRecord.objects.filter(person=school_admin,
                                               kind=AccessRecord.Kind.SIGN_IN).order_by("pk")
                   .values_list("action", flat=True))
    assert actions == ["sign_in.password", "sign_in.two_factor"]


# ---- the page is the person's alone --------------------------------------------------


def test_only_the_person_sees_her_log(client, school, student):
    app, _secret = make_user_app(name="课表小助手", scopes=("profile", "profile:verified"))
    token = mint_token(app, user=student, scopes=["profile", "profile:verified"])
    graphql(client, MEMBER_NUMBER, token, username="wang_xue")
    sign_in(client, "wang_xue", REMOTE_ADDR="203.0.113.45")
    client.logout()

    visitor = client.get(PAGE)
    assert visitor.status_code == 302 and reverse("login") in visitor["Location"]
    with_token = client.get(PAGE, headers={"authorization": f"Bearer {token}"})
    assert with_token.status_code in (302, 401, 403)
    assert "课表小助手" not in with_token.content.decode()

    classmate = verify(make_user("li_lei", school=school), "2024210002")
    client.force_login(classmate)
    page = client.get(PAGE).content.decode()
    assert "课表小助手" not in page and "203.0.113.0/24" not in page
    # her log is hers: the classmate's own sign-in only
    assert [r for r in rows(page)] and all("课表小助手" not in r for r in rows(page))

    with pytest.raises(PermissionDenied):
        access_log.records_of(actor=access_log_actor_with_token(student, app))


def access_log_actor_with_token(user, app):
    from yiban_core.actor import Actor

    return Actor(user=user, scopes=frozenset({"profile", "profile:verified"}),
                 app_id=app.application.pk)


def test_filters_and_pages_newest_first(client, student):
    now = timezone.now()
    AccessRecord.objects.bulk_create(
        [AccessRecord(person=student, kind=AccessRecord.Kind.SIGN_IN, action="sign_in.password",
                      at=now - timedelta(minutes=i), place=f"10.0.{i}.0/24",
                      detail={"how": "password"}) for i in range(35)]
        + [AccessRecord(person=student, kind=AccessRecord.Kind.REFUSED,
                        action="export.other_user", at=now - timedelta(hours=3))])
    client.force_login(student)  # one more sign-in, the newest
    first = client.get(PAGE + "?kind=sign_in").content.decode()
    assert len(rows(first)) == 30 and "10.0.0.0/24" in rows(first)[1]
    more = re.search(r'href="\?kind=sign_in&amp;after=([^"]+)"', first).group(1)
    rest = client.get(PAGE + "?kind=sign_in&after=" + more).content.decode()
    assert len(rows(rest)) == 6 and "10.0.34.0/24" in rows(rest)[-1]
    refused = rows(client.get(PAGE + "?kind=refused").content.decode())
    assert len(refused) == 1 and "被拒绝的访问" in refused[0]

    for bad in ("?kind=everything", "?after=forged", "?kind=sign_in&after=%00"):
        response = client.get(PAGE + bad)
        assert response.status_code == 400, bad
    with pytest.raises(Invalid):
        access_log.records_of(actor=actor_for(student), kind="nonsense")


# ---- retention -----------------------------------------------------------------------


def test_records_older_than_the_audit_retention_are_pruned(settings, student):
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    _old, kept = AccessRecord.objects.bulk_create([
        AccessRecord(person=student, kind=AccessRecord.Kind.SIGN_IN, action="sign_in.password",
                     at=now - timedelta(days=31)),
        AccessRecord(person=student, kind=AccessRecord.Kind.READ, action="read.graphql",
                     at=now - timedelta(days=29)),
    ])
    # (what she agreed to at sign-up is a record of today: kept)
    AccessRecord.objects.exclude(pk__in=[_old.pk, kept.pk]).delete()
    assert access_log.prune() == 1
    assert list(AccessRecord.objects.filter(person=student)) == [kept]
    assert access_log.prune() == 0
    assert access_log.prune_access_log.module_path in periodic.registered()


def test_a_webhook_carrying_student_numbers_is_in_each_students_log(school):
    from classroom import services as classroom
    from openapi_plugins.webhooks.core_events import render_checkin_closed
    from openapi_plugins.webhooks.selectors import app_actor
    from tests.factories import make_class_group, make_teacher
    from tests.openapi.helpers import make_school_app
    from yiban_core.groups import services as groups

    teacher = make_teacher("tang_laoshi", school=school)
    group = make_class_group(teacher, name="有机化学（化学2301班）", school=school)
    students = [verify(make_user(name, school=school), number)
                for name, number in (("xu_yang", "20230001"), ("ma_li", "20230002"))]
    for student in students:
        groups.join_by_code(actor=actor_for(student), code=group.join_code)
    checkin = classroom.start_checkin(actor=actor_for(teacher), group=group, title="实验课",
                                      grace_minutes=5)
    classroom.close_checkin(actor=actor_for(teacher), checkin_id=checkin.pk)
    app, _secret = make_school_app(school, scopes=("classroom:read", "profile:verified"),
                                   name="学工系统")
    without, _secret = make_school_app(school, scopes=("classroom:read",), name="排课系统")

    data = render_checkin_closed(app_actor(without), checkin.pk)
    assert "memberNumber" not in data["attendance"][0]["user"]
    assert all(reads_of(student) == [] for student in students)
    data = render_checkin_closed(app_actor(app), checkin.pk)
    assert {a["user"]["memberNumber"] for a in data["attendance"]} == {"20230001", "20230002"}
    for student in students:
        [read] = reads_of(student)
        assert read.by_name == "学工系统" and read.by_user is None
        assert read.action == "read.webhook" and read.detail["app"] is True


def test_a_school_admin_opening_her_profile_or_her_class_list_is_logged(client, school,
                                                                         student,
                                                                         school_admin):
    from tests.factories import make_class_group, make_teacher
    from yiban_core.groups import services as groups

    teacher = make_teacher("zhou_laoshi", school=school)
    group = make_class_group(teacher, name="汉语言文学2024级1班", school=school)
    groups.join_by_code(actor=actor_for(student), code=group.join_code)

    client.force_login(school_admin)
    assert "2024210001" in client.get(reverse("profile", args=["wang_xue"])).content.decode()
    client.force_login(teacher)
    assert "2024210001" in client.get(
        reverse("group_members", args=[group.pk])).content.decode()
    assert "2024210001" in client.get(
        reverse("group_members_csv", args=[group.pk])).content.decode("utf-8-sig")
    assert sorted((r.action, r.by_name) for r in reads_of(student)) == [
        ("read.group_members", "zhou_laoshi"), ("read.group_members_csv", "zhou_laoshi"),
        ("read.profile", "jiaowu_zhao")]


# ---- place and device: city level at most, never a failure ----------------------------


@given(st.ip_addresses(v=4))
def test_an_ipv4_place_is_its_24_network(address):
    place = access_log.network(str(address))
    assert ipaddress.ip_network(place).prefixlen == 24 and address in ipaddress.ip_network(place)


@given(st.ip_addresses(v=6))
def test_an_ipv6_place_is_its_48_network(address):
    place = access_log.network(str(address))
    assert ipaddress.ip_network(place).prefixlen == 48 and address in ipaddress.ip_network(place)


@given(st.text(max_size=300))
def test_any_user_agent_or_address_text_gives_a_short_answer_and_no_error(text):
    assert len(access_log.device(text)) <= 80
    assert access_log.network(text) == "" or "/" in access_log.network(text)


def test_an_app_getting_her_real_name_in_openid_claims_is_logged(student):
    from oauthlib.common import Request

    from openapi_plugins.oauth import PlatformValidator

    app, _secret = make_user_app(name="图书馆座位预约", scopes=("openid", "profile",
                                                               "profile:verified"))
    record_app_consent(user=student, application=app.application)  # as /o/authorize/ does
    request = Request("https://yiban.example.edu.cn/o/userinfo/")
    request.user, request.client = student, app.application
    request.scopes = ["openid", "profile"]
    assert "member_number" in PlatformValidator().get_additional_claims(request)
    assert reads_of(student) == []  # not released without profile:verified
    request.scopes = ["openid", "profile", "profile:verified"]
    PlatformValidator().get_additional_claims(request)
    [read] = reads_of(student)
    assert read.by_name == "图书馆座位预约" and read.action == "read.oidc"
    assert read.detail["fields"] == ["member_number", "real_name"]
