"""In a real Chromium: a student uploads a PDF through the upload form, a classmate
rates it four stars with a review, and both see the average on the resource page;
the classmate marks nothing of their own, the owner marks the review helpful."""

import pytest
from playwright import sync_api

from resources.models import Rating, Resource
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_school, make_user

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 400

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def log_in(browser, base_url, username):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return context, page


def test_upload_a_pdf_then_a_classmate_rates_it(live_server, browser):
    school = make_school("华南理工大学")
    make_user("li_hua", display_name="李华", school=school)
    make_user("wang_fang", display_name="王芳", school=school)
    base_url = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)

    context, page = log_in(browser, base_url, "li_hua")
    page.click("nav.mainnav >> text=资源")
    page.click("text=上传资源")
    page.set_input_files("#id_file", files=[
        {"name": "线代第三章.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.fill("#id_title", "线性代数第三章笔记")
    page.fill("#id_description", "矩阵的秩、线性方程组的解")
    page.select_option("#id_subject", "mathematics")
    page.fill("#id_tags", "线代，期末")
    page.fill("#id_course_code", "MA201")
    page.fill("#id_course_name", "线性代数")
    page.click("main form.upload-form button[type=submit]")
    sync_api.expect(page.locator(".messages")).to_contain_text("资源已发布")
    sync_api.expect(page.locator("h1")).to_have_text("线性代数第三章笔记")
    sync_api.expect(page.locator("#rate")).to_contain_text("不能给自己的资源评分")
    resource = Resource.objects.get()
    context.close()

    context, page = log_in(browser, base_url, "wang_fang")
    page.goto(f"{base_url}/resources/")
    page.click("text=线性代数第三章笔记")
    page.click("label[for=star-4]")
    page.fill("#review-text", "例题讲得很清楚，期末复习够用了")
    page.click("form.rating-form button[type=submit]")
    sync_api.expect(page.locator(".messages")).to_contain_text("已评分：4 星")
    sync_api.expect(page.get_by_test_id("your-rating")).to_contain_text("你的评分")
    sync_api.expect(page.get_by_test_id("rating-summary")).to_contain_text("4.0")
    sync_api.expect(page.get_by_test_id("rating-summary")).to_contain_text("1 人评分")
    page.screenshot(path=str(ARTIFACTS / "resource-rated.png"), full_page=True)
    context.close()

    context, page = log_in(browser, base_url, "li_hua")
    page.goto(f"{base_url}/resources/{resource.pk}/")
    page.click(".js-helpful button")
    sync_api.expect(page.locator("[data-helpful-count]")).to_have_text("1")
    context.close()

    assert Rating.objects.get(resource=resource).stars == 4
    assert Rating.objects.get(resource=resource).helpful_count == 1
