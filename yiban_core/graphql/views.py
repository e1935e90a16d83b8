from django.views.decorators.csrf import csrf_exempt  # noqa: F401
from graphene_django.views import GraphQLView

graphql_view = GraphQLView.as_view(graphiql=True)
