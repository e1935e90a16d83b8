"""Search as students type it: course abbreviations, pinyin, the word being typed, the
suggestions under the search box, snippets of what people wrote, ranking ties.
On SQLite FTS5 here; with DATABASE_URL=postgres://... on the tsvector + GIN index."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feeds import services as feed_services
from resources import services as resource_services
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from yiban_core.actor import ANONYMOUS
from yiban_core.groups.models import Group
from yiban_core.search import selectors

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 200


@pytest.fixture(autouse=True)
def _plain(settings, no_redis):
    settings.ELASTICSEARCH_URL = ""


@pytest.fixture
def index(run_worker):
    return run_worker


def post(user, text, **kwargs):
    return feed_services.publish_post(actor=actor_for(user), text=text, **kwargs)


def resource(user, title, *, subject="mathematics", **kwargs):
    if "upload" not in kwargs:
        kwargs.setdefault("url", "https://example.edu.cn/r")
    return resource_services.publish_resource(actor=actor_for(user), title=title,
                                              subject=subject, **kwargs)


def found(actor, query, **kwargs) -> list[tuple[str, int]]:
    return [(r.kind, r.object.pk) for r in selectors.search(actor=actor, query=query,
                                                            **kwargs).items]


def text_of(snippet) -> str:
    return re.sub(r"</?mark>", "", str(snippet)).replace("&amp;", "&")


# --- abbreviations and pinyin ---------------------------------------------------------


def test_abbreviations_and_their_pinyin_find_the_full_course_name(index):
    author = make_user()
    r = resource(author, "高等数学期末复习资料", description="第一章到第六章的习题解答")
    resource(author, "大学英语四级真题", subject="languages")
    index()
    for query in ("高数", "gaoshu", "gs", "高等数学", "gaodengshuxue", "gdsx", "高数 期末"):
        assert found(ANONYMOUS, query) == [("resource", r.pk)], query


@pytest.mark.parametrize(("abbreviation", "text"), [
    ("线代", "线性代数作业第三章答案"),
    ("马原", "马克思主义基本原理期末重点"),
    ("毛概", "毛泽东思想和中国特色社会主义理论体系概论 论文题目"),
    ("计网", "计算机网络实验：抓包分析TCP"),
    ("概统", "概率论与数理统计 习题课"),
    ("大物", "大学物理实验报告模板"),
])
def test_each_abbreviation_finds_the_full_name_and_the_reverse(index, abbreviation, text):
    author = make_user()
    full = post(author, text)
    short = post(author, f"{abbreviation}怎么复习？求推荐")
    index()
    assert set(found(ANONYMOUS, abbreviation)) == {("post", full.pk), ("post", short.pk)}
    full_name = next(n for n in ("线性代数", "马克思主义基本原理", "计算机网络", "大学物理",
                                 "毛泽东思想和中国特色社会主义理论体系概论", "概率论与数理统计")
                     if n in text)
    assert set(found(ANONYMOUS, full_name)) == {("post", full.pk), ("post", short.pk)}


def test_people_are_found_by_the_pinyin_of_their_name(index):
    school = make_school("清华大学")
    li = make_user("li2023", display_name="李月婷", school=school)
    make_user("zhang", display_name="张书恒", school=school)
    index()
    for query in ("李月婷", "liyueting", "lyt", "liyue", "李月", "李"):
        assert found(ANONYMOUS, query, kinds=["user"]) == [("user", li.pk)], query


def test_the_word_being_typed_matches_as_a_prefix(index):
    author = make_user()
    r = resource(author, "高等数学期末复习资料")
    group = make_interest_group(author, name="清华摄影社")
    index()
    for query in ("高等数", "gaod", "gaodengshu", "高等数学 期"):
        assert found(ANONYMOUS, query) == [("resource", r.pk)], query
    assert found(ANONYMOUS, "清华摄") == [("group", group.pk)]
    assert found(ANONYMOUS, "清华摄影") == [("group", group.pk)]
    assert found(ANONYMOUS, "qinghuash") == [("group", group.pk)]
    # Only the last word is unfinished: an earlier one must be a whole word.
    assert found(ANONYMOUS, "gaod 期末") == []


# --- snippets --------------------------------------------------------------------------


def test_snippets_are_the_text_people_wrote_with_the_matches_marked(index):
    school = make_school("北京大学")
    author = make_user(school=school)
    course = resource_services.course_for(school=school, code="MA101", name="高等数学")
    description = "第一章到第六章的习题解答，附高等数学公式表"
    r = resource(author, "期末复习笔记", description=description, course=course,
                 tags=["高等数学", "期末"])
    p = post(author, "高数挂了，下学期重修 & 加油")
    index()
    results = {x.kind: x for x in selectors.search(actor=ANONYMOUS, query="高数").items}
    assert results["resource"].object.pk == r.pk
    assert text_of(results["resource"].snippet) == description
    assert "MA101" not in results["resource"].snippet
    assert "<mark>高等数学</mark>" in results["resource"].snippet
    assert results["post"].object.pk == p.pk
    assert text_of(results["post"].snippet) == p.text
    assert "<mark>高数</mark>" in results["post"].snippet
    # Found by its course code, shown by what its owner wrote.
    (by_code,) = selectors.search(actor=ANONYMOUS, query="MA101").items
    assert text_of(by_code.snippet) == description


def test_pinyin_marks_the_chinese_it_spells(index):
    post(make_user(), "今天复习线性代数，明天考试")
    index()
    (result,) = selectors.search(actor=ANONYMOUS, query="xianxingdaishu").items
    assert "<mark>线性代数</mark>" in result.snippet
    (result,) = selectors.search(actor=ANONYMOUS, query="xd").items  # 线代
    assert "<mark>线性代数</mark>" in result.snippet


def test_a_resource_result_names_its_school(client, index):
    school = make_school("华中科技大学")
    author = verify(make_user(school=school))
    resource(author, "线性代数讲义")
    index()
    page = client.get(reverse("search"), {"q": "线代"}).content.decode()
    result = page[page.index('data-kind="resource"'):]
    result = result[:result.index("</li>")]
    assert "<mark>线性代数</mark>讲义" in result
    assert "华中科技大学" in result


# --- ranking ---------------------------------------------------------------------------


def test_within_equal_relevance_better_rated_then_more_downloaded_first(index):
    author, raters = make_user(), [make_user() for _ in range(4)]
    plain = resource(author, "电路分析习题集")
    rated = resource(author, "电路分析习题集")
    downloaded = resource(author, "电路分析习题集", url="",
                          upload=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"))
    for rater in raters:
        resource_services.rate_resource(actor=actor_for(rater), resource_id=rated.pk, stars=5)
        resource_services.record_download(actor=actor_for(rater), resource_id=downloaded.pk)
    index()
    assert found(ANONYMOUS, "电路分析") == [
        ("resource", rated.pk), ("resource", downloaded.pk), ("resource", plain.pk)]


def test_within_equal_relevance_the_viewers_school_comes_first(index):
    mine, theirs = make_school("浙江大学"), make_school("复旦大学")
    here = verify(make_user(school=mine))
    there = verify(make_user(school=theirs))
    ours = resource(here, "数字电子技术复习资料")
    other = resource(there, "数字电子技术复习资料")
    index()
    assert found(actor_for(make_user(school=mine)), "数电") == [
        ("resource", ours.pk), ("resource", other.pk)]
    assert found(actor_for(make_user(school=theirs)), "数电") == [
        ("resource", other.pk), ("resource", ours.pk)]


def test_text_relevance_comes_before_quality(index):
    author, raters = make_user(), [make_user() for _ in range(4)]
    weak = resource(author, "计算机专业课程资料合集", description=(
        "包含计算机网络、数据结构、编译原理、操作系统、数据库系统、软件工程的课件和习题，"
        "以及离散数学和计算机组成原理的期末真题"))
    strong = resource(author, "操作系统", description="操作系统 进程 操作系统 内存 操作系统 文件")
    for rater in raters:
        resource_services.rate_resource(actor=actor_for(rater), resource_id=weak.pk, stars=5)
    index()
    assert found(ANONYMOUS, "操作系统")[0] == ("resource", strong.pk)


# --- suggestions -----------------------------------------------------------------------


def test_suggestions_offer_people_groups_and_topics(client, index):
    school = make_school("武汉大学")
    student = make_user("gaoshu_fan", display_name="高小数", school=school)
    group = make_interest_group(student, name="高数互助小组", school=school)
    post(student, "一起刷题 #高数打卡# 第一天")
    post(student, "高等数学期末复习资料")  # posts are results, not suggestions
    index()
    answer = client.get(reverse("search_suggest"), {"q": "高数"}).json()
    kinds = [(s["kind"], s["title"]) for s in answer["suggestions"]]
    assert ("group", "高数互助小组") in kinds
    assert ("topic", "#高数打卡#") in kinds
    assert not any(kind == "post" for kind, _ in kinds)
    group_row = next(s for s in answer["suggestions"] if s["kind"] == "group")
    assert group_row["url"] == reverse("group_detail", args=[group.pk])
    assert "<mark>高数</mark>" in group_row["html"]
    assert "武汉大学" in group_row["detail"]
    people = client.get(reverse("search_suggest"), {"q": "gaox"}).json()["suggestions"]
    assert [(s["kind"], s["title"]) for s in people] == [("user", "高小数")]
    assert client.get(reverse("search_suggest"), {"q": "  "}).json()["suggestions"] == []
    assert client.get(reverse("search_suggest"), {"q": "a" * 600}).status_code == 200


def test_suggestions_never_show_another_schools_private_group(client, index):
    mine, theirs = make_school("南京大学"), make_school("东南大学")
    me = verify(make_user("nju_student", school=mine))
    teacher = verify(make_teacher(school=theirs))
    their_class = make_class_group(teacher, name="软件工程2023级1班", school=theirs)
    assert their_class.is_private
    own_teacher = verify(make_teacher(school=mine))
    our_class = make_class_group(own_teacher, name="软件工程2023级2班", school=mine)
    open_group = make_interest_group(teacher, name="软件工程读书会", school=theirs)
    index()
    client.force_login(me)
    titles = {s["title"] for s in client.get(reverse("search_suggest"),
                                             {"q": "软工"}).json()["suggestions"]}
    assert titles == {our_class.name, open_group.name}
    assert ("group", their_class.pk) not in found(actor_for(me), "软件工程")
    assert ("group", their_class.pk) not in found(ANONYMOUS, "软件工程")
    # Its own teacher (a member) still finds it.
    assert ("group", their_class.pk) in found(actor_for(teacher), "软件工程")
    assert Group.objects.filter(pk=their_class.pk).exists()


def test_search_suggestions_in_graphql(client, index):
    make_interest_group(make_user(), name="毛概复习群")
    index()
    answer = client.post("/graphql", {"query": '{ searchSuggestions(query: "maog") '
                                                 "{ kind title node { ... on Group { name } } } }"},
                         content_type="application/json").json()
    assert answer["data"]["searchSuggestions"] == [
        {"kind": "GROUP", "title": "毛概复习群", "node": {"name": "毛概复习群"}}]
