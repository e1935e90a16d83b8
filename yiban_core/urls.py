from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from frontend.views.language import set_language
from openapi_plugins.discovery import OAuthServerMetadataView
from yiban_core.files.views import protected_file, public_media
from yiban_core.graphql.views import graphql_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql", graphql_view, name="graphql"),
    path("o/", include("openapi_plugins.oauth_urls", namespace="oauth2_provider")),
    # RFC 8414 3.1: the metadata of the issuer `/o` (also at /o/.well-known/...).
    path(".well-known/oauth-authorization-server/o", OAuthServerMetadataView.as_view()),
    path("i18n/setlang/", set_language, name="set_language"),
    path("files/<path:name>", protected_file, name="protected_file"),
    path("", include("frontend.urls")),
]

if settings.DEBUG:
    # Avatars and app logos on the embedded default; production serves them from storage.
    # Protected files are never served here (yiban_core.files).
    urlpatterns.append(path("media/<path:path>", public_media))
