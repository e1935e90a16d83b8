"""GraphQL types, queries and mutations of points (网薪): one's own balance and history,
and the daily check-in.

Thin: parse the input, call a credits selector or service with the request's
actor, shape the output. A person's points are readable by that person only:
`myPoints` is always the viewer's own ledger (anonymous callers get null and
UNAUTHENTICATED), and `node(id:)` of someone else's ledger row is null.

The leaderboards (people, resources, groups) are one query, `leaderboard`, in
resources.schema: the core knows nothing of resources or posts, so the app at
the top of the stack assembles them. `PointEntryNode` and `MyPoints` live here.
"""

from __future__ import annotations

import graphene

from yiban_core.credits import selectors, services
from yiban_core.credits.models import PointEntry
from yiban_core.credits.rules import RULES
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import Node
from yiban_core.graphql.scopes import WEB_SESSION_ONLY, ScopedField


class PointEntryNode(graphene.ObjectType):
    """One row of the points ledger: an award (positive) or a deduction (negative)."""

    class Meta:
        name = "PointEntry"
        interfaces = (Node,)
        possible_types = (PointEntry,)

    amount = graphene.Int(required=True, description="正数为获得，负数为扣回")
    rule = graphene.String(required=True, description="规则代码，如 daily_checkin")
    label = graphene.String(required=True, description="规则名称，如“每日签到”")
    is_reversal = graphene.Boolean(
        required=True, description="这是扣回：获得它的内容被删除了"
    )
    created_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info, pk: int) -> PointEntry | None:
        # Only one's own ledger: someone else's row is null, like one that does not exist.
        return selectors.history(actor=info.context.actor).filter(pk=pk).first()

    @staticmethod
    def resolve_label(entry: PointEntry, info) -> str:
        rule = RULES.get(entry.rule)
        return str(rule.label) if rule else entry.rule

    @staticmethod
    def resolve_is_reversal(entry: PointEntry, info) -> bool:
        return entry.reverses_id is not None


class PointEntryConnection(Connection):
    class Meta:
        node = PointEntryNode


class MyPoints(graphene.ObjectType):
    """The viewer's own points: the balance and every award and deduction."""

    balance = graphene.Int(required=True, description="当前网薪余额")
    history = connection_field(PointEntryConnection, "网薪流水，最新的在前")

    @staticmethod
    def resolve_balance(root, info) -> int:
        return selectors.balance(actor=info.context.actor)

    @staticmethod
    def resolve_history(root, info, first=None, after=None):
        qs = selectors.history(actor=info.context.actor)
        return resolve_connection(PointEntryConnection, qs, first=first, after=after)


class Query(graphene.ObjectType):
    my_points = ScopedField(
        MyPoints, description="我的网薪：余额和流水（需登录；只能看自己的）", scope="profile"
    )

    @staticmethod
    def resolve_my_points(root, info):
        info.context.actor.require_user()  # anonymous: null, UNAUTHENTICATED
        return MyPoints()


class DailyCheckin(DomainMutation):
    """Check in for today (每日签到) and earn its points; a second check-in today is CONFLICT."""

    scope = WEB_SESSION_ONLY

    entry = graphene.Field(PointEntryNode, description="这次签到记下的流水")
    balance = graphene.Int(description="签到后的余额")

    @classmethod
    def perform(cls, info, actor):
        entry = services.daily_checkin(actor=actor)
        return {"entry": entry, "balance": selectors.balance(actor=actor)}


class Mutation(graphene.ObjectType):
    daily_checkin = DailyCheckin.Field()


types = [PointEntryNode]
