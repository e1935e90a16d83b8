"""The settings a person can find: /settings/ and its sections, the same side navigation on
every settings page, and the account menu in the top bar (设置, 我的学校, and 管理后台 only
for those the admin pages let in)."""

import re

import pytest
from django.urls import reverse

from tests.factories import actor_for, agree_to_policies, make_school, make_user
from yiban_core.accounts import services as account_services
from yiban_core.accounts.models import User
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group

pytestmark = pytest.mark.django_db

SECTIONS = ["settings", "edit_profile", "change_password", "settings_privacy",
            "settings_school", "settings_blocked", "authorized_apps", "notifications"]


def page(client, name, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def settings_nav(html: str) -> str:
    nav = re.search(r'<nav class="settings-nav".*?</nav>', html, re.S)
    assert nav, "no settings navigation on the page"
    return nav.group(0)


def side_nav(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', settings_nav(html))


def account_menu(html: str) -> str:
    menu = re.search(r'<details class="usermenu".*?</details>', html, re.S)
    assert menu, "no account menu in the top bar"
    return menu.group(0)


@pytest.mark.parametrize("name", ["settings", "settings_privacy", "settings_school",
                                  "settings_blocked"])
def test_the_settings_pages_want_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse(name)}"


def test_the_settings_page_links_every_section(client):
    client.force_login(make_user("li_hua", display_name="李华", school=make_school("华南理工大学")))
    html = page(client, "settings")
    for name in SECTIONS:
        assert f'href="{reverse(name)}"' in html
    assert "华南理工大学" in html and "待学校认证" in html
    assert "目前还不能按类型关闭通知" in html  # said, not a switch that does nothing
    # Two-factor is for administrators: its page answers 404 to a student, so no link.
    assert reverse("two_factor") not in html


@pytest.mark.parametrize("name", ["settings", "edit_profile", "change_password",
                                  "settings_privacy", "settings_school", "settings_blocked",
                                  "authorized_apps"])
def test_every_settings_page_shows_the_same_side_navigation(client, name):
    client.force_login(make_user("li_hua"))
    html = page(client, name)
    assert side_nav(html) == [reverse(section) for section in SECTIONS]
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', settings_nav(html)) == [
        reverse(name)]


def test_an_administrator_finds_two_factor_among_the_settings(client):
    school = make_school()
    staff = make_user("zhang_laoshi", role=User.Role.STAFF, school=school)
    school.administrators.add(staff)
    client.force_login(staff)
    assert reverse("two_factor") in side_nav(page(client, "two_factor"))
    assert f'href="{reverse("two_factor")}"' in page(client, "settings")


def test_the_account_menu_holds_settings_my_school_and_log_out(client):
    client.force_login(make_user("li_hua", display_name="李华"))
    menu = account_menu(page(client, "home"))
    assert f'<a href="{reverse("settings")}">设置</a>' in menu
    assert f'<a href="{reverse("settings_school")}">我的学校</a>' in menu
    assert f'action="{reverse("logout")}"' in menu and "退出" in menu
    assert "管理后台" not in menu


def test_admin_console_only_where_the_admin_pages_let_the_user_in(client):
    school = make_school("华南理工大学")
    school_admin = make_user("wang_admin", role=User.Role.STAFF, school=school)
    school.administrators.add(school_admin)
    client.force_login(school_admin)
    menu = account_menu(page(client, "home"))
    assert f'<a href="{reverse("school_console", args=[school.pk])}">管理后台</a>' in menu
    assert reverse("admin:index") not in menu  # not staff of the admin site

    site_admin = agree_to_policies(
        User.objects.create_superuser("root", password="Xuexi-2026-ok"))
    client.force_login(site_admin)
    menu = account_menu(page(client, "home"))
    assert f'<a href="{reverse("admin:index")}">管理后台</a>' in menu


def test_my_school_before_and_after_verification(client):
    school = make_school("华南理工大学")
    staff = make_user("wang_admin", role=User.Role.STAFF, school=school)
    school.administrators.add(staff)
    official = group_services.create_group(actor=actor_for(staff), name="华工官方群",
                                           kind=Group.Kind.SCHOOL, school=school)
    student = make_user("li_hua", school=school)
    client.force_login(student)
    html = page(client, "settings_school")
    assert "待学校认证" in html and "学校管理员" in html
    assert official.name not in html

    account_services.verify_member(actor=actor_for(staff), school=school, username="li_hua",
                                   member_number="202430001")
    html = page(client, "settings_school")
    assert "已认证" in html and "202430001" in html
    assert f'href="{reverse("group_detail", args=[official.pk])}"' in html
    assert reverse("roster_import", args=[school.pk]) not in html  # not theirs to run

    client.force_login(staff)
    html = page(client, "settings_school")
    assert f'href="{reverse("school_apps", args=[school.pk])}"' in html
    assert f'href="{reverse("roster_import", args=[school.pk])}"' in html


def test_without_a_school_my_school_leads_to_choosing_one(client):
    client.force_login(make_user("li_hua"))
    html = page(client, "settings_school")
    assert "还没有选择学校" in html
    assert f'href="{reverse("edit_profile")}"' in html


def test_privacy_says_who_sees_the_member_number_and_shows_me_mine(client):
    school = make_school()
    staff = make_user(role=User.Role.STAFF, school=school)
    school.administrators.add(staff)
    student = make_user("li_hua", school=school)
    account_services.verify_member(actor=actor_for(staff), school=school, username="li_hua",
                                   member_number="202430001")
    client.force_login(student)
    html = page(client, "settings_privacy")
    assert "只有你自己和你学校的管理员能看到" in html and "202430001" in html
