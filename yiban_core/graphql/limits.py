"""How big a GraphQL query may be: depth, aliases and cost, checked before it runs.

One validation rule (graphql-core) measures each operation of a document once,
fragments and inline fragments expanded, and refuses what is over a limit with
a typed error (HTTP 400, nothing executed):

- depth: how many fields a field is nested in (graphene's measure; each
  connection hop takes three: x.edges.node), at most GRAPHQL_MAX_DEPTH;
  code QUERY_TOO_DEEP;
- aliases: aliased fields per operation, at most GRAPHQL_MAX_ALIASES (one field
  asked for many times under other names is the cheapest way to multiply work);
  code TOO_MANY_ALIASES;
- cost: every field costs 1 (`__typename` is free). A paginated field (one that
  takes `first`/`last`: connections, leaderboards) multiplies the cost of its
  list children (`edges`, `rows`) by its page size: the argument, literal or
  variable, else the default page size, capped at GRAPHQL_MAX_PAGE_SIZE. Nested
  pages multiply, so `first: 100` inside `first: 100` costs over 10,000.
  At most GRAPHQL_MAX_COST; code QUERY_TOO_COSTLY.

The numbers live in settings (yiban_core/settings.py) and are read on each
request; the developer docs page shows the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from graphql.validation import ValidationContext, ValidationRule

from yiban_core.graphql.connections import DEFAULT_PAGE_SIZE, max_page_size

PAGE_SIZE_ARGUMENTS = ("first", "last")

QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"


def max_depth() -> int:
    return settings.GRAPHQL_MAX_DEPTH


def max_aliases() -> int:
    return settings.GRAPHQL_MAX_ALIASES


def max_cost() -> int:
    return settings.GRAPHQL_MAX_COST


@dataclass(frozen=True)
class Tally:
    """What a selection set adds up to: cost points, height (nesting below it), aliases."""

    cost: int = 0
    height: int = 0
    aliases: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.cost + other.cost, max(self.height, other.height),
                     self.aliases + other.aliases)


@dataclass
class QueryReport:
    """Filled by the rule: the cost of each operation, by name (None: an anonymous one)."""

    costs: dict[str | None, int] = field(default_factory=dict)

    def cost_of(self, operation_name: str | None) -> int | None:
        if operation_name is not None:
            return self.costs.get(operation_name)
        return next(iter(self.costs.values())) if len(self.costs) == 1 else None


class _Measure:
    """Walks one operation; fragments are measured once per page size (memoised), so a
    document that spreads a fragment many times cannot make the walk itself expensive."""

    def __init__(self, context: ValidationContext, operation: OperationDefinitionNode,
                 variables: dict[str, Any]):
        self.schema = context.schema
        self.fragments = {d.name.value: d for d in context.document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self.variables = dict(variables)
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and isinstance(definition.default_value, IntValueNode):
                self.variables[name] = int(definition.default_value.value)
        self.memo: dict[tuple[str, int | None], Tally] = {}
        self.visiting: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> Tally:
        root = self.schema.get_root_type(operation.operation)
        return self.selections(operation.selection_set, root, None)

    def selections(self, selection_set: SelectionSetNode | None, parent, page: int | None) -> Tally:
        total = Tally()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = (self.schema.get_type(selection.type_condition.name.value)
                             if selection.type_condition else parent)
                total += self.selections(selection.selection_set, condition, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.spread(selection.name.value, page)
        return total

    def spread(self, name: str, page: int | None) -> Tally:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.visiting:  # unknown or cyclic: other rules report it
            return Tally()
        key = (name, page)
        if key not in self.memo:
            self.visiting.add(name)
            condition = self.schema.get_type(fragment.type_condition.name.value)
            self.memo[key] = self.selections(fragment.selection_set, condition, page)
            self.visiting.discard(name)
        return self.memo[key]

    def field(self, node: FieldNode, parent, page: int | None) -> Tally:
        aliases = 1 if node.alias else 0
        name = node.name.value
        if name == "__typename":
            return Tally(0, 0, aliases)
        definition = self.definition(parent, name)
        if definition is None or node.selection_set is None:
            return Tally(1, 0, aliases)
        own_page = self.page_size(node) if any(
            arg in definition.args for arg in PAGE_SIZE_ARGUMENTS) else None
        below = self.selections(node.selection_set, get_named_type(definition.type), own_page)
        # A paginated parent's list children (edges, rows) repeat once per item of the page.
        is_list = is_list_type(get_nullable_type(definition.type))
        repeat = page if page is not None and is_list else 1
        return Tally(repeat * (1 + below.cost), 1 + below.height, aliases + below.aliases)

    def definition(self, parent, name: str):
        if name == "__schema" and parent is self.schema.query_type:
            return SchemaMetaFieldDef
        if name == "__type" and parent is self.schema.query_type:
            return TypeMetaFieldDef
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return parent.fields.get(name)
        return None

    def page_size(self, node: FieldNode) -> int:
        sizes = []
        for argument in node.arguments:
            if argument.name.value not in PAGE_SIZE_ARGUMENTS:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                sizes.append(int(value.value))
            elif isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int) and not isinstance(given, bool):
                    sizes.append(given)
        size = max(sizes) if sizes else DEFAULT_PAGE_SIZE
        # Above the cap the resolver refuses the page; it still costs a full page here.
        return max(0, min(size, max_page_size()))


def query_limits(variables: dict[str, Any] | None = None,
                 report: QueryReport | None = None) -> type[ValidationRule]:
    """The validation rule for one request (its variables give `first: $n` its value)."""
    variables = variables if isinstance(variables, dict) else {}

    class QueryLimits(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            tally = _Measure(self.context, node, variables).operation(node)
            name = node.name.value if node.name else None
            if report is not None:
                report.costs[name] = tally.cost
            if tally.height > max_depth():
                self.report_error(GraphQLError(
                    _("查询嵌套过深：depth %(depth)d，上限 %(max)d")
                    % {"depth": tally.height, "max": max_depth()},
                    node, extensions={"code": QUERY_TOO_DEEP, "depth": tally.height,
                                      "limit": max_depth()}))
            if tally.aliases > max_aliases():
                self.report_error(GraphQLError(
                    _("别名过多：%(aliases)d 个，上限 %(max)d 个")
                    % {"aliases": tally.aliases, "max": max_aliases()},
                    node, extensions={"code": TOO_MANY_ALIASES, "aliases": tally.aliases,
                                      "limit": max_aliases()}))
            if tally.cost > max_cost():
                self.report_error(GraphQLError(
                    _("查询代价过高：%(cost)d 点，上限 %(max)d 点；请减小 first 或少取嵌套列表")
                    % {"cost": tally.cost, "max": max_cost()},
                    node, extensions={"code": QUERY_TOO_COSTLY, "cost": tally.cost,
                                      "limit": max_cost()}))
            return self.SKIP

    return QueryLimits
