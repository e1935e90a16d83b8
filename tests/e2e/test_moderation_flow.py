"""In a real Chromium: a student reports a post in her class group (举报, in a dialog, on a
phone); the group's teacher removes it from the review queue with a reason; the author
reads why in 通知 and appeals; the school's administrator, not the teacher who decided,
restores it; the reporter has been told both outcomes."""

import pytest
from playwright import sync_api

from feeds.models import Post
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD
from tests.moderation.queue_world import make_world
from yiban_core.moderation.models import Case

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

REASON = "在班级群出售实验报告，违反学术诚信"
APPEAL = "那是玩笑话，我没有卖过任何作业，请老师复核"


@pytest.fixture(autouse=True)
def _deliver_notifications_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def log_in(browser, base_url: str, username: str, *, phone: bool = False):
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return context, page


def test_report_remove_appeal_restore(live_server, browser):
    world = make_world()
    base = live_server.url
    post_url = f"{base}/posts/{world.post.pk}/"

    # 1. The reporter, on her phone: ··· on the post, 举报, a reason, sent in a dialog.
    context, page = log_in(browser, base, "li_si", phone=True)
    page.goto(post_url)
    page.locator(f"#post-{world.post.pk} .post-menu summary").click()
    page.get_by_role("link", name="举报").click()
    dialog = page.locator("dialog.report-dialog")
    sync_api.expect(dialog).to_be_visible()
    dialog.get_by_label("广告/代考代写").check()
    dialog.get_by_label("补充说明").fill("他说可以找他买实验报告")
    dialog.get_by_role("button", name="提交举报").click()
    sync_api.expect(dialog.get_by_test_id("report-received")).to_contain_text(
        "处理结果会通过通知告诉你")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "moderation-report-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()

    # 2. The teacher, on his phone too: 审核队列 from the account menu, 删除内容 with a reason.
    context, page = log_in(browser, base, "wang_laoshi", phone=True)
    page.locator("details.usermenu summary").click()
    page.get_by_test_id("moderation-link").click()
    queue = page.get_by_test_id("moderation-queue")
    sync_api.expect(queue).to_contain_text("谁要可以找我买一份")
    sync_api.expect(queue).to_contain_text("1 次举报")
    sync_api.expect(queue).to_contain_text("广告/代考代写 × 1")
    page.screenshot(path=str(ARTIFACTS / "moderation-queue-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card = queue.locator(".queue-case").first
    card.locator("select[name=decision]").select_option("remove")
    card.locator("textarea[name=reason]").fill(REASON)
    card.get_by_role("button", name="提交处理").click()
    sync_api.expect(page.locator(".messages")).to_contain_text("已处理")
    context.close()
    assert Post.objects.get(pk=world.post.pk).moderation == "removed"

    # 3. The author reads why in 通知, sees the post marked 已删除, and appeals.
    context, page = log_in(browser, base, "zhang_san")
    page.goto(f"{base}/notifications/")
    row = page.locator(".notification-text").filter(has_text="已被删除")
    sync_api.expect(row).to_contain_text(f"理由：{REASON}")
    row.get_by_role("link").click()
    sync_api.expect(page.get_by_test_id("case-reason")).to_have_text(REASON)
    page.get_by_label("申诉理由").fill(APPEAL)
    page.get_by_role("button", name="申诉").click()
    sync_api.expect(page.locator(".messages")).to_contain_text("申诉已提交")
    page.goto(post_url)
    sync_api.expect(page.get_by_test_id("moderation-mark")).to_contain_text("已删除")
    context.close()

    # 4. The teacher who decided may not decide the appeal; the school's admin restores.
    context, page = log_in(browser, base, "wang_laoshi")
    page.goto(f"{base}/moderation/")
    sync_api.expect(page.get_by_test_id("moderation-queue")).to_contain_text("须由另一位审核员复核")
    context.close()
    context, page = log_in(browser, base, "xiao_guanliyuan")
    page.goto(f"{base}/moderation/")
    card = page.locator(".queue-case").first
    sync_api.expect(card).to_contain_text(APPEAL)
    card.locator("select[name=decision]").select_option("approve")
    card.locator("textarea[name=reason]").fill("经核实为玩笑，恢复")
    card.get_by_role("button", name="提交处理").click()
    sync_api.expect(page.locator(".messages")).to_contain_text("已处理")
    page.screenshot(path=str(ARTIFACTS / "moderation-queue-decided.png"), full_page=True)
    context.close()
    assert Post.objects.get(pk=world.post.pk).moderation == "visible"
    assert Case.objects.get().appeal_decided

    # 5. The reporter has both outcomes; the post is back for the class.
    context, page = log_in(browser, base, "li_si")
    page.goto(f"{base}/notifications/")
    rows = page.locator(".notification-text")
    sync_api.expect(rows.filter(has_text="你举报的内容经审核未违规")).to_have_count(1)
    sync_api.expect(rows.filter(has_text="你的举报已处理")).to_have_count(1)
    page.goto(post_url)
    sync_api.expect(page.locator(f"#post-{world.post.pk}")).to_contain_text("实验报告")
    context.close()
