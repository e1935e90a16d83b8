from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from yiban_core.graphql.views import graphql_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql", graphql_view, name="graphql"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("frontend.urls")),
]

if settings.DEBUG:
    # Uploaded files (avatars) on the embedded default; production serves them from storage.
    urlpatterns.append(path("media/<path:path>", serve,
                            {"document_root": settings.MEDIA_ROOT}))
