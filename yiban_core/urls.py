from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from oauth2_provider.views import OAuthServerMetadataView

from frontend.views.language import set_language
from yiban_core.graphql.views import graphql_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql", graphql_view, name="graphql"),
    path("o/", include("openapi_plugins.oauth_urls", namespace="oauth2_provider")),
    path(".well-known/oauth-authorization-server", OAuthServerMetadataView.as_view()),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("frontend.urls")),
]

if settings.DEBUG:
    # Uploaded files (avatars) on the embedded default; production serves them from storage.
    urlpatterns.append(path("media/<path:path>", serve,
                            {"document_root": settings.MEDIA_ROOT}))
