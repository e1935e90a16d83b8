"""The web shell, as a person uses it: what the page says, and what is stored."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from tests.factories import (
    PASSWORD,
    actor_for,
    agreed_form,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
)
from yiban_core.accounts.models import Follow, User
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group, JoinRequest, Membership

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return response.content.decode()


def login(client, user):
    client.force_login(user)
    return user


# ---- accounts ---------------------------------------------------------------------------


def test_register_as_teacher_logs_in_and_sets_the_school(client):
    school = make_school("华东师范大学")
    response = client.post(reverse("register"), {
        "username": "zhang_laoshi", "display_name": "张老师", "password1": PASSWORD,
        "password2": PASSWORD, "role": "teacher", "school": school.pk, **agreed_form(),
    }, follow=True)
    assert response.status_code == 200
    assert "注册成功" in page_text(response)
    user = User.objects.get(username="zhang_laoshi")
    assert (user.display_name, user.role, user.school) == ("张老师", "teacher", school)
    assert response.context["user"] == user


def test_register_with_a_taken_username_shows_the_error_and_creates_nobody(client):
    make_user("wang_fang")
    response = client.post(reverse("register"), {
        "username": "Wang_Fang", "password1": PASSWORD, "password2": PASSWORD,
        "role": "student", **agreed_form(),
    })
    assert response.status_code == 200
    assert "该用户名已被注册" in page_text(response)
    assert response.context["form"].errors["username"] == ["该用户名已被注册"]
    assert User.objects.count() == 1
    assert not response.wsgi_request.user.is_authenticated


def test_register_with_mismatched_passwords_or_a_weak_one_creates_nobody(client):
    response = client.post(reverse("register"), {
        "username": "li_hua", "password1": PASSWORD, "password2": PASSWORD + "x",
        "role": "student",
    })
    assert "两次输入的密码不一致" in page_text(response)
    response = client.post(reverse("register"), {
        "username": "li_hua", "password1": "123", "password2": "123", "role": "student",
        **agreed_form(),
    })
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(username="li_hua").exists()


def test_login_and_logout(client):
    user = make_user("li_hua", display_name="李华")
    response = client.post(reverse("login"), {"username": "li_hua", "password": "wrong"})
    assert "用户名或密码不正确" in page_text(response)
    response = client.post(reverse("login"), {"username": "li_hua", "password": PASSWORD},
                           follow=True)
    assert response.context["user"] == user
    assert "你好，李华" in page_text(response)
    assert client.get(reverse("logout")).status_code == 405  # a link cannot log anyone out
    response = client.post(reverse("logout"), follow=True)
    assert not response.context["user"].is_authenticated
    assert "欢迎来到易班学习网" in page_text(response)


def test_change_password_keeps_the_session(client):
    user = login(client, make_user("li_hua"))
    response = client.post(reverse("change_password"), {
        "old_password": "wrong", "new_password1": "Xin-mima-2026", "new_password2": "Xin-mima-2026",
    })
    assert "原密码不正确" in page_text(response)
    response = client.post(reverse("change_password"), {
        "old_password": PASSWORD, "new_password1": "Xin-mima-2026",
        "new_password2": "Xin-mima-2026",
    }, follow=True)
    assert "密码已修改" in page_text(response)
    user.refresh_from_db()
    assert user.check_password("Xin-mima-2026")
    assert client.get(reverse("edit_profile")).status_code == 200


def test_edit_profile_saves_everything_including_an_avatar(client):
    school = make_school("深圳职业技术大学")
    user = login(client, make_user("li_hua"))
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "#2563eb").save(buffer, "PNG")
    buffer.name = "me.png"
    buffer.seek(0)
    response = client.post(reverse("edit_profile"), {
        "display_name": "李华", "bio": "喜欢摄影", "major": "软件技术",
        "enrolment_year": "2023", "school": school.pk, "avatar": buffer,
    }, follow=True)
    assert "资料已保存" in page_text(response)
    user.refresh_from_db()
    assert (user.display_name, user.school, user.profile.major, user.profile.enrolment_year) == (
        "李华", school, "软件技术", 2023)
    assert user.profile.avatar.name.endswith(".png")
    assert user.profile.avatar.url in page_text(response)


def test_edit_profile_with_a_bad_enrolment_year_changes_nothing(client):
    user = login(client, make_user("li_hua", display_name="李华"))
    response = client.post(reverse("edit_profile"), {
        "display_name": "新名字", "bio": "新简介", "major": "", "enrolment_year": "1800",
    })
    assert response.status_code == 200
    assert "入学年份应在 1950" in page_text(response)
    assert response.context["form"].errors["enrolment_year"]
    # The page still shows the stored name in the navigation, not the refused one.
    assert "新名字</span>" not in page_text(response)
    user.refresh_from_db()
    assert user.display_name == "李华"
    assert user.profile.bio == ""
    assert user.profile.enrolment_year is None


def test_edit_profile_rejects_a_file_that_is_not_an_image(client):
    user = login(client, make_user("li_hua"))
    fake = io.BytesIO(b"not an image at all")
    fake.name = "virus.png"
    response = client.post(reverse("edit_profile"), {"display_name": "李华", "avatar": fake})
    assert "只能上传图片文件" in page_text(response)
    user.refresh_from_db()
    assert not user.profile.avatar


def test_profile_shows_public_facts_and_hides_the_member_number_from_others(client):
    school = make_school()
    person = make_user("wang_fang", display_name="王芳", school=school)
    User.objects.filter(pk=person.pk).update(member_number="20230001",
                                             verified_at="2025-09-01T00:00:00Z")
    response = client.get(reverse("profile", args=["wang_fang"]))
    assert response.status_code == 200
    text = page_text(response)
    assert "王芳" in text and school.name in text and "已认证" in text
    assert "20230001" not in text
    login(client, person)
    assert "20230001" in page_text(client.get(reverse("profile", args=["wang_fang"])))


def test_unknown_profile_is_a_clear_404(client):
    response = client.get(reverse("profile", args=["nobody"]))
    assert response.status_code == 404
    assert "没有这个用户" in page_text(response)


def test_follow_and_unfollow(client):
    me = login(client, make_user("li_hua", display_name="李华"))
    other = make_user("wang_fang", display_name="王芳")
    response = client.post(reverse("follow", args=["wang_fang"]), follow=True)
    assert "已关注" in page_text(response)
    assert "取消关注" in page_text(response)
    assert Follow.objects.filter(follower=me, followee=other).exists()
    other.refresh_from_db()
    assert other.follower_count == 1

    # Twice is a clear message, not a second row.
    response = client.post(reverse("follow", args=["wang_fang"]), follow=True)
    assert "你已经关注了 TA" in page_text(response)
    assert Follow.objects.count() == 1

    response = client.get(reverse("following", args=["li_hua"]))
    assert "王芳" in page_text(response)
    response = client.get(reverse("followers", args=["wang_fang"]))
    assert "李华" in page_text(response)

    response = client.post(reverse("unfollow", args=["wang_fang"]), follow=True)
    assert "已取消关注" in page_text(response)
    assert not Follow.objects.exists()
    other.refresh_from_db()
    assert other.follower_count == 0


def test_following_oneself_is_refused_with_a_message(client):
    login(client, make_user("li_hua"))
    response = client.post(reverse("follow", args=["li_hua"]), follow=True)
    assert "不能关注自己" in page_text(response)
    assert not Follow.objects.exists()


def test_follower_list_pages_with_a_more_link(client):
    star = make_user("star")
    for i in range(25):
        fan = make_user(f"fan{i:02d}", display_name=f"粉丝{i:02d}")
        Follow.objects.create(follower=fan, followee=star)
    first = client.get(reverse("followers", args=["star"]))
    first_page = [u.username for u in first.context["page"].items]
    assert len(first_page) == 20 and first.context["page"].has_next
    cursor = first.context["page"].end_cursor
    second = client.get(reverse("followers", args=["star"]), {"after": cursor})
    second_page = [u.username for u in second.context["page"].items]
    assert len(second_page) == 5 and not set(first_page) & set(second_page)
    assert client.get(reverse("followers", args=["star"]), {"after": "forged"}).status_code == 400


# ---- groups -------------------------------------------------------------------------------


def test_teacher_creates_a_class_group_and_sees_its_join_code(client):
    teacher = login(client, make_teacher("zhang_laoshi"))
    response = client.post(reverse("group_create"), {
        "name": "计算机科学与技术2023级1班", "kind": "class", "description": "班级通知",
    }, follow=True)
    assert response.status_code == 200
    group = Group.objects.get(name="计算机科学与技术2023级1班")
    assert (group.kind, group.owner, group.school, group.is_private) == (
        "class", teacher, teacher.school, True)
    text = page_text(response)
    assert "群已创建" in text and group.join_code in text


def test_student_creating_a_class_group_sees_the_refusal_and_nothing_is_created(client):
    login(client, make_user("li_hua", school=make_school()))
    response = client.post(reverse("group_create"), {"name": "我的班", "kind": "class"})
    assert response.status_code == 200
    assert "只有设置了学校的教师可以创建班级群" in page_text(response)
    assert not Group.objects.exists()


def test_group_list_searches_by_name_and_filters_by_kind(client):
    teacher = make_teacher()
    make_class_group(teacher, name="软件技术2024级2班")
    # A class group is listed to its own school's people (tests/groups/test_listing.py).
    login(client, make_user(school=teacher.school))
    make_interest_group(teacher, name="摄影社")
    make_interest_group(teacher, name="考研交流群")
    response = client.get(reverse("group_list"), {"q": "摄影"})
    assert [g.name for g in response.context["page"].items] == ["摄影社"]
    assert "考研交流群" not in page_text(response)
    response = client.get(reverse("group_list"), {"kind": "class"})
    assert [g.name for g in response.context["page"].items] == ["软件技术2024级2班"]
    assert "软件技术2024级2班" in page_text(response)
    assert "考研交流群" not in page_text(response)


def test_join_by_code(client):
    teacher = make_teacher()
    group = make_class_group(teacher)
    student = login(client, make_user("li_hua"))
    response = client.post(reverse("join_by_code"), {"code": group.join_code.lower()},
                           follow=True)
    assert f"已加入 {group.name}" in page_text(response)
    assert Membership.objects.filter(group=group, user=student).exists()


def test_wrong_join_code_is_a_clear_error_and_no_membership(client):
    group = make_class_group(make_teacher())
    student = login(client, make_user("li_hua"))
    response = client.post(reverse("join_by_code"), {"code": "WRONG234"})
    assert response.status_code == 200
    assert "班级码不正确" in page_text(response)
    assert response.context["form"].errors["code"] == ["班级码不正确"]
    assert not Membership.objects.filter(user=student).exists()
    group.refresh_from_db()
    assert group.member_count == 1


def test_open_group_join_and_leave(client):
    group = make_interest_group(make_user("owner"))
    student = login(client, make_user("li_hua"))
    response = client.post(reverse("group_join", args=[group.pk]), follow=True)
    assert "已加入群" in page_text(response)
    assert Membership.objects.filter(group=group, user=student).exists()
    response = client.post(reverse("group_leave", args=[group.pk]), follow=True)
    assert "已退出群" in page_text(response)
    assert not Membership.objects.filter(group=group, user=student).exists()


def test_joining_an_approval_group_directly_is_refused(client):
    group = make_interest_group(make_user("owner"), join_policy="approval")
    student = login(client, make_user("li_hua"))
    response = client.post(reverse("group_join", args=[group.pk]), follow=True)
    assert "这个群需要审核，请提交入群申请" in page_text(response)
    assert not Membership.objects.filter(group=group, user=student).exists()


def test_request_to_join_and_the_owner_approves(client):
    owner = make_user("owner")
    group = make_interest_group(owner, name="考研交流群", join_policy="approval")
    student = login(client, make_user("li_hua", display_name="李华"))
    detail = client.get(reverse("group_detail", args=[group.pk]))
    assert "申请加入" in page_text(detail)
    response = client.post(reverse("group_request", args=[group.pk]),
                           {"message": "我准备考研"}, follow=True)
    assert "申请已提交" in page_text(response)
    assert "你的入群申请正在等待审核" in page_text(response)
    join_request = JoinRequest.objects.get(group=group, user=student)
    assert not Membership.objects.filter(group=group, user=student).exists()

    login(client, owner)
    manage = client.get(reverse("group_manage", args=[group.pk]))
    assert "李华" in page_text(manage) and "我准备考研" in page_text(manage)
    response = client.post(reverse("group_decide_request", args=[group.pk, join_request.pk]),
                           {"decision": "approve"}, follow=True)
    assert "已通过申请" in page_text(response)
    assert Membership.objects.filter(group=group, user=student, role="member").exists()
    join_request.refresh_from_db()
    assert join_request.status == "approved"


def test_applicant_withdraws_a_request_and_may_ask_again(client):
    group = make_interest_group(make_user("owner"), join_policy="approval")
    student = login(client, make_user("li_hua"))
    client.post(reverse("group_request", args=[group.pk]), {"message": "想加入"})
    pending = JoinRequest.objects.get(group=group, user=student)
    response = client.post(reverse("group_request_cancel", args=[group.pk, pending.pk]),
                           follow=True)
    assert "已撤回入群申请" in page_text(response)
    assert "申请加入" in page_text(response)
    pending.refresh_from_db()
    assert pending.status == "cancelled"
    # Someone else's request cannot be withdrawn by guessing its number.
    other = JoinRequest.objects.create(group=group, user=make_user("wang_wu"))
    response = client.post(reverse("group_request_cancel", args=[group.pk, other.pk]),
                           follow=True)
    other.refresh_from_db()
    assert other.status == "pending"


def test_non_member_cannot_see_a_private_groups_members(client):
    owner = make_user("owner", display_name="社长赵敏")
    group = make_interest_group(owner, name="秘密读书会", is_private=True,
                                join_policy="approval", description="每周读一本书")
    member = make_user("member1", display_name="成员钱多多")
    group_services.invite(actor=actor_for(owner), group=group, username="member1")
    invitation = member.group_invitations.get()
    group_services.answer_invitation(actor=actor_for(member), invitation_id=invitation.pk,
                                     accept=True)
    login(client, make_user("outsider"))

    response = client.get(reverse("group_members", args=[group.pk]))
    assert response.status_code == 403
    text = page_text(response)
    assert "这是私密群，只有成员可以查看" in text
    assert "钱多多" not in text and "member1" not in text

    detail = page_text(client.get(reverse("group_detail", args=[group.pk])))
    assert "秘密读书会" in detail and "每周读一本书" in detail
    assert "成员列表和群内容只有成员可以查看" in detail
    assert "钱多多" not in detail and "member1" not in detail

    client.logout()
    response = client.get(reverse("group_members", args=[group.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_members_page_lists_members_for_members(client):
    teacher = make_teacher("zhang_laoshi")
    group = make_class_group(teacher)
    student = make_user("li_hua", display_name="李华")
    group_services.join_by_code(actor=actor_for(student), code=group.join_code)
    login(client, student)
    response = client.get(reverse("group_members", args=[group.pk]))
    assert response.status_code == 200
    assert "李华" in page_text(response) and "zhang_laoshi" in page_text(response)


def test_member_who_is_not_a_manager_cannot_edit_the_group(client):
    owner = make_user("owner")
    group = make_interest_group(owner, name="摄影社", description="拍照")
    member = make_user("li_hua")
    group_services.join_group(actor=actor_for(member), group=group)
    login(client, member)
    assert client.get(reverse("group_manage", args=[group.pk])).status_code == 403
    response = client.post(reverse("group_manage", args=[group.pk]), {
        "name": "被改掉的名字", "description": "", "join_policy": "open", "member_cap": "",
    })
    assert response.status_code == 403
    assert "只有群主或管理员可以这样做" in page_text(response)
    group.refresh_from_db()
    assert (group.name, group.description) == ("摄影社", "拍照")


def test_manager_edits_settings_and_a_bad_cap_changes_nothing(client):
    owner = login(client, make_user("owner"))
    group = make_interest_group(owner, name="摄影社")
    response = client.post(reverse("group_manage", args=[group.pk]), {
        "name": "新名字", "description": "新简介", "join_policy": "approval", "member_cap": "0",
    })
    assert "人数上限应在 1 到 100000 之间" in page_text(response)
    assert "新名字</h1>" not in page_text(response)
    group.refresh_from_db()
    assert (group.name, group.join_policy, group.member_cap) == ("摄影社", "open", None)
    response = client.post(reverse("group_manage", args=[group.pk]), {
        "name": "摄影协会", "description": "新简介", "join_policy": "approval",
        "member_cap": "50", "is_private": "on",
    }, follow=True)
    assert "设置已保存" in page_text(response)
    group.refresh_from_db()
    assert (group.name, group.join_policy, group.member_cap, group.is_private) == (
        "摄影协会", "approval", 50, True)


def test_manager_actions_on_members(client):
    owner = login(client, make_user("owner"))
    group = make_interest_group(owner)
    a, b = make_user("a_member"), make_user("b_member")
    for user in (a, b):
        group_services.join_group(actor=actor_for(user), group=group)
    url = lambda who, action: reverse("group_member_action", args=[group.pk, who, action])  # noqa: E731
    client.post(url("a_member", "promote"))
    assert Membership.objects.get(group=group, user=a).role == "admin"
    client.post(url("b_member", "ban"), {"reason": "发广告"})
    assert not Membership.objects.filter(group=group, user=b).exists()
    assert group.bans.filter(user=b).exists()
    response = client.post(url("b_member", "unban"), follow=True)
    assert "已解除封禁" in page_text(response)
    assert not group.bans.exists()
    client.post(url("a_member", "transfer"))
    group.refresh_from_db()
    assert group.owner == a
    # Now an admin, the former owner may not promote anyone any more: a message, no change.
    response = client.post(url("a_member", "demote"), follow=True)
    assert "只有群主可以这样做" in page_text(response)
    assert Membership.objects.get(group=group, user=a).role == "owner"


def test_invite_accept_and_regenerate_code(client):
    teacher = login(client, make_teacher("zhang_laoshi"))
    group = make_class_group(teacher)
    old_code = group.join_code
    response = client.post(reverse("group_invite", args=[group.pk]), {"username": "nobody"},
                           follow=True)
    assert "没有这个用户" in page_text(response)
    student = make_user("li_hua")
    client.post(reverse("group_invite", args=[group.pk]), {"username": "li_hua"})
    response = client.post(reverse("group_regenerate_code", args=[group.pk]), follow=True)
    group.refresh_from_db()
    assert group.join_code != old_code and group.join_code in page_text(response)

    login(client, student)
    response = client.get(reverse("invitations"))
    assert group.name in page_text(response)
    invitation = response.context["invitations"][0]
    client.post(reverse("answer_invitation", args=[invitation.pk]), {"decision": "accept"})
    assert Membership.objects.filter(group=group, user=student).exists()


def test_notifications_page_and_mark_all_read(client):
    user = login(client, make_user("li_hua"))
    from yiban_core.notifications.models import Notification

    fan = make_user("fan", display_name="粉丝甲")
    Notification.objects.create(recipient=user, kind="followed", actor=fan, event_key="t1")
    home = page_text(client.get(reverse("home")))
    assert '<span class="badge"' in home
    response = client.get(reverse("notifications"))
    assert "粉丝甲" in page_text(response) and "关注了你" in page_text(response)
    client.post(reverse("notifications_read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


# ---- layout and language --------------------------------------------------------------------


def test_english_is_selectable_through_set_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/groups/"},
                           follow=True)
    text = page_text(response)
    assert '<html lang="en">' in text
    assert "<title>Groups · Yiban Learning</title>" in text
    assert "Groups" in text and "Log in" in text and "Sign up" in text
    assert "群组" not in text.split("<main")[0]


def test_pages_render_in_chinese_by_default(client):
    text = page_text(client.get(reverse("home")))
    assert '<html lang="zh-CN">' in text
    assert "首页" in text and "群组" in text and "登录" in text


def test_anonymous_user_is_sent_to_login_for_private_pages(client):
    for name in ["edit_profile", "change_password", "group_create", "join_by_code",
                 "invitations", "notifications"]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login"))


def test_unknown_group_is_a_clear_404(client):
    response = client.get(reverse("group_detail", args=[99999]))
    assert response.status_code == 404
    assert "没有这个群" in page_text(response)
