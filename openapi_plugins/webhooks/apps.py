from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Webhooks of the open platform: subscriptions, signed deliveries, retries."""

    name = "openapi_plugins.webhooks"
    label = "webhooks"
    verbose_name = "Webhook 推送"

    def ready(self):
        from openapi_plugins.webhooks import receivers

        receivers.connect()
