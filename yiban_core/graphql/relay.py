"""Relay global IDs and the `node(id:)` query.

A global ID is base64("TypeName:pk"), as Relay expects. Every node type
resolves through its app's selectors (`get_node`), so `node(id:)` obeys the
same visibility rules as every other read: an object the viewer may not see
resolves to null, exactly like one that does not exist.
"""

from __future__ import annotations

import binascii
from typing import Any

import graphene
from django.utils.translation import gettext as _
from graphql_relay import from_global_id, to_global_id

from yiban_core.errors import DomainError, Invalid
from yiban_core.ids import parse_id


def global_id(type_name: str, pk: int) -> str:
    return to_global_id(type_name, str(pk))


def decode_global_id(value: Any, *, expected: str | tuple[str, ...], field: str) -> int:
    """The primary key inside a global ID of one of the `expected` types, or Invalid."""
    expected_types = (expected,) if isinstance(expected, str) else expected
    label = "/".join(expected_types)
    try:
        type_name, raw_pk = from_global_id(str(value or ""))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise Invalid(_("不是有效的 %(type)s ID") % {"type": label}, field=field) from None
    if type_name not in expected_types:
        raise Invalid(_("这个 ID 不是 %(type)s 的 ID") % {"type": label}, field=field)
    pk = parse_id(raw_pk) if raw_pk == raw_pk.strip() else None
    if pk is None:
        raise Invalid(_("不是有效的 %(type)s ID") % {"type": label}, field=field)
    return pk


class Node(graphene.relay.Node):
    """An object with a global ID. A node the viewer may not see is null."""

    class Meta:
        name = "Node"

    @classmethod
    def get_node_from_global_id(cls, info, global_id, only_type=None):
        try:
            type_name, _pk = from_global_id(str(global_id or ""))
        except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
            raise Invalid(_("不是有效的 ID"), field="id") from None
        schema_type = info.schema.get_type(type_name) if type_name else None
        graphene_type = getattr(schema_type, "graphene_type", None)
        if (
            graphene_type is None
            or cls not in getattr(graphene_type._meta, "interfaces", ())
            or (only_type and graphene_type is not only_type)
        ):
            raise Invalid(_("不是有效的 ID"), field="id")
        pk = decode_global_id(global_id, expected=type_name, field="id")
        try:
            return graphene_type.get_node(info, pk)
        except DomainError:
            # Not allowed to see it, or gone: indistinguishable on purpose.
            return None
