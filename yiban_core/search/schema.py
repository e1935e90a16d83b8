"""GraphQL `search`: one search over posts, resources, groups, people and topics.

Thin: parse the input, call yiban_core.search.selectors.search with the request's
actor, shape the output. The selector decides what the viewer may see, kind by
kind, and applies the token's scopes (a token without feed:read finds no posts
or topics, without resources:read no resources, without groups:read no groups,
without profile no people). Bad input (an empty or too long query, an unknown
kind, a mangled cursor, a bad ID) is a null `search` with an INVALID error that
names the field.

Each result carries its object as `node`, the same Post, Resource, Group, User
or Topic type the rest of the schema uses, and a `snippet`: an HTML excerpt in
which the text is escaped and every matched word is wrapped in <mark>.
"""

from __future__ import annotations

from datetime import timedelta

import graphene
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from yiban_core.errors import Invalid
from yiban_core.graphql.connections import DEFAULT_PAGE_SIZE, Connection, max_page_size
from yiban_core.graphql.enums import enum_value
from yiban_core.graphql.relay import decode_global_id
from yiban_core.graphql.scopes import PER_KIND, ScopedField
from yiban_core.search import selectors
from yiban_core.search.registry import SOURCES

MAX_SUGGESTIONS = 10
PERIODS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30),
           "year": timedelta(days=365)}


class SearchKind(graphene.Enum):
    """What a search result is."""

    POST = "post"
    TOPIC = "topic"
    RESOURCE = "resource"
    GROUP = "group"
    USER = "user"

    @property
    def description(self):
        return {
            SearchKind.POST: "动态",
            SearchKind.TOPIC: "话题",
            SearchKind.RESOURCE: "学习资源",
            SearchKind.GROUP: "群组",
            SearchKind.USER: "用户",
        }.get(self)


class SearchSort(graphene.Enum):
    """How search results are ordered."""

    RELEVANCE = "relevance"
    NEWEST = "newest"
    RATING = "rating"

    @property
    def description(self):
        return {
            SearchSort.RELEVANCE: "最相关的在前（在最新的 1000 条匹配中排序）",
            SearchSort.NEWEST: "最新的在前",
            SearchSort.RATING: "评分最高的在前（资源的贝叶斯平均分；其他类型为 0）",
        }.get(self)


class SearchPeriod(graphene.Enum):
    """Only what was created in this recent period."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"

    @property
    def description(self):
        return {
            SearchPeriod.DAY: "最近一天",
            SearchPeriod.WEEK: "最近一周",
            SearchPeriod.MONTH: "最近 30 天",
            SearchPeriod.YEAR: "最近一年",
        }.get(self)


# The node types, batch loaders and subject enum come from the registered sources
# (yiban_core.search.registry), so the core names none of the apps above it. The
# union lists the kinds in this order, then any other kind a plugin registers.
_KIND_ORDER = ("post", "resource", "group", "user", "topic")


def _by_kind(attribute: str) -> dict[str, object]:
    def order(kind: str) -> tuple[int, str]:
        return (_KIND_ORDER.index(kind) if kind in _KIND_ORDER else len(_KIND_ORDER), kind)

    return {kind: import_string(getattr(SOURCES[kind], attribute))
            for kind in sorted(SOURCES, key=order) if getattr(SOURCES[kind], attribute)}


_NODE_TYPES = _by_kind("node")
_PREPARE = _by_kind("prepare")
_SUBJECT = next(iter(_by_kind("subject_enum").values()), graphene.String)


class SearchNode(graphene.Union):
    """The object a search result is about."""

    class Meta:
        types = tuple(_NODE_TYPES.values())

    @classmethod
    def resolve_type(cls, instance, info):
        for node in _NODE_TYPES.values():
            if isinstance(instance, node._meta.possible_types):
                return node
        return None


class SearchResult(graphene.ObjectType):
    """One search hit: what it is, its title, a highlighted excerpt and the object itself."""

    kind = graphene.Field(SearchKind, required=True)
    title = graphene.String(required=True, description="标题（原文，不是 HTML：显示时请转义）")
    snippet = graphene.String(
        required=True,
        description="摘要：HTML，文字已转义，匹配的词用 <mark> 标出，可直接插入页面",
    )
    score = graphene.Float(
        required=True,
        description="排序依据：相关度（RELEVANCE）、评分（RATING）；只用于比较同一次搜索的结果",
    )
    node = graphene.Field(SearchNode, required=True, description="结果对应的对象")

    @staticmethod
    def resolve_kind(result, info):
        return result.kind

    @staticmethod
    def resolve_snippet(result, info) -> str:
        return str(result.snippet)

    @staticmethod
    def resolve_node(result, info):
        return result.object


class SearchResultConnection(Connection):
    class Meta:
        node = SearchResult


def _prime(info, results) -> None:
    """Queue a page of results, kind by kind, in the batch loaders of what they show."""
    for kind, prepare in _PREPARE.items():
        objects = [r.object for r in results if r.kind == kind]
        if objects:
            prepare(info, objects)


class Query(graphene.ObjectType):
    search = ScopedField(
        SearchResultConnection,
        description="全站搜索：动态、学习资源、群组、用户和话题。中文按词切分，支持拼音；"
        "只返回你能看到的内容，令牌还受权限范围限制",
        query=graphene.String(required=True,
                              description="搜索词：只用前 100 个字，超过 500 个字为 INVALID"),
        kinds=graphene.List(graphene.NonNull(SearchKind), description="只搜这些类型；默认全部"),
        school_id=graphene.ID(description="只搜这所学校的内容"),
        subject=graphene.Argument(_SUBJECT, description="学科（只有资源有学科）"),
        course_id=graphene.ID(description="课程（只有资源属于课程）"),
        since=graphene.Argument(SearchPeriod, description="时间范围；默认不限"),
        sort=graphene.Argument(SearchSort, description="默认 RELEVANCE"),
        first=graphene.Int(description=f"页大小，1 到 {max_page_size()}，默认 {DEFAULT_PAGE_SIZE}"),
        after=graphene.String(description="上一页的 endCursor"),
        scope=PER_KIND,
    )

    search_suggestions = ScopedField(
        graphene.NonNull(graphene.List(graphene.NonNull(SearchResult))),
        description="边输入边提示：与搜索词匹配的几位用户、几个群组和话题（最后一个词按前缀匹配，"
        "支持课程简称和拼音，如“高数”“gaoshu”“gs”）；只返回你能看到的",
        query=graphene.String(required=True, description="正在输入的搜索词"),
        per_kind=graphene.Int(description=f"每类最多几条，1 到 {MAX_SUGGESTIONS}，默认 4"),
        scope=PER_KIND,
    )

    @staticmethod
    def resolve_search_suggestions(root, info, query, per_kind=None):
        if per_kind is not None and not 1 <= per_kind <= MAX_SUGGESTIONS:
            raise Invalid(_("perKind 须在 1 到 %(max)d 之间") % {"max": MAX_SUGGESTIONS},
                          field="perKind")
        results = selectors.suggest(actor=info.context.actor, query=query,
                                    per_kind=per_kind or 4)
        _prime(info, results)
        return results

    @staticmethod
    def resolve_search(root, info, query, kinds=None, school_id=None, subject=None,
                       course_id=None, since=None, sort=None, first=None, after=None):
        if first is not None and not 1 <= first <= max_page_size():
            raise Invalid(_("first 须在 1 到 %(max)d 之间") % {"max": max_page_size()},
                          field="first")
        page = selectors.search(
            actor=info.context.actor, query=query,
            kinds=[enum_value(k) for k in kinds] if kinds else None,
            school_id=decode_global_id(school_id, expected="School", field="schoolId")
            if school_id else None,
            subject=enum_value(subject) or "",
            course_id=decode_global_id(course_id, expected="Course", field="courseId")
            if course_id else None,
            since=timezone.now() - PERIODS[enum_value(since)] if since else None,
            sort=enum_value(sort) or "relevance", first=first or DEFAULT_PAGE_SIZE, after=after,
        )
        _prime(info, page.items)
        edges = [SearchResultConnection.Edge(node=r, cursor=r.cursor) for r in page.items]
        return SearchResultConnection(
            edges=edges,
            page_info=graphene.relay.PageInfo(
                has_next_page=page.has_next, has_previous_page=False,
                start_cursor=page.items[0].cursor if page.items else None,
                end_cursor=page.end_cursor,
            ),
        )


types = [SearchResult]
