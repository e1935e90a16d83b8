"""Site search through the real services, on the database backend (SQLite FTS5 here;
run with DATABASE_URL=postgres://... for the tsvector + GIN index)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from feeds import services as feed_services
from feeds.models import Post
from resources import services as resource_services
from resources.models import Resource
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from yiban_core.accounts import services as account_services
from yiban_core.actor import ANONYMOUS, Actor
from yiban_core.errors import DomainError, Invalid
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group
from yiban_core.search import selectors
from yiban_core.search.models import SearchDocument
from yiban_core.search.tasks import index_object

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits


@pytest.fixture(autouse=True)
def _plain(settings, no_redis):
    settings.ELASTICSEARCH_URL = ""


@pytest.fixture
def index(run_worker):
    """Run the queued index tasks (as the worker does after each commit)."""
    return run_worker


def post(user, text, **kwargs) -> Post:
    return feed_services.publish_post(actor=actor_for(user), text=text, **kwargs)


def resource(user, title, *, subject="mathematics", **kwargs) -> Resource:
    return resource_services.publish_resource(
        actor=actor_for(user), title=title, subject=subject,
        url=kwargs.pop("url", "https://example.edu.cn/r"), **kwargs)


def found(actor, query, **kwargs) -> list[tuple[str, int]]:
    page = selectors.search(actor=actor, query=query, **kwargs)
    return [(r.kind, r.object.pk) for r in page.items]


def walk(actor, query, first=3, **kwargs) -> list[tuple[str, int]]:
    """Every result, page by page through the cursor."""
    seen, after = [], None
    for _page in range(100):
        page = selectors.search(actor=actor, query=query, first=first, after=after, **kwargs)
        seen += [(r.kind, r.object.pk) for r in page.items]
        if not page.has_next:
            return seen
        assert page.end_cursor
        after = page.end_cursor
    raise AssertionError("the cursor never ended")


# --- Chinese words ------------------------------------------------------------------------


def test_chinese_words_find_posts_and_resources(index):
    author = make_user("xiaoming")
    p = post(author, "高等数学期末复习资料：极限、导数和积分的重点整理")
    r = resource(author, "高等数学期末复习资料", description="第一章到第六章的习题解答")
    post(author, "今天食堂的红烧肉很好吃")
    index()
    viewer = actor_for(make_user())
    for query in ("高等数学", "数学", "期末复习", "高等数学期末复习资料"):
        results = found(viewer, query)
        assert ("post", p.pk) in results, query
        assert ("resource", r.pk) in results, query
        assert len(results) == 2, query
    page = selectors.search(actor=viewer, query="数学")
    snippet = next(x.snippet for x in page.items if x.kind == "post")
    assert "<mark>数学</mark>" in snippet


def test_a_query_mixing_chinese_and_english(index):
    author = make_user()
    p = post(author, "周末用Python做数据分析，pandas 真好用")
    post(author, "Python 入门：变量和循环")
    post(author, "数据结构期中考试")
    index()
    assert found(ANONYMOUS, "Python 数据分析") == [("post", p.pk)]
    assert found(ANONYMOUS, "python数据分析") == [("post", p.pk)]
    assert len(found(ANONYMOUS, "PYTHON")) == 2


def test_pinyin_and_single_characters_return_something_sensible(index):
    author = make_user()
    r = resource(author, "高等数学期末复习资料")
    resource(author, "大学英语四级真题", subject="languages")
    index()
    assert found(ANONYMOUS, "gaodengshuxue") == [("resource", r.pk)]
    assert found(ANONYMOUS, "gdsx") == [("resource", r.pk)]
    assert found(ANONYMOUS, "数") == [("resource", r.pk)]  # as a prefix: 数学
    assert ("resource", r.pk) in found(ANONYMOUS, "高")


def test_titles_and_snippets_are_escaped(index):
    author = make_user()
    post(author, "<script>alert(1)</script> 数学 & 物理")
    index()
    (result,) = selectors.search(actor=ANONYMOUS, query="数学").items
    assert "<script>" not in result.snippet
    assert "&lt;script&gt;" in result.snippet
    assert "<mark>数学</mark>" in result.snippet


# --- visibility, kind by kind -----------------------------------------------------------


def test_a_private_groups_posts_are_found_by_members_only(index):
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    group = make_interest_group(owner, name="线代互助小组", is_private=True,
                                join_policy=Group.JoinPolicy.CLOSED)
    invitation = group_services.invite(actor=actor_for(owner), group=group, username="member")
    group_services.answer_invitation(actor=actor_for(member), invitation_id=invitation.pk,
                                     accept=True)
    p = post(owner, "线性代数作业答案只在群里讨论", group=group)
    index()
    assert found(actor_for(owner), "线性代数", kinds=["post"]) == [("post", p.pk)]
    assert found(actor_for(member), "线性代数", kinds=["post"]) == [("post", p.pk)]
    assert found(actor_for(outsider), "线性代数", kinds=["post"]) == []
    assert found(ANONYMOUS, "线性代数", kinds=["post"]) == []
    # The group itself may be found by name (to ask to join), its posts never.
    assert found(actor_for(outsider), "线代互助小组") == [("group", group.pk)]


def test_a_school_only_resource_is_found_in_that_school_only(index):
    pku, thu = make_school("北京大学"), make_school("清华大学")
    author = verify(make_user(school=pku))
    classmate, other = verify(make_user(school=pku)), make_user(school=thu)
    r = resource(author, "概率论讲义", visibility="school")
    index()
    assert found(actor_for(classmate), "概率论") == [("resource", r.pk)]
    assert found(actor_for(other), "概率论") == []
    # Picking the school is not being verified by it.
    assert found(actor_for(make_user(school=pku)), "概率论") == []
    assert found(actor_for(make_user()), "概率论") == []
    assert found(ANONYMOUS, "概率论") == []


def test_a_group_resource_is_found_by_members_only(index):
    owner, outsider = make_user(), make_user()
    group = make_interest_group(owner, name="考研群", is_private=True,
                                join_policy=Group.JoinPolicy.CLOSED)
    r = resource(owner, "考研政治背诵手册", group=group)
    index()
    assert found(actor_for(owner), "考研政治") == [("resource", r.pk)]
    assert found(actor_for(outsider), "考研政治") == []


def test_a_followers_only_post_is_found_by_followers_only(index):
    author, fan, stranger = make_user("author"), make_user("fan"), make_user("stranger")
    account_services.follow(actor=actor_for(fan), username="author")
    p = post(author, "只给粉丝看的离散数学笔记", visibility="followers")
    index()
    assert found(actor_for(author), "离散数学") == [("post", p.pk)]
    assert found(actor_for(fan), "离散数学") == [("post", p.pk)]
    assert found(actor_for(stranger), "离散数学") == []
    assert found(ANONYMOUS, "离散数学") == []


def test_a_school_only_post_is_found_in_that_school_only(index):
    school = make_school()
    author, classmate = verify(make_user(school=school)), verify(make_user(school=school))
    other, newcomer = make_user(), make_user(school=school)
    p = post(author, "本校的选课攻略", visibility="school")
    index()
    assert found(actor_for(classmate), "选课攻略") == [("post", p.pk)]
    assert found(actor_for(other), "选课攻略") == []
    assert found(actor_for(newcomer), "选课攻略") == []  # picked the school, not verified


def test_a_token_without_feed_read_gets_no_posts_or_topics(index):
    author = make_user()
    user = make_user()
    p = post(author, "微积分 #期末考试# 复习计划")
    r = resource(author, "微积分公式表")
    index()
    assert set(found(actor_for(user), "微积分")) == {("post", p.pk), ("resource", r.pk)}
    token = Actor(user=user, scopes=frozenset({"resources:read"}))
    assert found(token, "微积分") == [("resource", r.pk)]
    assert found(token, "期末考试") == []
    assert found(token, "微积分", kinds=["post"]) == []
    feed_only = Actor(user=user, scopes=frozenset({"feed:read"}))
    assert found(feed_only, "微积分") == [("post", p.pk)]
    assert ("topic", p.topic_links.get().topic_id) in found(feed_only, "期末考试")
    assert found(Actor(user=user, scopes=frozenset()), "微积分") == []


def test_groups_and_people_need_their_scopes(index):
    owner = make_user("zhangsan", display_name="张三")
    account_services.update_profile(actor=actor_for(owner), major="机器学习", bio="")
    group = make_interest_group(owner, name="机器学习读书会")
    index()
    results = found(ANONYMOUS, "机器学习")
    assert ("group", group.pk) in results and ("user", owner.pk) in results
    token = Actor(user=owner, scopes=frozenset({"feed:read"}))
    assert found(token, "机器学习") == []
    assert found(Actor(user=owner, scopes=frozenset({"groups:read"})), "机器学习") == [
        ("group", group.pk)]
    assert found(Actor(user=owner, scopes=frozenset({"profile"})), "机器学习") == [
        ("user", owner.pk)]


def test_a_topic_is_found_once_a_public_post_uses_it(index):
    author = make_user()
    group = make_interest_group(author, name="小组", is_private=True,
                                join_policy=Group.JoinPolicy.CLOSED)
    post(author, "秘密 #内部话题# 内容", group=group)
    index()
    assert found(ANONYMOUS, "内部话题", kinds=["topic"]) == []
    post(author, "公开的 #内部话题# 讨论")
    index()
    assert len(found(ANONYMOUS, "内部话题", kinds=["topic"])) == 1


# --- keeping the index current ----------------------------------------------------------


def test_deleted_things_leave_the_index(index):
    author = make_user()
    p = post(author, "要删除的统计学动态")
    r = resource(author, "要删除的统计学资源")
    group = make_interest_group(author, name="统计学兴趣组")
    index()
    assert len(found(ANONYMOUS, "统计学")) == 3
    feed_services.delete_post(actor=actor_for(author), post_id=p.pk)
    resource_services.delete_resource(actor=actor_for(author), resource_id=r.pk)
    group_services.delete_group(actor=actor_for(author), group=group)
    # Hidden at once (the objects are gone), and out of the index after the worker ran.
    assert found(ANONYMOUS, "统计学") == []
    index()
    assert found(ANONYMOUS, "统计学") == []
    assert not SearchDocument.objects.filter(title__contains="统计学").exists()


def test_a_visibility_change_hides_a_post_from_outsiders(index):
    author, fan, outsider = make_user("author"), make_user("fan"), make_user()
    account_services.follow(actor=actor_for(fan), username="author")
    p = post(author, "大学物理实验报告模板")
    index()
    assert found(actor_for(outsider), "物理实验") == [("post", p.pk)]
    feed_services.edit_post(actor=actor_for(author), post_id=p.pk, visibility="followers")
    assert found(actor_for(outsider), "物理实验") == []  # at once: checked at query time
    index()
    assert found(actor_for(outsider), "物理实验") == []
    assert found(actor_for(fan), "物理实验") == [("post", p.pk)]


def test_an_edit_is_searchable_after_the_worker_ran(index):
    author = make_user()
    p = post(author, "有机化学")
    index()
    feed_services.edit_post(actor=actor_for(author), post_id=p.pk, text="分析化学")
    index()
    assert found(ANONYMOUS, "分析化学") == [("post", p.pk)]
    assert found(ANONYMOUS, "有机化学") == []


def test_indexing_twice_writes_one_document(index):
    p = post(make_user(), "线性代数")
    index()
    index_object.call(kind="post", object_id=p.pk)
    index_object.call(kind="post", object_id=p.pk)
    assert SearchDocument.objects.filter(kind="post", object_id=p.pk).count() == 1


# --- filters and sorts ---------------------------------------------------------------


def test_filters_by_type_school_subject_course_and_time(index):
    pku, thu = make_school("北京大学"), make_school("清华大学")
    a, b = make_user(school=pku), make_user(school=thu)
    course = resource_services.course_for(school=pku, code="MA101", name="数学分析")
    p = post(a, "数学分析的复习方法")
    r1 = resource(a, "数学分析笔记", course=course)
    r2 = resource(b, "数学建模竞赛指南", subject="engineering")
    old = post(b, "去年的数学分析试卷")
    index()
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    index_object.call(kind="post", object_id=old.pk)

    assert set(found(ANONYMOUS, "数学", kinds=["resource"])) == {("resource", r1.pk),
                                                                ("resource", r2.pk)}
    assert set(found(ANONYMOUS, "数学", kinds=["post", "group"])) == {("post", p.pk),
                                                                     ("post", old.pk)}
    assert set(found(ANONYMOUS, "数学", school_id=pku.pk)) == {("post", p.pk),
                                                              ("resource", r1.pk)}
    assert found(ANONYMOUS, "数学", subject="engineering") == [("resource", r2.pk)]
    assert found(ANONYMOUS, "数学", course_id=course.pk) == [("resource", r1.pk)]
    week = timezone.now() - timedelta(days=7)
    assert ("post", old.pk) not in found(ANONYMOUS, "数学", since=week)
    assert len(found(ANONYMOUS, "数学", since=week)) == 3


def test_sort_newest_and_best_rated(index):
    author, raters = make_user(), [make_user() for _ in range(3)]
    low = resource(author, "电路原理习题 A")
    high = resource(author, "电路原理习题 B")
    mid = resource(author, "电路原理习题 C")
    for rater in raters:
        for r, stars in ((low, 1), (high, 5), (mid, 3)):
            resource_services.rate_resource(actor=actor_for(rater), resource_id=r.pk,
                                            stars=stars)
    index()
    assert found(ANONYMOUS, "电路原理", sort="newest") == [
        ("resource", mid.pk), ("resource", high.pk), ("resource", low.pk)]
    assert found(ANONYMOUS, "电路原理", sort="rating") == [
        ("resource", high.pk), ("resource", mid.pk), ("resource", low.pk)]
    assert len(found(ANONYMOUS, "电路原理", sort="relevance")) == 3


@pytest.mark.parametrize("sort", ["relevance", "newest", "rating"])
def test_the_cursor_walks_every_visible_result_once(index, sort):
    authors = [make_user() for _ in range(3)]
    outsider = make_user()
    visible = set()
    for i in range(24):
        author = authors[i % 3]
        # Hidden posts in between: pages must still fill up and skip them.
        hidden = i % 4 == 1
        p = post(author, f"操作系统 第{i}讲 " + "进程 " * (i % 5),
                 visibility="followers" if hidden else "public")
        if not hidden:
            visible.add(("post", p.pk))
    for i in range(5):
        r = resource(authors[0], f"操作系统课件 {i}")
        visible.add(("resource", r.pk))
    index()
    seen = walk(actor_for(outsider), "操作系统", first=4, sort=sort)
    assert len(seen) == len(set(seen)), "a result came twice"
    assert set(seen) == visible
    assert walk(actor_for(outsider), "操作系统", first=100, sort=sort) == seen


@pytest.mark.postgresql
@pytest.mark.parametrize("read", ["walk", "slice", "slice too short", "every document"])
def test_the_window_is_the_same_however_postgresql_reads_it(index, monkeypatch, read):
    """The newest matches are read by walking the key back, from a slice of the newest
    documents, or from the GIN index over all of them (database.py picks by the
    planner's estimate): the same results, pages and hidden posts whichever it is."""
    from yiban_core.search.backends import base, database

    authors = [make_user() for _ in range(3)]
    outsider = make_user()
    visible = set()
    for i in range(30):
        hidden = i % 4 == 1
        p = post(authors[i % 3], f"编译原理 第{i}讲 " + "语法分析 " * (i % 5),
                 visibility="followers" if hidden else "public")
        if not hidden:
            visible.add(("post", p.pk))
        post(authors[i % 3], f"今天的晚饭 第{i}次")  # documents that do not match
    index()
    viewer = actor_for(outsider)
    expected = walk(viewer, "编译原理", first=7)
    assert set(expected) == visible
    monkeypatch.setattr(base, "RANK_WINDOW", 12)
    monkeypatch.setattr(database, "RANK_WINDOW", 12)
    monkeypatch.setattr(database, "WALK_EVERY", 1_000_000 if read == "walk" else 0)
    monkeypatch.setattr(database, "SLICE_MARGIN", {"slice": 1000, "slice too short": 0.01,
                                                   "every document": 10**9}.get(read, 1))
    database._newest[:] = [0, float("-inf")]
    windowed = walk(viewer, "编译原理", first=5)
    newest_visible = sorted(visible, key=lambda hit: hit[1], reverse=True)
    # Ranked: the visible among the newest 12 matches, whichever way they were read.
    newest_twelve = {pk for pk in sorted((p.pk for p in Post.objects.filter(
        text__startswith="编译原理")), reverse=True)[:12]}
    assert set(windowed) == {hit for hit in newest_visible if hit[1] in newest_twelve}
    monkeypatch.setattr(database, "WALK_EVERY", 1_000_000)
    assert walk(viewer, "编译原理", first=5) == windowed


def test_a_single_latin_letter_before_more_words_is_a_word(index):
    author = make_user()
    c = post(author, "C++的指针到底怎么学")
    post(author, "指针常见错误整理")  # its title's pinyin has words starting with c: changjian
    index()
    assert found(ANONYMOUS, "C++ 指针") == [("post", c.pk)]
    assert found(ANONYMOUS, "c 指针") == [("post", c.pk)]


def test_a_cursor_belongs_to_its_query():
    with pytest.raises(Invalid) as error:
        selectors.search(actor=ANONYMOUS, query="数学", after="not-a-cursor")
    assert error.value.field == "after"


def test_a_cursor_of_a_time_filter_keeps_working(index):
    author = make_user()
    for i in range(5):
        post(author, f"编译原理 {i}")
    index()
    since = timezone.now() - timedelta(days=1)
    page = selectors.search(actor=ANONYMOUS, query="编译原理", since=since, first=2)
    later = since + timedelta(seconds=3)  # the next request computes "a day ago" anew
    rest = selectors.search(actor=ANONYMOUS, query="编译原理", since=later, first=10,
                            after=page.end_cursor)
    assert len(page.items) + len(rest.items) == 5


# --- bad input -------------------------------------------------------------------------


HOSTILE = [
    "", "   ", "数" * 10_000, "a" * 10_000, '"高等数学"', '"', "'", "数学 AND 物理",
    "数学 OR 物理", "AND", "OR NOT", "*", "数*", "' OR 1=1 --", "1; DROP TABLE search_fts; --",
    "title:(a OR b)^3~", "高等 -数学 +复习 | & ! <-> :* ()", "\x00数学", "NEAR(数学 物理)",
    "数学\"*\"", "%_", "🙂数学🙂", "ｆｕｌｌｗｉｄｔｈ　数学",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_give_results_or_invalid(index, query):
    post(make_user(), "高等数学 AND 大学物理 OR 复习")
    index()
    try:
        page = selectors.search(actor=ANONYMOUS, query=query)
    except Invalid as error:
        assert error.field == "query"
        assert error.message
    else:
        assert isinstance(page.items, list)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"sort": "random"}, "sort"), ({"kinds": ["secret"]}, "kinds"), ({"first": 0}, "first"),
    ({"after": "x" * 500}, "after"),
])
def test_bad_arguments_are_invalid(kwargs, field):
    with pytest.raises(DomainError) as error:
        selectors.search(actor=ANONYMOUS, query="数学", **kwargs)
    assert error.value.code == "INVALID"
    assert error.value.field == field
