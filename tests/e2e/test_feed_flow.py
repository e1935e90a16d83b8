"""In a real Chromium: a student logs in, posts with a #话题#, likes the post and
comments on it; the like and the comment happen in place, without a page load."""

from pathlib import Path

import pytest

from feeds.models import Comment, Post
from tests.factories import PASSWORD, make_user

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture(autouse=True)
def _allow_orm_next_to_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; the ORM calls the test
    makes around it are plain synchronous ones (set for these tests only)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_post_like_and_comment_without_reloading(live_server, browser):
    make_user("li_xiaoming", display_name="李小明")
    base_url = live_server.url
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    expect = sync_api.expect

    page.goto(f"{base_url}/login/")
    page.fill("#id_username", "li_xiaoming")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")

    # Compose: the counter follows the text.
    text = "期末复习打卡第一天 #期末复习#"
    page.fill("#composer-text", text)
    expect(page.locator("[data-counter] [data-count]")).to_have_text(str(len(text)))
    page.click("form[data-composer] button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    expect(page.locator(".messages")).to_contain_text("已发布")
    card = page.locator("article.post").first
    expect(card).to_contain_text("期末复习打卡第一天")
    expect(card.locator("a.topic")).to_have_text("#期末复习#")

    # Like in place: same URL, same document (the marker survives), count goes up.
    page.evaluate("window.__marker = 'still-here'")
    url_before = page.url
    like = card.get_by_test_id("like-button")
    expect(like.locator("[data-like-count]")).to_have_text("0")
    like.click()
    expect(like.locator("[data-like-count]")).to_have_text("1")
    expect(like).to_have_attribute("aria-pressed", "true")
    assert page.url == url_before
    assert page.evaluate("window.__marker") == "still-here"
    post = Post.objects.get()
    assert post.like_count == 1

    # Comment in place on the post's page.
    card.locator("a[href$='#comments']").click()
    page.wait_for_url(f"{base_url}/posts/{post.pk}/#comments")
    page.evaluate("window.__marker = 'comment-page'")
    page.fill("#comment-text", "加油！明天图书馆见")
    page.click("#comments form.js-comment button[type=submit]")
    expect(page.locator("[data-comments] .comment")).to_contain_text("加油！明天图书馆见")
    expect(page.locator("#comments h2 [data-comment-count]")).to_have_text("1")
    assert page.evaluate("window.__marker") == "comment-page"
    assert Comment.objects.get().text == "加油！明天图书馆见"

    # Liking again from a stale page is a conflict: the message is shown, nothing changes.
    page.evaluate("""() => {
        const f = document.querySelector('article.post .js-like');
        f.action = f.dataset.likeUrl; f.requestSubmit(); }""")
    expect(page.locator(".toast")).to_contain_text("已经赞过了")
    post.refresh_from_db()
    assert post.like_count == 1

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "feed-post-detail.png"), full_page=True)
    context.close()
