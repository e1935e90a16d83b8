"""In a real Chromium: a student logs in, posts with a #话题#, likes the post and
comments on it; the like and the comment happen in place, without a page load."""

import pytest
from playwright import sync_api

from feeds.models import Comment, Post
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


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
