"""The search box on every page and the results page: highlighted, linked results, the
filters, the "more" link, and hostile queries answered with results or a message."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from feeds import services as feed_services
from resources import services as resource_services
from tests.factories import actor_for, make_interest_group, make_school, make_user
from yiban_core.groups.models import Group

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits


@pytest.fixture(autouse=True)
def _plain(settings, no_redis):
    settings.ELASTICSEARCH_URL = ""


@pytest.fixture
def world(run_worker):
    school = make_school("浙江大学")
    author = make_user("xiaoli", school=school, display_name="小李")
    post = feed_services.publish_post(actor=actor_for(author),
                                      text="高等数学期末复习资料整理好了 #期末考试#")
    resource = resource_services.publish_resource(
        actor=actor_for(author), title="高等数学期末复习资料", subject="mathematics",
        url="https://example.edu.cn/gs", description="极限、导数、积分")
    group = make_interest_group(author, name="高等数学互助群")
    hidden = make_interest_group(author, name="秘密小组", is_private=True,
                                 join_policy=Group.JoinPolicy.CLOSED)
    secret = feed_services.publish_post(actor=actor_for(author), text="高等数学群内秘密",
                                        group=hidden)
    run_worker()
    return {"author": author, "post": post, "resource": resource, "group": group,
            "secret": secret, "school": school}


def text_of(response) -> str:
    return response.content.decode()


def test_the_search_box_is_on_the_home_page(client):
    html = text_of(client.get(reverse("home")))
    assert re.search(r'<form class="topsearch" method="get" action="/search/" role="search">',
                     html)
    assert 'name="q"' in html


def test_results_are_highlighted_and_linked(client, world):
    response = client.get(reverse("search"), {"q": "高等数学"})
    assert response.status_code == 200
    html = text_of(response)
    assert "<mark>高等数学</mark>" in html
    assert reverse("post_detail", args=[world["post"].pk]) in html
    assert reverse("resource_detail", args=[world["resource"].pk]) in html
    assert reverse("group_detail", args=[world["group"].pk]) in html
    assert "群内秘密" not in html  # a private group's post, not for this visitor
    assert html.count('class="search-result card"') == 3
    # The query stays in the top bar's box.
    assert 'id="topsearch-q" name="q" maxlength="500" value="高等数学"' in html


def test_members_find_their_groups_posts(client, world):
    client.force_login(world["author"])
    html = text_of(client.get(reverse("search"), {"q": "秘密"}))
    assert reverse("post_detail", args=[world["secret"].pk]) in html


def test_people_and_topics_link_to_their_pages(client, world):
    html = text_of(client.get(reverse("search"), {"q": "小李"}))
    assert reverse("profile", args=["xiaoli"]) in html
    html = text_of(client.get(reverse("search"), {"q": "期末考试", "type": "topic"}))
    assert reverse("topic", args=["期末考试"]) in html
    assert 'class="search-result card"' in html


def test_type_filter_sort_and_more(client, world, run_worker):
    author = world["author"]
    for i in range(22):
        feed_services.publish_post(actor=actor_for(author), text=f"高等数学 第{i}次作业")
    run_worker()
    html = text_of(client.get(reverse("search"), {"q": "高等数学", "type": "resource"}))
    assert html.count('class="search-result card"') == 1
    response = client.get(reverse("search"), {"q": "高等数学", "type": "post", "sort": "newest"})
    html = text_of(response)
    assert html.count('class="search-result card"') == 20
    assert "第21次作业" in html
    more = re.search(r'<a class="button secondary" href="([^"]+)" rel="next">', html)
    assert more
    html = text_of(client.get(reverse("search") + more.group(1).replace("&amp;", "&")))
    assert html.count('class="search-result card"') == 3  # 22 + 1 posts, 20 a page
    assert 'rel="next"' not in html


def test_filters_by_school_subject_and_time(client, world):
    other = make_school("南京大学")
    params = {"q": "高等数学", "school": other.pk}
    html = text_of(client.get(reverse("search"), params))
    assert 'class="search-result card"' not in html
    assert "没有找到" in html
    html = text_of(client.get(reverse("search"), {"q": "数学", "subject": "mathematics",
                                                   "since": "week"}))
    assert html.count('class="search-result card"') == 1
    assert "清除筛选" in html


def test_an_empty_query_shows_the_empty_search_page(client):
    response = client.get(reverse("search"))
    assert response.status_code == 200
    assert "输入关键词" in text_of(response)
    assert client.get(reverse("search"), {"q": "   "}).status_code == 200


@pytest.mark.parametrize("query", [
    "数" * 10_000, "*", '"', "' OR 1=1 --", "title:(a OR b)^3~", "高等数学 AND 复习 OR NOT",
    "<script>alert(1)</script>", "\x00", "%00", "高等 -数学 +复习 | & ! <-> :*",
])
def test_hostile_queries_are_fine(client, world, query):
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code in (200, 400)
    html = text_of(response)
    assert "<script>alert(1)</script>" not in html
    if response.status_code == 400:
        assert 'role="alert"' in html


@pytest.mark.parametrize("params", [
    {"q": "数学", "type": "secret"}, {"q": "数学", "sort": "random"},
    {"q": "数学", "since": "century"}, {"q": "数学", "school": "abc"},
    {"q": "数学", "after": "garbage"},
])
def test_bad_filters_give_a_message(client, world, params):
    response = client.get(reverse("search"), params)
    assert response.status_code == 400
    assert 'role="alert"' in text_of(response)


def test_the_page_in_english(client, world):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("search"), {"q": "高等数学"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "<mark>高等数学</mark>" in text_of(response)


def test_result_rows_are_shared_and_follow_what_they_show(client, world, monkeypatch):
    """Rows are rendered once per what they show (frontend/fragments.py): a second reader
    gets the same HTML without a render; a rating or a new name shows on the next search."""
    from django.template import loader

    from frontend.views import search as search_view
    from yiban_core.accounts import services as account_services

    rendered = []
    real = loader.render_to_string
    monkeypatch.setattr(search_view, "render_to_string",
                        lambda name, context: rendered.append(name) or real(name, context))

    def row_of(kind: str) -> str:
        html = text_of(client.get(reverse("search"), {"q": "高等数学"}))
        match = re.search(rf'<li class="search-result card" data-kind="{kind}">.*?</li>', html,
                          re.S)
        assert match, f"no {kind} row"
        return match.group(0)

    first = row_of("resource")
    assert "暂无评分" in first and "小李" in first
    count = len(rendered)
    client.force_login(make_user("reader"))
    assert row_of("resource") == first and len(rendered) == count

    resource_services.rate_resource(actor=actor_for(make_user("rater")),
                                    resource_id=world["resource"].pk, stars=4)
    assert "（1 人评分）" in row_of("resource")
    account_services.update_profile(actor=actor_for(world["author"]), display_name="李老师")
    assert "李老师" in row_of("resource") and "李老师" in row_of("post")


def test_a_longer_results_page_costs_no_more_queries(client, world, run_worker):
    """Each kind's results are read in one query with what their rows show (the course
    and its school, the owner, the author and group): more results, the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from resources.models import Course

    course = Course.objects.create(school=world["school"], code="MATH101", name="高等数学A")
    author, group = world["author"], world["group"]

    def queries_and_html() -> tuple[int, str]:
        client.get(reverse("search"), {"q": "微积分"})
        with CaptureQueriesContext(connection) as captured:
            html = text_of(client.get(reverse("search"), {"q": "微积分"}))
        return len(captured), html

    def publish(i: int) -> None:
        resource_services.publish_resource(
            actor=actor_for(author), title=f"微积分讲义{i}", subject="mathematics",
            url=f"https://example.edu.cn/calc{i}", course=course)
        feed_services.publish_post(actor=actor_for(author), text=f"微积分笔记{i}", group=group)

    client.force_login(author)
    publish(0)
    run_worker()
    few, _ = queries_and_html()
    for i in range(1, 5):
        publish(i)
    run_worker()
    many, html = queries_and_html()
    assert html.count('data-kind="resource"') == 5 and html.count('data-kind="post"') == 5
    assert "MATH101 高等数学A" in html and "浙江大学" in html and "高等数学互助群" in html
    assert many == few


def test_the_school_menus_follow_a_new_or_renamed_school(client):
    """The filters' school menus (search, the library) are cached for everyone
    (accounts.selectors.school_names): a school added or renamed shows at once."""
    def menu(path: str) -> list[str]:
        html = text_of(client.get(path, {"q": "数学"} if path == reverse("search") else {}))
        return re.findall(r'<option value="\d+">([^<]*)</option>', html.split('name="school"')[1]
                          .split("</select>")[0])

    first = make_school("北京大学")
    assert "北京大学" in menu(reverse("search")) and "北京大学" in menu(reverse("resource_library"))
    make_school("清华大学")
    first.name = "北京大学（本部）"
    first.save()
    for path in (reverse("search"), reverse("resource_library")):
        assert {"北京大学（本部）", "清华大学"} <= set(menu(path))
        assert "北京大学" not in menu(path)
