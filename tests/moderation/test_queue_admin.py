"""Cases, reports and sanctions in the admin site: listed, searched and filtered under
Chinese headings, and read-only (a decision goes through the queue, which notifies)."""

import re

import pytest
from django.urls import reverse

from tests.factories import actor_for, agree_to_policies
from tests.moderation.queue_world import file_report, make_world
from yiban_core.accounts.models import User
from yiban_core.moderation import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_admin(client):
    admin = agree_to_policies(User.objects.create_superuser("root_admin",
                                                            password="Xuexi-2026-ok"))
    client.force_login(admin)
    return admin


def headings(response) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(
        r'<th scope="col"[^>]*>(.*?)</th>', response.content.decode(), re.S)]


def test_cases_reports_and_sanctions_are_listed_searched_and_filtered(client, site_admin):
    world = make_world()
    case = file_report(world.post, world.reporter, detail="卖作业")
    services.decide_case(actor=actor_for(world.teacher), case_id=case.pk, decision="mute",
                         reason="出售作业", mute_days=3)
    cases = client.get(reverse("admin:moderation_case_changelist"), {"q": "实验报告"})
    assert cases.status_code == 200
    assert {"对象类型", "内容摘录", "作者", "状态", "举报数", "处理结果"} <= set(headings(cases))
    assert "周五的实验报告" in cases.content.decode()
    assert "周五的实验报告" not in client.get(reverse("admin:moderation_case_changelist"),
                                           {"status__exact": "open"}).content.decode()
    reports = client.get(reverse("admin:moderation_report_changelist"), {"q": "li_si"})
    assert {"举报人", "举报理由"} <= set(headings(reports)) and "李四" in reports.content.decode()
    sanctions = client.get(reverse("admin:moderation_sanction_changelist"), {"kind": "mute"})
    assert {"用户", "类型", "截止时间"} <= set(headings(sanctions))
    assert "张三" in sanctions.content.decode()
    change = client.post(reverse("admin:moderation_case_change", args=[case.pk]),
                         {"status": "open"})
    assert change.status_code == 403  # read-only: the queue decides
