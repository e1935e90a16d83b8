"""The GraphQL schema, assembled from the apps' `schema` modules.

Each module in SCHEMA_MODULES may define `Query` and `Mutation` (graphene
ObjectTypes, merged into the root types) and `types` (extra types to register,
e.g. node types reachable only through `node(id:)`). Plugins of the open
platform add theirs through their AppConfig (`plugin.schema_module`), so the core
never names them: an uninstalled plugin has no fields.

The printed schema lives in schema.graphql at the repository root; regenerate
it after a change with

    .venv/bin/python manage.py graphql_schema --schema yiban_core.graphql.schema.schema \
        --out schema.graphql
"""

from __future__ import annotations

from importlib import import_module

import graphene
from django.apps import apps

from yiban_core.graphql.relay import Node
from yiban_core.graphql.scopes import NODE_KINDS, scoped

SCHEMA_MODULES = [
    "yiban_core.accounts.schema",
    "yiban_core.groups.schema",
    "yiban_core.notifications.schema",
    "yiban_core.credits.schema",
    "yiban_core.moderation.schema",
    "feeds.schema",
    "resources.schema",
    "classroom.schema",
    "messages.schema",
    "yiban_core.search.schema",
    "yiban_core.verification.schema",
]


class NodeQuery(graphene.ObjectType):
    node = scoped(NODE_KINDS, Node.Field(description="按全局 ID 取对象；看不到或不存在时为 null"))


def build_schema(module_names: list[str]) -> graphene.Schema:
    modules = [import_module(name) for name in module_names]
    queries = [module.Query for module in modules if hasattr(module, "Query")]
    mutations = [module.Mutation for module in modules if hasattr(module, "Mutation")]
    types = [t for module in modules for t in getattr(module, "types", [])]
    # graphene lists the fields of the last base first: reverse, so the schema
    # reads node, then the apps in the order of SCHEMA_MODULES.
    query = type("Query", tuple(reversed([NodeQuery, *queries])), {})
    mutation = type("Mutation", tuple(reversed(mutations)), {}) if mutations else None
    return graphene.Schema(query=query, mutation=mutation, types=types or None)


def plugin_schema_modules() -> list[str]:
    plugins = (getattr(config, "plugin", None) for config in apps.get_app_configs())
    return [p.schema_module for p in plugins if getattr(p, "schema_module", None)]


schema = build_schema([*SCHEMA_MODULES, *plugin_schema_modules()])
