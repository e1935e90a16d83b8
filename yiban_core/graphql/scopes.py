"""Scopes next to fields: every root query field and mutation says what a token needs.

Saleor's PermissionsField idea, as a declaration: the scope is written where the
field is declared (`ScopedField(..., scope=...)`, `connection_field(..., scope=...)`,
a mutation's `scope`) and printed in its description ("Scope: `feed:read`."), so
an app's developer reads it in schema.graphql and the explorer. The services and
selectors stay the authority: they check the token's scopes, the one place each
rule lives. tests/openapi/test_field_scopes.py holds every declaration to what a
token without the scope actually gets.

A declaration is a scope name, several (a token needs all of them), one of
- NO_SCOPE: anyone may ask, with any token (public reads, signing up);
- WEB_SESSION_ONLY: a token is always refused (the account, the daily check-in);
or, for a field that returns several kinds of object, a scope per kind (a dict:
what -> scope or NO_SCOPE; PER_KIND is that of `node` and `search`).
"""

from __future__ import annotations

import graphene

NO_SCOPE = "none"
WEB_SESSION_ONLY = "web session only"
PER_KIND = {"posts and topics": "feed:read", "resources": "resources:read",
            "groups": "groups:read", "people": "profile"}
# `node` reaches a person's conversations and messages too (search never does).
NODE_KINDS = {**PER_KIND, "conversations and messages": "messages:read"}

Scope = str | tuple[str, ...] | dict[str, str]

_NOTES = {
    NO_SCOPE: "Scope: none.",
    WEB_SESSION_ONLY: "Scope: none; web session only (a token is refused).",
}


def scope_note(scope: Scope) -> str:
    if isinstance(scope, dict):
        return "Scope: per kind: " + "; ".join(
            f"none for {what}" if name == NO_SCOPE else f"`{name}` for {what}"
            for what, name in scope.items()) + "."
    if isinstance(scope, tuple):
        return "Scope: " + " and ".join(f"`{name}`" for name in scope) + "."
    return _NOTES.get(scope) or f"Scope: `{scope}`."


def scoped(scope: Scope, field: graphene.Field) -> graphene.Field:
    """The field, its description ending with its scope."""
    if not scope:
        raise ValueError("a root field declares its scope (a name, NO_SCOPE, ...)")
    field.description = "\n\n".join(filter(None, [field.description, scope_note(scope)]))
    return field


class ScopedField(graphene.Field):
    """A root query field with its scope: `ScopedField(PostNode, scope="feed:read", ...)`."""

    def __init__(self, *args, scope: Scope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        scoped(scope, self)
