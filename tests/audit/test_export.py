"""A school's administrators export their school's log as CSV (UTF-8 with a BOM, a date
range); nobody else gets it: another school's administrator, a student, a stranger."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_school, make_user
from yiban_core.accounts.models import User
from yiban_core.audit import services
from yiban_core.audit.models import Outcome

pytestmark = pytest.mark.django_db


def rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def logged(school):
    other = make_school("别的学院")
    services.record("account.verified", username="jiaowu_admin", school=school,
                    target_type="accounts.user", target_id=7, target_text="王五",
                    detail={"member_number": "20230001"}, ip="10.1.1.1")
    services.record("school.install", username="other_admin", school=other,
                    target_text="别校教务系统")
    services.record("login.failed", username="=HYPERLINK(\"x\")", school=school,
                    outcome=Outcome.FAILURE)
    return other


def test_the_school_admin_gets_their_schools_entries_only(client, school, school_admin,
                                                          logged):
    client.force_login(school_admin)
    response = client.get(reverse("school_audit_csv", args=[school.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, *body = rows(response)
    assert header[:5] == ["时间", "操作", "操作代码", "结果", "操作人"]
    assert [row[2] for row in body] == ["account.verified", "login.failed"]
    verified = body[0]
    assert verified[1] == "认证学校成员" and verified[3] == "成功"
    assert verified[8] == "王五" and verified[9] == "10.1.1.1"
    assert "20230001" in verified[10]
    assert body[1][4].startswith("'=")  # a formula stays text in Excel
    assert "别校教务系统" not in response.content.decode()


def test_the_date_range_bounds_the_export(client, school, school_admin, logged):
    client.force_login(school_admin)
    today = timezone.localdate()
    url = reverse("school_audit_csv", args=[school.pk])
    yesterday = (today - timedelta(days=1)).isoformat()
    _header, *body = rows(client.get(url, {"since": yesterday, "until": yesterday}))
    assert body == []
    _header, *body = rows(client.get(url, {"since": yesterday, "until": today.isoformat()}))
    assert len(body) == 2


def test_a_bad_range_is_a_clear_error(client, school, school_admin):
    client.force_login(school_admin)
    url = reverse("school_audit_csv", args=[school.pk])
    assert client.get(url, {"since": "2026-13-40", "until": "2026-01-01"}).status_code == 400
    assert client.get(url, {"since": "2026-05-02", "until": "2026-05-01"}).status_code == 400
    assert client.get(url, {"since": "2020-01-01", "until": "2026-01-01"}).status_code == 400


@pytest.mark.parametrize("who", ["other_school_admin", "student", "teacher"])
def test_nobody_else_gets_the_schools_log(client, school, logged, who):
    if who == "other_school_admin":
        person = make_user("other_admin", school=logged, role=User.Role.STAFF)
        logged.administrators.add(person)
    else:
        person = make_user(who, school=school,
                           role=User.Role.STUDENT if who == "student" else User.Role.TEACHER)
    client.force_login(person)
    for name in ("school_audit", "school_audit_csv"):
        response = client.get(reverse(name, args=[school.pk]))
        assert response.status_code == 404
        assert "王五" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, school, logged):
    response = client.get(reverse("school_audit_csv", args=[school.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_export_page_offers_the_range_and_is_linked_from_the_school_settings(
        client, school, school_admin):
    client.force_login(school_admin)
    page = client.get(reverse("school_audit", args=[school.pk])).content.decode()
    assert reverse("school_audit_csv", args=[school.pk]) in page
    assert 'name="since"' in page and 'name="until"' in page
    settings_page = client.get(reverse("settings_school")).content.decode()
    assert reverse("school_audit", args=[school.pk]) in settings_page
