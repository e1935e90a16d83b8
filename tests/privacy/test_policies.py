"""The terms and privacy policy pages, consent at sign-up and re-consent when a version
asking for it is published."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, agreed_form, agreed_input, make_user
from tests.openapi.helpers import graphql, make_user_app, mint_token
from yiban_core.accounts.models import User
from yiban_core.audit.models import AuditEntry
from yiban_core.errors import Invalid
from yiban_core.privacy import consent_services
from yiban_core.privacy.models import AccessRecord, Consent, PolicyVersion

pytestmark = pytest.mark.django_db

REGISTER = """
mutation($input: RegisterInput!) {
  register(input: $input) { user { username } errors { field code message } }
}"""


def publish(kind="privacy", version="2.0", *, requires_consent=True, **fields) -> PolicyVersion:
    return PolicyVersion.objects.create(
        kind=kind, version=version, title=fields.pop("title", "易班学习网隐私政策"),
        body=fields.pop("body", "第二版正文：新增签到位置的保存期限。"),
        changes=fields.pop("changes", "签到坐标保存 30 天后删除，只保留签到结果。"),
        requires_consent=requires_consent, **fields)


def text(response) -> str:
    return response.content.decode()


# --- the pages -------------------------------------------------------------------------


def test_the_first_versions_are_published_and_readable_without_signing_in(client):
    for name, title in (("terms", "易班学习网用户协议"), ("privacy_policy", "易班学习网隐私政策")):
        page = text(client.get(reverse(name)))
        assert title in page and "版本 1.0" in page and "本版变更" in page
    privacy = text(client.get(reverse("privacy_policy")))
    # What a person needs to use their rights on this site.
    for words in ("下载我的数据", "注销账号", "撤回同意", "访问记录", "未成年人模式",
                  "保存期限", "个人信息保护负责人"):
        assert words in privacy


def test_a_new_version_is_current_and_the_earlier_one_stays_readable(client):
    publish()
    page = text(client.get(reverse("privacy_policy")))
    assert "版本 2.0" in page and "签到坐标保存 30 天后删除" in page
    assert reverse("privacy_policy_version", args=["1.0"]) in page
    old = text(client.get(reverse("privacy_policy_version", args=["1.0"])))
    assert "这是历史版本" in old and "版本 1.0" in old
    assert client.get(reverse("privacy_policy_version", args=["9.9"])).status_code == 404
    assert client.get("/terms/%3Cscript%3E/").status_code == 404


def test_a_version_published_for_later_is_not_shown_yet(client):
    publish(version="3.0", published_at=timezone.now() + timedelta(days=3))
    page = text(client.get(reverse("privacy_policy")))
    assert "版本 1.0" in page and "3.0" not in page
    assert client.get(reverse("privacy_policy_version", args=["3.0"])).status_code == 404


def test_every_page_links_both_policies_in_its_footer(client):
    for url in (reverse("home"), reverse("login"), reverse("register")):
        page = text(client.get(url))
        assert f'href="{reverse("terms")}"' in page
        assert f'href="{reverse("privacy_policy")}"' in page


def test_a_site_admin_publishes_a_version_in_the_admin_and_it_is_audited(client):
    admin = make_user("site_admin")
    User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    client.force_login(User.objects.get(pk=admin.pk))
    response = client.post(reverse("admin:privacy_policyversion_add"), {
        "kind": "terms", "version": "1.1", "title": "易班学习网用户协议",
        "body": "新版正文", "changes": "增加开放平台一节", "published_at_0": "2026-01-01",
        "published_at_1": "08:00:00", "requires_consent": "on"})
    assert response.status_code == 302
    assert PolicyVersion.objects.filter(kind="terms", version="1.1").exists()
    assert AuditEntry.objects.filter(action="admin.add", target_type="privacy.policyversion",
                                     actor=admin).exists()
    # Consents are only read there.
    assert client.get(reverse("admin:privacy_consent_add")).status_code == 403
    consent = Consent.objects.filter(user=admin).first()
    page = client.get(reverse("admin:privacy_consent_change", args=[consent.pk]))
    assert page.status_code == 200 and 'name="version"' not in text(page)


# --- sign-up ---------------------------------------------------------------------------


def sign_up(client, username="zhou_min", **extra):
    return client.post(reverse("register"), {
        "username": username, "display_name": "周敏", "password1": PASSWORD,
        "password2": PASSWORD, "role": "student", "school": "", **extra})


def test_signing_up_requires_agreeing_and_records_both_versions(client):
    page = text(client.get(reverse("register")))
    assert "我已阅读并同意《用户协议》和《隐私政策》" in page
    refused = sign_up(client)
    assert refused.status_code == 200 and "请阅读并同意" in text(refused)
    assert not User.objects.filter(username="zhou_min").exists()
    assert sign_up(client, **agreed_form()).status_code == 302
    user = User.objects.get(username="zhou_min")
    assert sorted(Consent.objects.filter(user=user).values_list("purpose", "version")) == [
        ("privacy", "1.0"), ("terms", "1.0")]
    assert client.get(reverse("home")).status_code == 200  # nothing more to agree to


def test_a_version_published_while_the_form_was_open_must_be_read_first(client):
    form = agreed_form()  # what the page showed
    publish()
    response = sign_up(client, **form)
    assert "刚刚更新" in text(response)
    assert not User.objects.filter(username="zhou_min").exists()


def test_the_register_mutation_needs_the_versions_in_force(client):
    def register(**versions):
        return graphql(client, REGISTER, input={"username": "he_jing", "password": PASSWORD,
                                                 **versions}).json()["data"]["register"]

    missing = register()
    assert [(e["field"], e["code"]) for e in missing["errors"]] == [("policies", "INVALID")]
    old = register(termsVersion="0.9", privacyVersion="1.0")
    assert old["errors"][0]["field"] == "policies"
    assert not User.objects.filter(username="he_jing").exists()
    assert register(**agreed_input()) == {"user": {"username": "he_jing"}, "errors": []}
    assert Consent.objects.filter(user__username="he_jing").count() == 2


# --- re-consent ------------------------------------------------------------------------


def test_a_new_version_asking_for_consent_sends_the_person_to_agree_once(client):
    user = make_user("li_hua")
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    publish()
    response = client.get(reverse("points"))
    assert response.status_code == 302
    assert response["Location"] == reverse("policy_consent") + "?next=%2Fpoints%2F"
    page = text(client.get(response["Location"]))
    assert "签到坐标保存 30 天后删除" in page and "同意" in page and "退出登录" in page
    # The way out stays open: the policies, the privacy settings, signing out.
    for url in (reverse("privacy_policy"), reverse("terms_version", args=["1.0"]),
                reverse("settings_privacy"), reverse("privacy_consents")):
        assert client.get(url).status_code == 200, url
    agreed = client.post(reverse("policy_consent"), {
        "next": "/points/", "version_privacy": "2.0"})
    assert agreed.status_code == 302 and agreed["Location"] == "/points/"
    assert Consent.objects.filter(user=user, purpose="privacy", version="2.0").exists()
    assert client.get(reverse("points")).status_code == 200
    assert AccessRecord.objects.filter(person=user, action="consent.policies").count() == 2


def test_agreeing_to_a_version_the_page_did_not_show_is_refused(client):
    user = make_user("li_hua")
    client.force_login(user)
    publish()
    client.post(reverse("policy_consent"), {"version_privacy": "1.0"})
    assert not Consent.objects.filter(user=user, version="2.0").exists()
    assert client.get(reverse("home")).status_code == 302


def test_a_version_that_asks_for_no_consent_sends_nobody(client):
    client.force_login(make_user("li_hua"))
    publish(version="1.0.1", requires_consent=False, changes="修正错别字")
    assert client.get(reverse("home")).status_code == 200


def test_an_account_opened_without_the_form_agrees_on_its_first_page(client):
    # A school's sign-in or roster opens accounts with no sign-up form.
    user = User.objects.create_user(username="sso_2023010101", password=PASSWORD)
    client.force_login(user)
    assert client.get(reverse("home"))["Location"].startswith(reverse("policy_consent"))
    client.post(reverse("policy_consent"), {"version_terms": "1.0", "version_privacy": "1.0"})
    assert client.get(reverse("home")).status_code == 200


def test_apps_are_not_stopped_but_the_session_api_is(client):
    user = make_user("li_hua")
    app, _secret = make_user_app(scopes=("profile",))
    token = mint_token(app, user=user, scopes=["profile"])
    publish()
    viewer = graphql(client, "{ viewer { username } }", token).json()
    assert viewer["data"] == {"viewer": {"username": "li_hua"}}
    client.force_login(user)
    response = client.post("/graphql", data=json.dumps({"query": "{ viewer { username } }"}),
                           content_type="application/json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CONSENT_REQUIRED"


def test_the_policies_cannot_be_withdrawn_on_their_own(client):
    user = make_user("li_hua")
    client.force_login(user)
    terms = Consent.objects.get(user=user, purpose="terms")
    response = client.post(reverse("privacy_consent_withdraw", args=[terms.pk]), follow=True)
    assert "不能单独撤回" in text(response)
    terms.refresh_from_db()
    assert terms.withdrawn_at is None
    with pytest.raises(Invalid):
        consent_services.withdraw_consent(actor=response.wsgi_request.actor,
                                          consent_id=terms.pk)


def test_someone_who_does_not_agree_can_sign_out(client):
    client.force_login(make_user("li_hua"))
    publish()
    assert client.get(reverse("home")).status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 200  # a visitor is asked nothing
