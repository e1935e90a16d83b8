"""下载我的数据: a student asks for her archive on the privacy page, the task builds it,
she is notified, downloads it, and finds all her data in it and nothing of a classmate's
private data. Another person, a visitor, an old link: refused, and her access log says so."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken
from PIL import Image

from classroom import services as classroom
from feeds import services as feeds
from feeds.models import Visibility
from messages import services as conversations
from openapi_plugins.vocational import services as vocational
from resources import services as resources
from tests.factories import (
    PASSWORD,
    actor_for,
    make_class_group,
    make_school,
    make_teacher,
    make_user,
)
from tests.openapi.helpers import make_user_app, mint_token
from yiban_core import periodic
from yiban_core.accounts import services as accounts
from yiban_core.accounts.models import School, User
from yiban_core.credits import services as credits
from yiban_core.errors import Conflict, PermissionDenied, RateLimited
from yiban_core.groups import services as groups
from yiban_core.notifications.models import Notification
from yiban_core.privacy import exports
from yiban_core.privacy.models import AccessRecord, DataExport
from yiban_core.privacy.tasks import build_export, expire_exports

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"notes" * 40


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def png(colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (9, 7), colour).save(buffer, "PNG")
    return SimpleUploadedFile("复习.png", buffer.getvalue(), content_type="image/png")


def pdf(name="高数笔记.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def verified(user: User, school: School, admin: User, number: str) -> User:
    accounts.verify_member(actor=actor_for(admin), school=school, username=user.username,
                           member_number=number)
    user.refresh_from_db()
    return user


@pytest.fixture
def world():
    """李华 and her classmate 王芳 at a vocational school, their teacher, and what each did."""
    school = make_school("青岛海滨职业学院", kind=School.Kind.VOCATIONAL)
    admin = make_user("hb_admin", school=school, role=User.Role.STAFF)
    school.administrators.add(admin)
    teacher = verified(make_teacher("zhang_laoshi", school=school), school, admin, "T0001")
    li = verified(make_user("li_hua", school=school, display_name="李华"), school, admin,
                  "2024300101")
    wang = verified(make_user("wang_fang", school=school, display_name="王芳"), school, admin,
                    "2024300102")
    me, her, sir = actor_for(li), actor_for(wang), actor_for(teacher)

    klass = make_class_group(teacher, school=school)
    for student in (me, her):
        groups.join_by_code(actor=student, code=klass.join_code)

    feeds.publish_post(actor=me, text="李华的期末复习计划 LIPOSTMARK", images=[png()])
    wang_post = feeds.publish_post(actor=her, text="王芳的公开动态")
    feeds.add_comment(actor=me, post_id=wang_post.pk, text="李华的评论 LICOMMENTMARK")
    feeds.like_post(actor=me, post_id=wang_post.pk)
    # 王芳's private words: for her followers only, and a conversation 李华 is not in.
    feeds.publish_post(actor=her, text="王芳仅粉丝可见 WANGPRIVATEMARK",
                       visibility=Visibility.FOLLOWERS)
    dm_with_teacher = conversations.open_direct(actor=her, username=teacher.username)
    conversations.send_message(actor=her, conversation_id=dm_with_teacher.pk,
                               text="王芳给老师的私信 WANGDMMARK")

    resource = resources.publish_resource(actor=me, title="李华的高数笔记 LIRESOURCEMARK",
                                          subject="mathematics", upload=pdf())
    resources.add_version(actor=me, resource_id=resource.pk,
                          upload=pdf("高数笔记v2.pdf", PDF + b"v2"), note="补充第二章")
    wang_resource = resources.publish_resource(actor=her, title="王芳的英语笔记",
                                               subject="languages", upload=pdf("英语.pdf"))
    resources.rate_resource(actor=me, resource_id=wang_resource.pk, stars=4,
                            review="李华的评价 LIREVIEWMARK")
    credits.daily_checkin(actor=me)

    today = timezone.localdate()
    record = vocational.log_record(
        actor=me, kind="training", title="李华的数控实训 LITRAININGMARK", workplace="实训车间",
        start_date=today - dt.timedelta(days=5), end_date=today - dt.timedelta(days=1),
        hours="16", tasks="车削练习", reflection="")
    vocational.submit_record(actor=me, record=record, supervisor=teacher)

    chat = conversations.open_direct(actor=me, username=wang.username)
    conversations.send_message(actor=me, conversation_id=chat.pk, text="李华的私信 LIDMMARK")
    conversations.send_message(actor=her, conversation_id=chat.pk, text="王芳的回信 WANGREPLYMARK")

    checkin = classroom.start_checkin(actor=sir, group=klass, title="周一早课签到")
    classroom.check_in(actor=me, checkin_id=checkin.pk)

    app, _secret = make_user_app(name="背单词助手")
    raw_token = mint_token(app, user=li, scopes=["profile", "feed:read"])
    return {"li": li, "wang": wang, "teacher": teacher, "resource": resource,
            "token": raw_token}


def sign_in(client, user: User):
    """A real sign-in through the page: it is in her security log."""
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def download_link(client) -> str:
    html = client.get(reverse("settings_privacy")).content.decode()
    links = re.findall(r'href="(/settings/privacy/export/\d+/download/\?t=[^"]+)"', html)
    assert links, "no download link on the privacy page"
    return links[0].replace("&amp;", "&")


def archive_of(response) -> zipfile.ZipFile:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return zipfile.ZipFile(io.BytesIO(body))


def test_a_student_downloads_all_her_data_and_nothing_private_of_a_classmate(client, world):
    li = world["li"]
    sign_in(client, li)
    hub = client.get(reverse("settings_privacy"))
    assert "下载我的数据" in hub.content.decode()

    response = client.post(reverse("privacy_export_request"))
    assert response.status_code == 302
    export = DataExport.objects.get(user=li)
    assert export.status == DataExport.Status.READY and export.size > 0
    assert export.expires_at - export.ready_at == timedelta(days=7)
    assert Notification.objects.filter(recipient=li,
                                       kind=Notification.Kind.DATA_EXPORT_READY).exists()
    assert "你的数据导出已完成" in client.get(reverse("notifications")).content.decode()

    response = client.get(download_link(client))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    archive = archive_of(response)
    names = set(archive.namelist())
    assert {"index.html", "feeds.json", "resources.json", "credits.json", "groups.json",
            "vocational.json", "conversations.json", "classroom.json", "oauth2_provider.json",
            "audit.json", "accounts.json"} <= names
    data = {name[:-5]: json.loads(archive.read(name)) for name in names
            if name.endswith(".json")}

    assert [p["text"] for p in data["feeds"]["posts"]] == ["李华的期末复习计划 LIPOSTMARK"]
    image = data["feeds"]["posts"][0]["images"][0]
    assert archive.read(f"files/{image}").startswith(b"\x89PNG")
    assert [c["text"] for c in data["feeds"]["comments"]] == ["李华的评论 LICOMMENTMARK"]
    assert len(data["feeds"]["post_likes"]) == 1

    [resource] = data["resources"]["resources"]
    assert resource["title"] == "李华的高数笔记 LIRESOURCEMARK"
    assert [v["number"] for v in resource["versions"]] == [2, 1]
    assert archive.read(f"files/{resource['versions'][0]['file']}") == PDF + b"v2"
    assert archive.read(f"files/{resource['versions'][1]['file']}") == PDF
    assert [(r["stars"], r["review"]) for r in data["resources"]["ratings"]] == [
        (4, "李华的评价 LIREVIEWMARK")]

    assert any(e["rule"] == "daily_checkin" for e in data["credits"]["ledger"])
    assert data["credits"]["balance"] == sum(e["amount"] for e in data["credits"]["ledger"])
    assert [m["group"] for m in data["groups"]["memberships"]] == ["计算机科学与技术2023级1班"]
    assert [r["title"] for r in data["vocational"]["training_records"]] == [
        "李华的数控实训 LITRAININGMARK"]
    assert [a["checkin"] for a in data["classroom"]["attendance"]] == ["周一早课签到"]
    assert [m["text"] for m in data["conversations"]["messages_sent"]] == ["李华的私信 LIDMMARK"]
    assert [c["with"] for c in data["conversations"]["conversations"]] == ["王芳"]
    [authorized] = data["oauth2_provider"]["apps_authorized"]
    assert authorized["app"] == "背单词助手" and authorized["scopes"] == ["feed:read", "profile"]
    assert any(e["code"] == "login.succeeded" for e in data["audit"]["security_log"])
    assert data["accounts"]["account"]["member_number"] == "2024300101"
    assert set(AccessRecord.objects.filter(person=li, kind=AccessRecord.Kind.PRIVACY,
                                           action__startswith="export.")
               .values_list("action", flat=True)) == {"export.requested", "export.downloaded"}

    index = archive.read("index.html").decode()
    assert "<script" not in index and "http" not in index.replace("http-equiv", "")
    for words in ("我的易班数据", "动态", "LIPOSTMARK", "LIREVIEWMARK", "网薪明细", "签到记录"):
        assert words in index

    everything = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    for private in ("WANGPRIVATEMARK", "WANGDMMARK", "WANGREPLYMARK", "2024300102",
                    "pbkdf2", "md5$", world["wang"].email or "@@none@@"):
        assert private not in everything
    checksum = AccessToken.objects.get(user=li).token_checksum
    assert world["token"] not in everything
    assert checksum and checksum not in everything


def test_a_second_request_while_one_is_queued_or_within_a_day_is_refused(world, settings):
    li = world["li"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    exports.request_export(actor=actor_for(li))
    with pytest.raises(Conflict):
        exports.request_export(actor=actor_for(li))
    DataExport.objects.filter(user=li).update(status=DataExport.Status.READY)
    with pytest.raises(RateLimited):
        exports.request_export(actor=actor_for(li))
    # A failed export may be asked for again at once.
    DataExport.objects.filter(user=li).update(status=DataExport.Status.FAILED)
    exports.request_export(actor=actor_for(li))
    assert DataExport.objects.filter(user=li).count() == 2


def test_the_page_says_why_a_second_request_is_refused(client, world):
    client.force_login(world["li"])
    client.post(reverse("privacy_export_request"))
    response = client.post(reverse("privacy_export_request"), follow=True)
    assert response.status_code == 200
    assert "每天只能申请一次数据导出" in response.content.decode()
    assert DataExport.objects.filter(user=world["li"]).count() == 1


def test_a_token_cannot_ask_for_an_export(world):
    from yiban_core.actor import Actor

    token_actor = Actor(user=world["li"], scopes=frozenset({"profile"}), app_id=1)
    with pytest.raises(PermissionDenied):
        exports.request_export(actor=token_actor)
    assert not DataExport.objects.exists()


def refusals(user) -> list[str]:
    return list(AccessRecord.objects.filter(person=user, kind=AccessRecord.Kind.REFUSED)
                .order_by("pk").values_list("detail__reason", flat=True))


def test_another_person_a_visitor_and_a_stale_link_are_refused_and_logged(client, world):
    li, wang = world["li"], world["wang"]
    client.force_login(li)
    client.post(reverse("privacy_export_request"))
    link = download_link(client)

    client.force_login(wang)
    response = client.get(link)
    assert response.status_code == 404 and b"PK" not in response.content[:2]
    client.logout()
    assert client.get(link).status_code == 404
    assert refusals(li) == ["not_owner", "not_owner"]
    refused = AccessRecord.objects.filter(person=li, kind=AccessRecord.Kind.REFUSED).first()
    assert refused.action == "export.refused"

    client.force_login(li)
    export = DataExport.objects.get(user=li)
    assert client.get(link.split("?")[0] + "?t=forged").status_code == 404
    stale = exports.download_token(export)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exports, "LINK_MAX_AGE", timedelta(seconds=-1))
        response = client.get(f"{link.split('?')[0]}?t={stale}")
    assert response.status_code == 410 and "下载链接已过期" in response.content.decode()
    assert client.get(link).status_code == 200
    assert refusals(li)[-2:] == ["bad_link", "link_expired"]


def test_an_expired_export_is_removed_and_its_link_says_gone(client, world):
    li = world["li"]
    client.force_login(li)
    client.post(reverse("privacy_export_request"))
    link = download_link(client)
    export = DataExport.objects.get(user=li)
    storage, name = export.file.storage, export.file.name
    assert storage.exists(name)

    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(1))
    assert expire_exports.call() == 1
    assert not storage.exists(name)
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED and not export.file
    response = client.get(link)
    assert response.status_code == 410 and "已过期" in response.content.decode()
    assert refusals(li) == ["expired"]
    assert "已过期" in client.get(reverse("settings_privacy")).content.decode()
    assert expire_exports.call() == 0  # nothing twice


def test_an_unknown_export_is_the_same_404(client, world):
    client.force_login(world["li"])
    response = client.get(reverse("privacy_export_download", args=[987654]) + "?t=x")
    assert response.status_code == 404
    assert not AccessRecord.objects.filter(kind=AccessRecord.Kind.REFUSED).exists()


def test_the_command_writes_the_same_archive(tmp_path, world):
    out = tmp_path / "li_hua.zip"
    stdout = StringIO()
    call_command("export_user_data", "li_hua", "--out", str(out), stdout=stdout)
    archive = zipfile.ZipFile(out)
    posts = json.loads(archive.read("feeds.json"))["posts"]
    assert [p["text"] for p in posts] == ["李华的期末复习计划 LIPOSTMARK"]
    assert "index.html" in archive.namelist()
    assert "wrote" in stdout.getvalue()


def test_the_command_refuses_an_unknown_user_and_a_bad_path(tmp_path, world):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CommandError, match="no user named"):
        call_command("export_user_data", "nobody_here", "--out", str(out / "x.zip"))
    with pytest.raises(CommandError, match="no folder"):
        call_command("export_user_data", "li_hua", "--out", str(out / "no" / "x.zip"))
    with pytest.raises(CommandError, match="is a folder"):
        call_command("export_user_data", "li_hua", "--out", str(out))
    assert list(out.iterdir()) == []


def test_a_failed_build_is_said_and_may_be_asked_for_again(client, world, monkeypatch):
    li = world["li"]
    client.force_login(li)

    def full_disk(user, out):
        raise OSError("No space left on device")

    monkeypatch.setattr(exports, "write_archive", full_disk)
    client.post(reverse("privacy_export_request"))
    export = DataExport.objects.get(user=li)
    assert export.status == DataExport.Status.FAILED and not export.file
    assert not Notification.objects.filter(kind=Notification.Kind.DATA_EXPORT_READY).exists()
    assert "生成失败，可以重新申请" in client.get(reverse("settings_privacy")).content.decode()

    monkeypatch.undo()
    client.post(reverse("privacy_export_request"))
    assert list(DataExport.objects.filter(user=li).order_by("pk")
                .values_list("status", flat=True)) == ["failed", "ready"]


def test_building_twice_keeps_one_archive_and_one_notification(world):
    li = world["li"]
    export = exports.request_export(actor=actor_for(li))
    export.refresh_from_db()
    name = export.file.name
    assert build_export.call(export_id=export.pk) == DataExport.Status.READY
    export.refresh_from_db()
    assert export.file.name == name
    assert Notification.objects.filter(recipient=li,
                                       kind=Notification.Kind.DATA_EXPORT_READY).count() == 1
    assert build_export.call(export_id=987654) == "gone"


def test_expired_exports_are_swept_by_the_workers():
    assert expire_exports.module_path in periodic.registered()


def test_the_hub_leads_to_every_privacy_section_and_settings_leads_to_it(client, world):
    client.force_login(world["li"])
    hub = client.get(reverse("settings_privacy")).content.decode()
    for path in ("/settings/privacy/close/", "/settings/privacy/consents/",
                 "/settings/privacy/access/"):
        assert f'href="{path}"' in hub
    assert "谁能看到什么" in hub and 'action="/settings/privacy/export/"' in hub
    settings_page = client.get(reverse("settings")).content.decode()
    assert f'href="{reverse("settings_privacy")}#export"' in settings_page


def test_asking_for_an_export_needs_a_post_and_a_login(client, world):
    assert client.get(reverse("privacy_export_request")).status_code == 405
    response = client.post(reverse("privacy_export_request"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not DataExport.objects.exists()
