"""The school-admin console (学校管理后台, /schools/<id>/): its overview and members pages
open to the school's administrators and site admins only (404 for anyone else, as the
school's other pages answer); members are searched by name, pinyin or 学号, filtered by
verified / claimed / never signed in, and exported as CSV, always only the school's own;
the account menu leads there for school admins only, and every school page carries the
console's navigation."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from tests.factories import agree_to_policies, make_school, make_user, verify
from yiban_core.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return make_school("华东师范大学")


@pytest.fixture
def school_admin(school):
    admin = make_user("jiaowu_li", school=school, role=User.Role.STAFF, display_name="李教务")
    school.administrators.add(admin)
    return admin


def imported(username: str, name: str, school, number: str) -> User:
    """A member the roster created: verified, with no usable password, never signed in."""
    user = verify(make_user(username, school=school, display_name=name), number)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def members(school):
    zhang = imported("zhang_wei", "张伟", school, "20240001")
    wang = verify(make_user("wang_fang", school=school, display_name="王芳"), "20240002")
    li = make_user("li_na", school=school, display_name="李娜")  # registered, unverified
    other = make_school("别的学院")
    stranger = imported("zhang_san", "张三", other, "20240003")
    return {"zhang": zhang, "wang": wang, "li": li, "other_school": other,
            "stranger": stranger}


def listed(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'data-member="([^"]+)"', response.content.decode())


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


CONSOLE_PAGES = ("school_console", "school_members", "school_members_csv")


def test_the_schools_admin_and_a_site_admin_open_the_console(client, school, school_admin,
                                                            members):
    root = agree_to_policies(User.objects.create_superuser("root", password="Xuexi-2026-ok"))
    for who in (school_admin, root):
        client.force_login(who)
        for name in CONSOLE_PAGES:
            assert client.get(reverse(name, args=[school.pk])).status_code == 200, name


def test_anyone_else_finds_no_console(client, school, members):
    other_admin = make_user("bie_admin", school=members["other_school"], role=User.Role.STAFF)
    members["other_school"].administrators.add(other_admin)
    teacher = make_user("lao_shi", school=school, role=User.Role.TEACHER)
    for who in (other_admin, teacher, members["wang"]):
        client.force_login(who)
        for name in CONSOLE_PAGES:
            assert client.get(reverse(name, args=[school.pk])).status_code == 404, (who, name)
    client.logout()
    response = client.get(reverse("school_console", args=[school.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_console_asks_an_admin_for_the_second_factor(client, settings, school,
                                                         school_admin):
    settings.ADMIN_REQUIRE_2FA = True
    client.force_login(school_admin)
    for name in CONSOLE_PAGES:
        response = client.get(reverse(name, args=[school.pk]))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("two_factor")), name


def test_the_overview_counts_the_schools_members_and_links_every_school_page(
        client, school, school_admin, members):
    client.force_login(school_admin)
    html = client.get(reverse("school_console", args=[school.pk])).content.decode()
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    # zhang (never signed in), wang and li (registered), and the admin; not 张三 of the other school
    assert counts == {"members": "4", "verified": "2", "claimed": "3", "never": "1",
                      "open_requests": "0", "open_cases": "0"}
    for name in ("school_members", "school_verification_queue", "school_activation_codes",
                 "roster_import", "school_sso", "school_apps", "school_audit"):
        assert f'href="{reverse(name, args=[school.pk])}"' in html, name
    assert f'action="{reverse("school_premoderation", args=[school.pk])}"' in html
    assert "本校默认先审后发" in html


def test_every_school_page_carries_the_consoles_navigation(client, school, school_admin):
    client.force_login(school_admin)
    for name in ("school_console", "school_members", "school_verification_queue",
                 "school_activation_codes", "roster_import", "school_sso", "school_apps",
                 "school_audit"):
        html = client.get(reverse(name, args=[school.pk])).content.decode()
        nav = re.search(r'<nav class="tabs school-nav".*?</nav>', html, re.S)
        assert nav, name
        assert f'href="{reverse("school_members", args=[school.pk])}"' in nav.group(0)
        assert re.search(rf'href="{re.escape(reverse(name, args=[school.pk]))}" '
                         r'aria-current="page"', nav.group(0)), name


def test_members_are_found_by_name_pinyin_and_member_number(client, school, school_admin,
                                                           members):
    client.force_login(school_admin)
    url = reverse("school_members", args=[school.pk])
    assert sorted(listed(client.get(url))) == ["jiaowu_li", "li_na", "wang_fang", "zhang_wei"]
    assert listed(client.get(url, {"q": "张"})) == ["zhang_wei"]  # not 张三 of the other school
    assert listed(client.get(url, {"q": "zhangw"})) == ["zhang_wei"]
    assert listed(client.get(url, {"q": "wf"})) == ["wang_fang"]
    assert listed(client.get(url, {"q": "20240002"})) == ["wang_fang"]
    assert listed(client.get(url, {"q": "20240003"})) == []  # the other school's number
    assert listed(client.get(url, {"q": "没有这个人"})) == []


def test_members_are_filtered_by_verified_claimed_and_never_signed_in(
        client, school, school_admin, members):
    client.force_login(school_admin)
    url = reverse("school_members", args=[school.pk])
    assert listed(client.get(url, {"status": "verified"})) == ["zhang_wei", "wang_fang"]
    assert sorted(listed(client.get(url, {"status": "claimed"}))) == [
        "jiaowu_li", "li_na", "wang_fang"]
    assert listed(client.get(url, {"status": "never"})) == ["zhang_wei"]
    assert listed(client.get(url, {"status": "never", "q": "王"})) == []
    # an unknown filter shows everyone rather than failing
    assert len(listed(client.get(url, {"status": "bogus"}))) == 4


def test_the_member_list_pages(client, school, school_admin, members, monkeypatch):
    from frontend.views import school_console
    monkeypatch.setattr(school_console, "MEMBERS_PER_PAGE", 3)
    client.force_login(school_admin)
    url = reverse("school_members", args=[school.pk])
    first, second = listed(client.get(url)), listed(client.get(url, {"page": 2}))
    assert len(first) == 3 and len(second) == 1
    assert not set(first) & set(second)
    assert listed(client.get(url, {"page": 99})) == second  # past the end: the last page


def test_the_csv_holds_the_filtered_list_of_the_schools_own_members(
        client, school, school_admin, members):
    members["wang"].display_name = "=HYPERLINK(\"x\")"
    members["wang"].save(update_fields=["display_name"])
    client.force_login(school_admin)
    url = reverse("school_members_csv", args=[school.pk])
    header, *rows = csv_rows(client.get(url, {"status": "verified"}))
    assert header[:3] == ["学号/工号", "昵称", "用户名"]
    assert [row[0] for row in rows] == ["20240001", "20240002"]
    assert rows[0][1] == "张伟" and rows[0][5] == ""  # never signed in
    assert rows[1][1].startswith("'=")  # a formula stays text in Excel
    _header, *rows = csv_rows(client.get(url, {"q": "张"}))
    assert [row[2] for row in rows] == ["zhang_wei"]
    body = client.get(url).content.decode()
    assert "zhang_san" not in body and "20240003" not in body


def test_the_account_menu_leads_school_admins_to_the_console_only(client, school,
                                                                  school_admin, members):
    console = reverse("school_console", args=[school.pk])
    client.force_login(school_admin)
    assert f'href="{console}"' in client.get(reverse("home")).content.decode()
    teacher = make_user("lao_shi", school=school, role=User.Role.TEACHER)
    for who in (teacher, members["wang"]):
        client.force_login(who)
        html = client.get(reverse("home")).content.decode()
        assert console not in html and "管理后台" not in html


def test_the_school_switch_returns_to_the_consoles_settings(client, school, school_admin):
    client.force_login(school_admin)
    response = client.post(reverse("school_premoderation", args=[school.pk]),
                           {"premoderate_default": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("school_console", args=[school.pk]) + "#settings"
    school.refresh_from_db()
    assert school.premoderate_default
