from django.apps import AppConfig


class OpenApiConfig(AppConfig):
    """The open platform: OAuth apps, scopes, school installs, webhooks, plugin registry."""

    name = "openapi_plugins"
    label = "openapi"
    verbose_name = "开放平台"
