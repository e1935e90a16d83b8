"""Resource, points and leaderboard pages as a person uses them: upload, browse,
download, rate, review, check in, climb the boards; and every refusal shown as a
message with nothing stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resources import services
from resources.models import Blob, Course, Download, Rating, Resource
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from yiban_core.credits import services as credits
from yiban_core.credits.models import PointEntry
from yiban_core.groups.models import Group

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 300


def text_of(response) -> str:
    return response.content.decode()


def pdf(name="高数期末复习.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def publish(user, title="高等数学期末复习资料", **kwargs) -> Resource:
    data = {"title": title, "subject": "mathematics", "upload": pdf(content=PDF + title.encode())}
    data.update(kwargs)
    return services.publish_resource(actor=actor_for(user), **data)


def form_data(**overrides):
    data = {"title": "线性代数第三章笔记", "description": "矩阵的秩与线性方程组",
            "subject": "mathematics", "tags": "线代, 期末 笔记", "licence": "cc-by-4.0",
            "visibility": "public", "url": "", "course_code": "", "course_name": ""}
    data.update(overrides)
    return data


# ---- upload, library, detail ------------------------------------------------------------


def test_an_uploaded_pdf_is_in_the_library_and_on_its_page(client):
    school = make_school("华南理工大学")
    user = make_user("li_hua", school=school, display_name="李华")
    client.force_login(user)
    page = text_of(client.get(reverse("resource_create")))
    assert "不超过 50.0\xa0MB" in page  # the limit is on the form
    response = client.post(reverse("resource_create"), form_data(
        file=pdf(), course_code="ma201", course_name="线性代数"), follow=True)
    assert response.status_code == 200
    resource = Resource.objects.get()
    assert response.redirect_chain[-1][0] == reverse("resource_detail", args=[resource.pk])
    detail = text_of(response)
    assert "资源已发布" in detail and "线性代数第三章笔记" in detail
    assert "MA201 线性代数" in detail and "线性代数第三章笔记.pdf" in detail
    assert sorted(resource.tags.values_list("name", flat=True)) == ["期末", "笔记", "线代"]
    assert resource.course == Course.objects.get(school=school, code="MA201")

    library = text_of(client.get(reverse("resource_library")))
    assert "线性代数第三章笔记" in library and 'class="type-icon type-pdf"' in library
    filtered = text_of(client.get(reverse("resource_library"), {"tag": "线代", "sort": "best"}))
    assert "线性代数第三章笔记" in filtered
    assert "线性代数第三章笔记" not in text_of(
        client.get(reverse("resource_library"), {"subject": "physics"}))
    course = text_of(client.get(reverse("course_detail", args=[resource.course_id])))
    assert "线性代数第三章笔记" in course


def test_an_executable_renamed_pdf_is_refused_and_nothing_is_stored(client):
    client.force_login(make_user())
    response = client.post(reverse("resource_create"),
                           form_data(file=pdf("setup.pdf", EXE)))
    assert response.status_code == 400
    assert "不支持这种文件类型" in text_of(response)
    assert Resource.objects.count() == 0 and Blob.objects.count() == 0


def test_a_file_over_the_limit_is_refused_with_413_and_nothing_is_stored(client, settings):
    settings.RESOURCE_MAX_BYTES = 1000
    client.force_login(make_user())
    response = client.post(reverse("resource_create"),
                           form_data(file=pdf(content=PDF + b"0" * (5000 - len(PDF)))))
    assert response.status_code == 413
    assert "文件太大" in text_of(response)
    assert Resource.objects.count() == 0 and Blob.objects.count() == 0


def test_a_body_bigger_than_the_limit_is_refused_before_it_is_read(client, settings):
    settings.RESOURCE_MAX_BYTES = 1000
    client.force_login(make_user())
    response = client.post(reverse("resource_create"),
                           form_data(file=pdf(content=PDF + b"0" * 100_000)))
    assert response.status_code == 413
    assert "文件太大" in text_of(response)
    assert not Resource.objects.exists() and not Blob.objects.exists()


def test_a_link_resource_and_a_bad_link(client):
    client.force_login(make_user())
    bad = client.post(reverse("resource_create"), form_data(url="javascript:alert(1)"))
    assert bad.status_code == 400 and "http://" in text_of(bad)
    client.post(reverse("resource_create"), form_data(url="https://ocw.mit.edu/18-06"))
    resource = Resource.objects.get()
    response = client.get(reverse("resource_download", args=[resource.pk]))
    assert response.status_code == 302 and response["Location"] == "https://ocw.mit.edu/18-06"


def test_download_is_an_attachment_with_a_safe_name_counted_once_a_day(client):
    owner = make_user()
    resource = publish(owner, title="../../etc/passwd 期末")
    client.force_login(make_user())
    url = reverse("resource_download", args=[resource.pk])
    response = client.get(url)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "/" not in disposition.split("filename", 1)[1]
    assert ".pdf" in disposition
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.get(url)
    resource.refresh_from_db()
    assert resource.download_count == 1 and Download.objects.count() == 1


def test_an_outsider_gets_404_for_a_private_group_resource(client):
    owner = make_user()
    group = make_interest_group(owner, name="考研互助组", is_private=True)
    resource = publish(owner, group=group)
    client.force_login(make_user())
    for name in ("resource_download", "resource_detail"):
        response = client.get(reverse(name, args=[resource.pk]))
        assert response.status_code == 404
        assert "资源不存在或你无权查看" in text_of(response)
    assert not Download.objects.exists()


def test_school_only_resources_and_the_school_choice_are_for_verified_members(client):
    school = make_school()
    resource = publish(verify(make_user(school=school)), title="本校期末真题",
                       visibility="school")
    newcomer = make_user(school=school)  # picked the school, not verified
    client.force_login(newcomer)
    response = client.get(reverse("resource_detail", args=[resource.pk]))
    assert response.status_code == 404 and "资源不存在或你无权查看" in text_of(response)
    assert "本校期末真题" not in text_of(client.get(reverse("resource_library")))
    assert 'value="school"' not in text_of(client.get(reverse("resource_create")))
    refused = client.post(reverse("resource_create"),
                          form_data(visibility="school", url="https://pan.example.edu.cn/a"))
    assert refused.status_code == 400
    assert Resource.objects.count() == 1

    client.force_login(verify(newcomer))
    assert client.get(reverse("resource_detail", args=[resource.pk])).status_code == 200
    assert "本校期末真题" in text_of(client.get(reverse("resource_library")))
    assert 'value="school"' in text_of(client.get(reverse("resource_create")))


# ---- ratings and reviews ----------------------------------------------------------------


def test_rating_shows_the_average_and_my_rating(client):
    owner = make_user()
    resource = publish(owner)
    services.rate_resource(actor=actor_for(make_user()), resource_id=resource.pk, stars=5)
    client.force_login(make_user())
    response = client.post(reverse("resource_rate", args=[resource.pk]),
                           {"stars": "4", "review": "讲得很清楚"}, follow=True)
    page = text_of(response)
    assert "已评分：4 星" in page and "你的评分" in page
    assert 'data-rating-average>4.5<' in page and "（2 人评分）" in page
    assert "讲得很清楚" in page


@pytest.mark.parametrize("stars", ["0", "6", "abc"])
def test_stars_out_of_range_are_refused_by_the_form(client, stars):
    resource = publish(make_user())
    client.force_login(make_user())
    response = client.post(reverse("resource_rate", args=[resource.pk]), {"stars": stars},
                           follow=True)
    assert "评分须为 1 到 5 星" in text_of(response)
    assert not Rating.objects.exists()


def test_rating_my_own_resource_is_refused_with_a_message(client):
    owner = make_user()
    resource = publish(owner)
    client.force_login(owner)
    response = client.post(reverse("resource_rate", args=[resource.pk]), {"stars": "5"},
                           follow=True)
    assert "不能给自己的资源评分" in text_of(response)
    assert not Rating.objects.exists()


def test_a_review_can_be_marked_helpful_once(client):
    resource = publish(make_user())
    reviewer = make_user()
    rating = services.rate_resource(actor=actor_for(reviewer), resource_id=resource.pk,
                                    stars=4, review="第二章的例题很有用")
    client.force_login(make_user())
    url = reverse("review_helpful", args=[rating.pk])
    answer = client.post(url, headers={"Accept": "application/json"})
    assert answer.json() == {"marked": True, "helpful_count": 1}
    again = client.post(url, headers={"Accept": "application/json"})
    assert again.status_code == 409 and again.json()["message"] == "已经标记过了"
    page = text_of(client.post(url, follow=True))
    assert "已经标记过了" in page and "有用" in page
    rating.refresh_from_db()
    assert rating.helpful_count == 1


def test_share_to_a_group_and_delete(client):
    owner = make_user()
    group = make_interest_group(owner, name="数学建模社")
    resource = publish(owner)
    client.force_login(owner)
    response = client.post(reverse("resource_share", args=[resource.pk]),
                           {"group": group.pk, "text": ""}, follow=True)
    assert "已分享" in text_of(response)
    assert group.posts.filter(resource_share__resource=resource).exists()
    response = client.post(reverse("resource_delete", args=[resource.pk]), follow=True)
    assert "资源已删除" in text_of(response)
    assert not Resource.objects.exists()


def test_a_new_version_keeps_the_history(client):
    owner = make_user()
    resource = publish(owner)
    client.force_login(owner)
    response = client.post(reverse("version_create", args=[resource.pk]),
                           {"file": pdf(content=PDF + b"v2"), "note": "补充第七章"}, follow=True)
    page = text_of(response)
    assert "已上传第 2 版" in page and "补充第七章" in page and "v1" in page


# ---- points and leaderboards ------------------------------------------------------------


def test_points_page_shows_balance_after_check_in_and_refuses_a_second(client):
    client.force_login(make_user())
    page = text_of(client.post(reverse("checkin"), follow=True))
    assert "签到成功" in page
    assert 'data-testid="balance">5<' in page
    assert "每日签到" in page and "+5" in page
    again = text_of(client.post(reverse("checkin"), follow=True))
    assert "今天已经签到过了" in again
    assert PointEntry.objects.count() == 1


def test_leaderboard_shows_the_top_and_my_rank(client):
    school = make_school()
    leader = make_user("zhang_san", display_name="张三", school=school)
    me = make_user("li_si", display_name="李四", school=school)
    publish(leader)  # +10
    credits.daily_checkin(actor=actor_for(me))  # +5
    client.force_login(me)
    page = text_of(client.get(reverse("leaderboards")))
    assert "张三" in page and "李四" in page
    assert "你的排名：第 2 名" in page
    school_page = text_of(client.get(reverse("leaderboards"),
                                     {"tab": "people", "scope": "school", "window": "day"}))
    assert "你的排名：第 2 名" in school_page
    resources_page = text_of(client.get(reverse("leaderboards"), {"tab": "downloads"}))
    assert "还没有上榜的资源" in resources_page
    assert client.get(reverse("leaderboards"), {"tab": "groups"}).status_code == 200


def test_a_private_groups_board_is_refused_to_outsiders(client):
    owner = make_user()
    group = make_interest_group(owner, name="私密小组", is_private=True)
    client.force_login(make_user())
    response = client.get(reverse("leaderboards"), {"scope": f"group:{group.pk}"})
    assert response.status_code in (403, 404)
    assert Group.objects.filter(pk=group.pk).exists()


@pytest.mark.parametrize("name", ["resource_library", "points", "leaderboards"])
def test_a_forged_cursor_is_a_clear_400(client, name):
    client.force_login(make_user())
    response = client.get(reverse(name), {"after": "forged"})
    if name == "leaderboards":  # no cursor there: a forged window is the bad input
        response = client.get(reverse(name), {"window": "year"})
    assert response.status_code == 400
    assert "分页游标无效" in text_of(response) or "时间范围" in text_of(response)
