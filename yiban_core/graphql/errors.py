"""How errors reach a GraphQL client: the one place DomainErrors are mapped.

- A mutation returns `errors: [UserError!]!` (field, code, message). Any
  DomainError raised while it runs becomes one such error in
  `DomainMutation.mutate_and_get_payload`, and the mutation's transaction is
  rolled back, so nothing is half-written. An empty list means success.
  A RATE_LIMITED one also puts Retry-After on the HTTP response (still 200:
  the rest of the operation may have run).
- A query field that raises a DomainError (not allowed, bad cursor, ...) is null
  and the response's `errors` entry carries `extensions: {code, field}`
  (`format_error`, used by the view).
- Anything else is a bug: it is logged with its traceback, and with DEBUG off
  the client only sees "Internal server error" (code INTERNAL), never a trace.

`field` names the input field in GraphQL spelling (camelCase, `groupId` for a
group given by ID), or is null when the error is about the request as a whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import graphene
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from graphene.utils.str_converters import to_camel_case
from graphql import GraphQLError

from yiban_core.errors import DomainError, RateLimited
from yiban_core.graphql.loaders import clear_loaders
from yiban_core.graphql.scopes import Scope, scoped

logger = logging.getLogger("yiban_core.graphql")

# Services name a looked-up object by what it is; the GraphQL input gives its ID.
ID_FIELDS = {
    "group": "groupId",
    "school": "schoolId",
    "request": "requestId",
    "invitation": "invitationId",
    "user": "userId",
}
INTERNAL_MESSAGE = "Internal server error / 服务器内部错误"


def graphql_field_name(field: str | None) -> str | None:
    if not field:
        return None
    return ID_FIELDS.get(field) or to_camel_case(field)


class ErrorCode(graphene.Enum):
    """Stable machine codes: an app branches on these, never on the message."""

    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"


class UserError(graphene.ObjectType):
    """Something the user can fix: what (code), where (field) and why (message)."""

    field = graphene.String(description="输入字段名（camelCase），与整个请求有关时为 null")
    code = graphene.Field(ErrorCode, required=True)
    message = graphene.String(required=True, description="给人看的说明（简体中文）")

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        return cls(field=graphql_field_name(error.field), code=error.code, message=error.message)


class DomainMutation(graphene.relay.ClientIDMutation):
    """Base of every mutation: subclasses implement `perform` and return the payload fields.

    `perform(info, actor, **input)` parses the input and calls one service;
    the actor is always `info.context.actor` (a web session today, an OAuth
    token later), and the service does every permission and scope check.
    """

    class Meta:
        abstract = True

    errors = graphene.List(graphene.NonNull(UserError), required=True,
                           description="为空表示成功 / empty on success")
    # Services name what they looked up (post); the input names it by ID (postId).
    error_fields: dict[str, str] = {}
    # What a token needs (yiban_core.graphql.scopes), shown in the field's description.
    scope: Scope = ""

    @classmethod
    def Field(cls, *args, **kwargs):  # graphene's name
        if not cls.scope:
            raise ImproperlyConfigured(f"{cls.__name__} declares no scope")
        return scoped(cls.scope, super().Field(*args, **kwargs))

    @classmethod
    def perform(cls, info, actor, **data: Any) -> dict[str, Any]:
        """Each mutation's own work: parse the input, call the service, shape the result."""
        raise NotImplementedError(f"{cls.__name__} must define perform()")

    @classmethod
    def mutate_and_get_payload(cls, root, info, **data: Any):
        data.pop("client_mutation_id", None)
        try:
            with transaction.atomic(), input_fields(cls.error_fields):
                result = cls.perform(info, info.context.actor, **data)
        except DomainError as error:
            if error.after_rollback is not None:
                error.after_rollback()
            if isinstance(error, RateLimited):  # the view sends it as Retry-After
                info.context.retry_after = max(getattr(info.context, "retry_after", 0),
                                               error.retry_after)
            return cls(errors=[UserError.from_domain(error)])
        finally:
            clear_loaders(info)
        return cls(errors=[], **result)


@contextmanager
def input_fields(names: dict[str, str]) -> Iterator[None]:
    """Errors name the input field (postId), not what the service looked up (post)."""
    try:
        yield
    except DomainError as error:
        error.field = names.get(error.field, error.field)
        raise


def format_error(error: Exception) -> dict[str, Any]:
    """The JSON of one entry of a response's `errors`."""
    if not isinstance(error, GraphQLError):
        # Raised outside execution (e.g. a broken request): graphene-django's HttpError
        # carries a message meant for the client; anything else is a bug.
        if hasattr(error, "response"):
            return {"message": str(getattr(error, "message", error)),
                    "extensions": {"code": "INVALID"}}
        logger.error("GraphQL request failed", exc_info=error)
        return {"message": str(error) if settings.DEBUG else INTERNAL_MESSAGE,
                "extensions": {"code": "INTERNAL"}}
    formatted = dict(error.formatted)
    original = error.original_error
    if isinstance(original, DomainError):
        formatted["message"] = original.message
        formatted["extensions"] = {"code": original.code,
                                   "field": graphql_field_name(original.field)}
    elif original is not None and not isinstance(original, GraphQLError):
        logger.error("GraphQL resolver failed at %s", error.path, exc_info=original)
        if not settings.DEBUG:
            formatted["message"] = INTERNAL_MESSAGE
        formatted["extensions"] = {"code": "INTERNAL"}
    return formatted
