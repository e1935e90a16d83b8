"""The one GraphQL endpoint, /graphql, for the web UI and (later) OAuth apps.

- Cookie sessions keep Django's CSRF protection: a POST needs the CSRF token
  (header X-CSRFToken), which the page reads from the csrftoken cookie this view
  sets. Bearer-token requests (open platform issue) carry no cookie, so they
  will be exempted from CSRF by the token authentication, not by this view.
- GET runs queries only; mutations must be POSTed (graphene-django's rule).
- GraphiQL is off: graphene-django's GraphiQL page loads React and GraphiQL
  from a CDN, and our pages serve every asset themselves. The explorer page
  comes with the open platform issue, with vendored assets.
- Errors go through yiban_core.graphql.errors.format_error: DomainErrors carry
  their code, other exceptions are logged and, with DEBUG off, reported as a
  generic "Internal server error".
- Documents nested deeper than MAX_QUERY_DEPTH are refused before execution.
"""

from __future__ import annotations

from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView
from graphql.validation import specified_rules

from yiban_core.graphql.errors import format_error

MAX_QUERY_DEPTH = 15  # fields nested in fields; each connection hop takes three (x.edges.node)


class YibanGraphQLView(GraphQLView):
    graphiql = False
    # Given rules replace graphql-core's standard ones: keep those and add ours.
    validation_rules = (*specified_rules, depth_limit_validator(max_depth=MAX_QUERY_DEPTH))

    @staticmethod
    def format_error(error):
        return format_error(error)


graphql_view = YibanGraphQLView.as_view()
