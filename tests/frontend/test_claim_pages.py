"""The pages of claiming, password reset and verification requests, as a person uses them:
/claim/ with a code from the printed sheet, the school's codes page (CSV and sheet), the
"忘记密码" flow with the e-mail in the outbox, and the verification queue."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, make_school, make_user
from tests.verification.test_activation_codes import import_students
from tests.verification.test_verification_requests import card_photo
from yiban_core.accounts.models import User
from yiban_core.notifications.models import Notification
from yiban_core.verification.models import VerificationRequest

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def school():
    school = make_school("华中科技大学")
    admin = make_user("hust_admin", school=school)
    school.administrators.add(admin)
    import_students(school, [("U202310001", "周", "杰"), ("U202310002", "吴", "敏")])
    school.admin = admin
    return school


def sheet_codes(client, school) -> dict[str, str]:
    """The admin prints the sheet; each slip's 学号 and code, as a student reads them."""
    client.force_login(school.admin)
    response = client.post(reverse("school_activation_codes", args=[school.pk]),
                           {"only_unclaimed": "on", "valid_days": "30", "format": "sheet"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = text_of(response)
    assert html.count('class="activation-slip"') == 2
    numbers = re.findall(r"<dt>学号</dt><dd>([^<]+)</dd>", html)
    codes = re.findall(r'class="activation-code">([^<]+)<', html)
    client.logout()
    return dict(zip(numbers, codes, strict=True))


def claim_form(school, number, code, username="zhoujie", password="Zhoujie-2026-ok"):
    return {"school": school.pk, "member_number": number, "code": code, "username": username,
            "password1": password, "password2": password}


def test_a_student_claims_at_claim_and_lands_signed_in_and_verified(client, school):
    login_page = text_of(client.get(reverse("login")))
    assert f'href="{reverse("claim")}"' in login_page
    page = client.get(reverse("claim"))
    assert page.status_code == 200 and "激活学校账号" in text_of(page)
    codes = sheet_codes(client, school)
    response = client.post(reverse("claim"), claim_form(school, "U202310001", codes["U202310001"]),
                           follow=True)
    # Signed in, the account the school opened first agrees to the terms and the policy.
    assert response.redirect_chain[-1][0] == reverse("policy_consent") + "?next=%2F"
    assert "你已通过华中科技大学的认证" in text_of(response)
    assert "请阅读并同意" in text_of(response)
    user = User.objects.get(username="zhoujie")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user.is_verified and user.display_name == "周杰"


def test_the_claim_page_says_what_is_wrong_and_changes_nothing(client, school):
    codes = sheet_codes(client, school)
    client.post(reverse("claim"), claim_form(school, "U202310001", codes["U202310001"]))
    client.logout()
    cases = [
        (claim_form(school, "U202310001", codes["U202310001"], username="other"), "已经使用过"),
        (claim_form(school, "U202310002", "ABCD-EFGH-JKMN"), "学号或激活码不正确"),
        (claim_form(make_school("武汉大学"), "U202310002", codes["U202310002"]),
         "不是武汉大学发放的"),
        (claim_form(school, "U202310002", codes["U202310002"], username="zhoujie"), "已被注册"),
        ({**claim_form(school, "U202310002", codes["U202310002"]), "password2": "x"},
         "两次输入的密码不一致"),
    ]
    for data, message in cases:
        response = client.post(reverse("claim"), data)
        assert response.status_code == 400, message
        assert message in text_of(response)
        assert "_auth_user_id" not in client.session
    wu = User.objects.get(member_number="U202310002")
    assert not wu.has_usable_password() and wu.last_login is None


def test_the_claim_page_answers_429_past_the_limit(client, school):
    codes = sheet_codes(client, school)
    for n in range(5):
        client.post(reverse("claim"), claim_form(school, "U202310002", f"WRONG-{n:04d}-XXXX"))
    response = client.post(reverse("claim"), claim_form(school, "U202310002",
                                                        codes["U202310002"]))
    assert response.status_code == 429 and response["Retry-After"]
    assert "操作太频繁" in text_of(response)
    assert not User.objects.get(member_number="U202310002").has_usable_password()


def test_the_codes_page_gives_a_csv_and_is_only_for_the_schools_admins(client, school):
    url = reverse("school_activation_codes", args=[school.pk])
    for outsider in (make_user(school=school), make_user()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"valid_days": "30", "format": "csv"}).status_code == 404
    client.force_login(school.admin)
    page = client.get(url)
    assert "未激活的成员 2" in text_of(page)
    response = client.post(url, {"valid_days": "30", "format": "csv",
                                 "member_numbers": "U202310002"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "private, no-store"
    lines = response.content.decode("utf-8").splitlines()
    assert lines[0] == "\ufeff学号,姓名,激活码"
    assert lines[1].startswith("U202310002,吴敏,") and len(lines) == 2
    refused = client.post(url, {"valid_days": "30", "format": "csv", "member_numbers": "nobody"})
    assert refused.status_code == 400 and "nobody" in text_of(refused)
    assert "其中持有有效激活码 1" in text_of(client.get(url))


def test_password_reset_by_email_without_saying_whether_the_address_exists(client):
    user = make_user("li_hua")
    user.email = "lihua@example.edu.cn"
    user.save(update_fields=["email"])
    assert f'href="{reverse("password_reset")}"' in text_of(client.get(reverse("login")))
    assert "忘记密码" in text_of(client.get(reverse("login")))
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.edu.cn"})
    known = client.post(reverse("password_reset"), {"email": "LiHua@example.edu.cn"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lihua@example.edu.cn"] and "重设密码" in message.subject
    assert "li_hua" in message.body
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "设置新密码" in text_of(form)
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Lihua-new-2026",
                                 "new_password2": "Lihua-new-2026"})
    assert done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Lihua-new-2026")
    # The link works once.
    assert "无效或已过期" in text_of(client.get(link, follow=True))
    response = client.post(reverse("login"), {"username": "li_hua", "password": "Lihua-new-2026"})
    assert response.status_code == 302


def test_password_reset_requests_are_throttled(client):
    for _ in range(3):
        assert client.post(reverse("password_reset"),
                           {"email": "who@example.edu.cn"}).status_code == 302
    response = client.post(reverse("password_reset"), {"email": "who@example.edu.cn"})
    assert response.status_code == 429 and response["Retry-After"]
    assert "操作太频繁" in text_of(response)


@pytest.mark.django_db(transaction=True)  # the worker runs the notifications' tasks
def test_a_student_asks_to_be_verified_and_the_school_decides_in_its_queue(client, school,
                                                                            run_worker):
    student = make_user("he_jing", school=school, display_name="何静")
    client.force_login(student)
    assert reverse("verification_request") in text_of(client.get(reverse("settings_school")))
    response = client.post(reverse("verification_request"), {
        "school": school.pk, "member_number": "U202310099", "note": "计算机学院",
        "photo": card_photo()}, follow=True)
    assert "认证申请已提交" in text_of(response) and "待审核" in text_of(response)
    request = VerificationRequest.objects.get(user=student)
    again = client.post(reverse("verification_request"), {
        "school": school.pk, "member_number": "U202310098"})
    assert again.status_code == 400 and "待审核的认证申请" in text_of(again)

    queue_url = reverse("school_verification_queue", args=[school.pk])
    assert client.get(queue_url).status_code == 404  # not the student's page
    client.force_login(school.admin)
    queue = text_of(client.get(queue_url))
    assert "何静" in queue and "U202310099" in queue and request.photo.url in queue
    decide_url = reverse("school_verification_decide", args=[school.pk, request.pk])
    no_reason = client.post(decide_url, {"action": "reject", "reason": ""}, follow=True)
    assert "请填写未通过的原因" in text_of(no_reason)
    client.post(decide_url, {"action": "approve"})
    student.refresh_from_db()
    assert student.is_verified and student.member_number == "U202310099"
    assert "没有待审核的认证申请" in text_of(client.get(queue_url))
    run_worker()
    assert Notification.objects.filter(recipient=student, kind="verified").exists()


@pytest.mark.django_db(transaction=True)  # the worker runs the notifications' tasks
def test_a_rejection_shows_its_reason_to_the_student(client, school, run_worker):
    student = make_user("he_jing", school=school)
    client.force_login(student)
    client.post(reverse("verification_request"), {"school": school.pk,
                                                  "member_number": "U202310099"})
    request = VerificationRequest.objects.get(user=student)
    client.force_login(school.admin)
    client.post(reverse("school_verification_decide", args=[school.pk, request.pk]),
                {"action": "reject", "reason": "学号不存在"})
    client.force_login(student)
    page = text_of(client.get(reverse("verification_request")))
    assert "未通过" in page and "学号不存在" in page and "重新申请" in page
    run_worker()
    assert "学号不存在" in text_of(client.get(reverse("notifications")))


def test_a_student_signs_in_with_the_password_after_claiming(client, school):
    codes = sheet_codes(client, school)
    client.post(reverse("claim"), claim_form(school, "U202310002", codes["U202310002"],
                                             username="wumin", password=PASSWORD))
    client.logout()
    response = client.post(reverse("login"), {"username": "wumin", "password": PASSWORD})
    assert response.status_code == 302
