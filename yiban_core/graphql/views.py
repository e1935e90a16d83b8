"""The one GraphQL endpoint, /graphql, for the web UI and OAuth apps.

- Cookie sessions keep Django's CSRF protection: a POST needs the CSRF token
  (header X-CSRFToken), which the page reads from the csrftoken cookie this view
  sets. Bearer-token requests carry no cookie and are exempted from CSRF by the
  token authentication (openapi_plugins.auth), not by this view.
- GET runs queries only; mutations must be POSTed (graphene-django's rule).
- GraphiQL is off here: graphene-django's page loads React and GraphiQL from a
  CDN. The explorer (/developers/explorer) serves its own copy.
- Errors go through yiban_core.graphql.errors.format_error: DomainErrors carry
  their code, other exceptions are logged and, with DEBUG off, reported as a
  generic "Internal server error".
- A malformed request is the client's error, never INTERNAL: a body that is not
  JSON (or nested too deep to read), `query` or `operationName` not a string,
  `variables` not an object, a NUL character anywhere in them or in a string
  literal of the query, or a number literal of over 100 digits is a 400 with
  code INVALID. NUL is refused, never stripped, as everywhere (yiban_core/nul.py).
- Limits, in this order, all before anything executes:
  1. one point of the rate budget (yiban_core.graphql.rate_limits) for any request;
  2. the query is parsed and validated with graphql-core's rules plus depth,
     aliases and cost (yiban_core.graphql.limits): over a limit is a 400;
  3. the rest of the query's cost is charged: over the budget is a 429 with
     Retry-After, code RATE_LIMITED.
  Every response reports `extensions.rateLimit` {limit, remaining, resetAt} and
  the X-RateLimit-* headers; an accepted query also `extensions.cost`.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.http.response import HttpResponseBadRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    BREAK,
    ExecutionResult,
    GraphQLError,
    IntValueNode,
    OperationType,
    StringValueNode,
    Visitor,
    execute,
    get_operation_ast,
    parse,
    validate_schema,
    visit,
)
from graphql.validation import specified_rules, validate

from yiban_core.accounts.two_factor import must_verify
from yiban_core.graphql import idempotency
from yiban_core.graphql.errors import format_error
from yiban_core.graphql.limits import QueryReport, max_cost, query_limits
from yiban_core.graphql.rate_limits import Budget, BudgetExceeded
from yiban_core.nul import contains_unstorable, unstorable_message
from yiban_core.unavailable import is_unavailable


def bad_request(message: str) -> HttpError:
    return HttpError(HttpResponseBadRequest(message), message)


# Far past any Int (32 bits) or ID; Python's int() refuses literals of over 4,300 digits.
MAX_NUMBER_LITERAL = 100


class _LiteralCheck(Visitor):
    """Finds what no literal of a query may hold: a NUL in a string (written as
    \\u0000), or a number too long to read."""

    def __init__(self):
        super().__init__()
        self.refusal: str | None = None

    def enter_string_value(self, node: StringValueNode, *_args):
        if contains_unstorable(node.value):
            self.refusal = unstorable_message()
            return BREAK
        return None

    def enter_int_value(self, node: IntValueNode, *_args):
        if len(node.value) > MAX_NUMBER_LITERAL:
            self.refusal = _("数字太长")
            return BREAK
        return None


def literal_refusal(document) -> str | None:
    """Why the literals of this query are refused, or None."""
    check = _LiteralCheck()
    visit(document, check)
    return check.refusal


class RateLimitedError(HttpError):
    """A request over its budget: 429 with Retry-After and a typed error."""

    def __init__(self, exceeded: BudgetExceeded):
        response = HttpResponse(status=429)
        response["Retry-After"] = str(exceeded.retry_after)
        message = _("请求太频繁：本时段的额度已用完或不够这次查询，请 %(s)d 秒后再试") % {
            "s": exceeded.retry_after}
        super().__init__(response, message)
        self.retry_after = exceeded.retry_after


class YibanGraphQLView(GraphQLView):
    graphiql = False

    def dispatch(self, request, *args, **kwargs):
        if must_verify(request):
            # An administrator's session that has not passed its second factor holds the
            # same powers here as on the pages the factor guards (ADMIN_REQUIRE_2FA).
            return JsonResponse({"errors": [{
                "message": _("请先完成两步验证：%(url)s") % {"url": reverse("two_factor_verify")},
                "extensions": {"code": "PERMISSION_DENIED"}}]}, status=403)
        self.budget = Budget.for_request(request)
        self.cost: dict[str, int] | None = None
        try:
            self.budget.charge(1)
        except BudgetExceeded as exceeded:
            error = RateLimitedError(exceeded)
            response = error.response
            response["Content-Type"] = "application/json"
            response.content = self.json_encode(request, {"errors": [self.format_error(error)]})
        else:
            response = super().dispatch(request, *args, **kwargs)
        if self.budget.status is not None:
            for name, value in self.budget.status.headers().items():
                response[name] = value
        if getattr(request, "retry_after", 0) and "Retry-After" not in response:
            response["Retry-After"] = str(request.retry_after)  # a mutation was RATE_LIMITED
        return response

    def json_encode(self, request, d: dict[str, Any], pretty: bool = False) -> str:
        extensions = dict(d.get("extensions") or {})
        if getattr(self, "cost", None) is not None:
            extensions["cost"] = self.cost
        budget = getattr(self, "budget", None)
        if budget is not None and budget.status is not None:
            extensions["rateLimit"] = budget.status.extensions()
        if extensions:
            d = {**d, "extensions": extensions}
        return super().json_encode(request, d, pretty)

    def parse_body(self, request):
        try:
            return super().parse_body(request)
        except RecursionError:  # JSON nested deeper than Python's parser goes
            raise bad_request(_("请求体的 JSON 嵌套太深")) from None

    def get_graphql_params(self, request, data):
        """graphene-django's, with each parameter's type checked: a wrong one is the
        client's error (400, INVALID), not a TypeError deep in graphql-core."""
        query, variables, operation_name, id_ = super().get_graphql_params(request, data)
        if query is not None and not isinstance(query, str):
            raise bad_request(_("query 必须是字符串"))
        if variables in ("", [], 0, False):  # "no variables", as some clients send it
            variables = None
        if variables is not None and not isinstance(variables, dict):
            raise bad_request(_("variables 必须是 JSON 对象"))
        if operation_name is not None and not isinstance(operation_name, str):
            raise bad_request(_("operationName 必须是字符串"))
        if contains_unstorable([query, variables, operation_name]):
            raise bad_request(unstorable_message())
        return query, variables, operation_name, id_

    @staticmethod
    def format_error(error):
        if isinstance(error, RateLimitedError):
            return {"message": error.message,
                    "extensions": {"code": "RATE_LIMITED", "retryAfter": error.retry_after}}
        return format_error(error)

    def execute_graphql_request(self, request, data, query, variables, operation_name,
                                show_graphiql=False):
        """graphene-django's, with the limits checked and the budget charged between
        validation and execution."""
        if not query:
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        schema = self.schema.graphql_schema
        schema_errors = validate_schema(schema)
        if schema_errors:
            return ExecutionResult(data=None, errors=schema_errors)
        try:
            document = parse(query)
        except Exception as e:  # a GraphQLSyntaxError, reported as graphene does
            return ExecutionResult(errors=[e])
        refusal = literal_refusal(document)
        if refusal:
            return ExecutionResult(errors=[GraphQLError(
                refusal, extensions={"code": "INVALID", "field": None})])

        operation_ast = get_operation_ast(document, operation_name)
        if (request.method.lower() == "get" and operation_ast is not None
                and operation_ast.operation != OperationType.QUERY):
            raise HttpError(HttpResponseNotAllowed(
                ["POST"], f"Can only perform a {operation_ast.operation.value} operation "
                "from a POST request."))

        report = QueryReport()
        rules = (*specified_rules, query_limits(variables, report))
        errors = validate(schema, document, rules, graphene_settings.MAX_VALIDATION_ERRORS)
        cost = report.cost_of(operation_name) if not errors else None
        if cost is not None and cost > 1:
            try:
                self.budget.charge(cost - 1)  # the first point was charged on arrival
            except BudgetExceeded as exceeded:
                raise RateLimitedError(exceeded) from None
        if errors:
            return ExecutionResult(data=None, errors=errors)
        self.cost = {"requested": cost or 1, "limit": max_cost()}

        result = self._execute(request, schema, query, document, operation_ast, variables,
                               operation_name)
        for error in result.errors or ():
            cause = getattr(error, "original_error", None) or error
            if is_unavailable(cause):
                # Not a field's error: the database is out of reach for a moment, and
                # the handler of uncaught errors answers 503 (yiban_core/unavailable.py).
                raise cause
        return result

    def _execute(self, request, schema, query, document, operation_ast, variables,
                 operation_name):
        try:
            options = {
                "root_value": self.get_root_value(request),
                "context_value": self.get_context(request),
                "variable_values": variables,
                "operation_name": operation_name,
                "middleware": self.get_middleware(request),
            }
            if self.execution_context_class:
                options["execution_context_class"] = self.execution_context_class
            is_mutation = (operation_ast is not None
                           and operation_ast.operation == OperationType.MUTATION)
            key = request.headers.get(idempotency.HEADER)
            actor_id = idempotency.identity(request.actor) if is_mutation else None
            if key is not None and actor_id is not None:
                refusal = idempotency.check_key(key)
                if refusal is not None:
                    return refusal

                def run():
                    result = execute(schema, document, **options)
                    return result, getattr(request, MUTATION_ERRORS_FLAG, False) is True

                return idempotency.run_once(
                    actor_id=actor_id, key=key, operation_name=operation_name,
                    request_hash=idempotency.fingerprint(query, variables, operation_name),
                    execute=run)
            if (is_mutation
                    and (graphene_settings.ATOMIC_MUTATIONS is True
                         or connection.settings_dict.get("ATOMIC_MUTATIONS", False) is True)):
                with transaction.atomic():
                    result = execute(schema, document, **options)
                    if getattr(request, MUTATION_ERRORS_FLAG, False) is True:
                        transaction.set_rollback(True)
                return result
            return execute(schema, document, **options)
        except Exception as e:
            return ExecutionResult(errors=[e])


graphql_view = YibanGraphQLView.as_view()
