"""The moderation pages: 举报 on every kind of page, the review queue for those with a
jurisdiction, the author's 已删除 mark with the reason and the appeal form."""

import re
from html import unescape

import pytest
from django.urls import reverse

from feeds import services as feed_services
from feeds.models import Post
from tests.factories import actor_for
from tests.moderation.queue_world import POST_TEXT, file_report, make_world
from yiban_core.moderation import services
from yiban_core.moderation.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _deliver_immediately(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def case(world):
    file_report(world.post, world.reporter, reason="ad", detail="在群里卖实验报告")
    return file_report(world.post, world.classmate, reason="ad")


def text_of(response) -> str:
    body = re.sub(r"<script.*?</script>", "", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_queue_shows_grouped_reports_to_the_teacher_only(client, world, case):
    client.force_login(world.teacher)
    page = client.get(reverse("moderation_queue"))
    assert page.status_code == 200
    words = text_of(page)
    assert POST_TEXT in words and "2 次举报" in words and "广告/代考代写 × 2" in words
    assert "李四" in words and "在群里卖实验报告" in words  # reporters, to moderators
    assert "审核队列" in text_of(client.get(reverse("home")))  # the account menu's link
    client.force_login(world.other_teacher)  # manages another class: its queue is empty
    assert POST_TEXT not in text_of(client.get(reverse("moderation_queue")))
    client.force_login(world.reporter)
    assert client.get(reverse("moderation_queue")).status_code == 403
    assert "审核队列" not in text_of(client.get(reverse("home")))
    client.logout()
    assert client.get(reverse("moderation_queue")).status_code == 302


def test_a_decision_from_the_queue_and_the_authors_view_with_the_appeal(client, world, case):
    client.force_login(world.teacher)
    response = client.post(reverse("moderation_decide", args=[case.pk]),
                           {"decision": "remove", "reason": "在班级群出售作业答案"}, follow=True)
    assert "已处理" in text_of(response)
    assert Post.objects.get(pk=world.post.pk).moderation == "removed"

    client.force_login(world.author)
    post_page = text_of(client.get(reverse("post_detail", args=[world.post.pk])))
    assert "已删除" in post_page and "查看原因 / 申诉" in post_page
    notes = text_of(client.get(reverse("notifications")))
    assert "你的内容因违反社区规范已被删除" in notes and "理由：在班级群出售作业答案" in notes
    mine = client.get(reverse("moderation_case", args=[case.pk]))
    assert "在班级群出售作业答案" in text_of(mine) and "申诉理由" in text_of(mine)
    assert "李四" not in text_of(mine)  # never who reported
    response = client.post(reverse("moderation_appeal", args=[case.pk]),
                           {"text": "我只是开玩笑"}, follow=True)
    assert "申诉已提交" in text_of(response)
    assert Case.objects.get(pk=case.pk).status == "open"
    again = client.post(reverse("moderation_appeal", args=[case.pk]), {"text": "再来"},
                        follow=True)
    assert "只能申诉一次" in text_of(again)

    client.force_login(world.teacher)  # decided it first: may not decide the appeal
    queue = text_of(client.get(reverse("moderation_queue")))
    assert "我只是开玩笑" in queue and "须由另一位审核员复核" in queue
    refused = client.post(reverse("moderation_decide", args=[case.pk]),
                          {"decision": "approve", "reason": "恢复"}, follow=True)
    assert "另一位审核员" in text_of(refused)
    assert Case.objects.get(pk=case.pk).status == "open"


def test_a_bad_decision_is_said_on_the_page_and_changes_nothing(client, world, case):
    client.force_login(world.teacher)
    response = client.post(reverse("moderation_decide", args=[case.pk]),
                           {"decision": "mute", "reason": "刷屏", "mute_days": "999"},
                           follow=True)
    assert "禁言天数须在 1 到 365 之间" in text_of(response)
    assert Case.objects.get(pk=case.pk).status == "open"
    client.force_login(world.other_teacher)
    response = client.post(reverse("moderation_decide", args=[case.pk]),
                           {"decision": "dismiss"}, follow=True)
    assert "不在你的管辖范围内" in text_of(response)


def test_a_report_entry_on_every_kind_of_page_but_ones_own(client, world):
    comment = feed_services.add_comment(actor=actor_for(world.author), post_id=world.post.pk,
                                        text="谁要？")
    client.force_login(world.reporter)
    post_page = client.get(reverse("post_detail", args=[world.post.pk])).content.decode()
    assert f'/report/post/{world.post.pk}/' in post_page
    assert f'/report/comment/{comment.pk}/' in post_page
    group_page = client.get(reverse("group_detail", args=[world.group.pk])).content.decode()
    assert f'/report/group/{world.group.pk}/' in group_page
    profile = client.get(reverse("profile", args=[world.author.username])).content.decode()
    assert f'/report/user/{world.author.pk}/' in profile
    client.force_login(world.author)
    own = client.get(reverse("post_detail", args=[world.post.pk])).content.decode()
    assert f'/report/post/{world.post.pk}/' not in own


def test_the_report_page_files_a_report_and_says_the_outcome_will_follow(client, world):
    client.force_login(world.reporter)
    url = reverse("report", args=["post", world.post.pk])
    form = text_of(client.get(url))
    assert "举报这条动态" in form and "违法违规" in form and "被举报的人不会知道" in form
    response = client.post(url, {"reason": "ad", "detail": "卖作业"})
    assert response.status_code == 200
    assert "举报已收到" in text_of(response) and "处理结果会通过通知告诉你" in text_of(response)
    case = Case.objects.get(target_id=world.post.pk)
    assert case.reports.get().reporter == world.reporter
    twice = client.post(url, {"reason": "ad"}, headers={"Accept": "application/json"})
    assert twice.status_code == 409 and twice.json()["code"] == "CONFLICT"
    nothing = client.post(url, {"reason": ""})
    assert nothing.status_code == 400 or nothing.status_code == 409


def test_nobody_reports_what_they_cannot_see(client, world):
    client.force_login(world.other_teacher)  # the class group is private to its members
    world.group.is_private = True
    world.group.save(update_fields=["is_private"])
    assert client.get(reverse("report", args=["post", world.post.pk])).status_code == 404
    assert client.get(reverse("report", args=["nonsense", 1])).status_code == 404
    assert not Case.objects.exists()


def test_moderators_page_and_forms_fit_a_phone(client, world, case):
    # The CSS lays the queue out in one column; the page carries no inline script or style.
    client.force_login(world.teacher)
    body = client.get(reverse("moderation_queue")).content.decode()
    assert "<script>" not in body and " style=" not in body
    assert services.MUTE_DAYS_MAX == 365
