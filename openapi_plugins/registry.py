"""The plugin registry: what each installed plugin adds to the open platform.

A plugin is a Django app under openapi_plugins/ whose AppConfig has a `plugin`
attribute (a Plugin). Listing the app in settings.OPENAPI_PLUGINS installs it;
removing it takes away its scopes, GraphQL fields and webhook events, with no
change to the core, which never imports a plugin by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings


@dataclass(frozen=True)
class Plugin:
    name: str  # short and stable: the key of its settings
    scopes: dict[str, Any] = field(default_factory=dict)  # scope -> plain words (lazy gettext)
    schema_module: str | None = None  # a module with Query / Mutation / types
    webhook_events: tuple = ()  # WebhookEvent objects (openapi_plugins.events)
    settings: dict[str, Any] = field(default_factory=dict)  # defaults

    def setting(self, key: str) -> Any:
        """A plugin setting: settings.OPENAPI_PLUGIN_SETTINGS[name][key], else the default."""
        overrides = getattr(settings, "OPENAPI_PLUGIN_SETTINGS", {}).get(self.name, {})
        return overrides.get(key, self.settings[key])


def installed_plugins() -> list[Plugin]:
    return [config.plugin for config in apps.get_app_configs()
            if isinstance(getattr(config, "plugin", None), Plugin)]


def plugin(name: str) -> Plugin:
    for candidate in installed_plugins():
        if candidate.name == name:
            return candidate
    raise LookupError(f"plugin {name!r} is not installed")
