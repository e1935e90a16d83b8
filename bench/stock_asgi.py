"""The baseline of bench/realtime.py: a stock Channels consumer, as the tutorial writes it.

A plain ``AsyncJsonWebsocketConsumer`` behind ``AuthMiddlewareStack``: on connect it
refuses anonymous users, joins ``user.<id>`` and, when the URL asks for it
(``/ws/stock/?group=<id>``), ``group.<id>``; it forwards every group message
``{"type": "stock.event", "event": {...}}`` with ``send_json``. Nothing is tuned:
Channels' own dispatch (stale database connections closed before every message),
JSON encoded per socket, the core Redis layer of bench/stock_settings.py.

    DJANGO_SETTINGS_MODULE=bench.stock_settings daphne bench.stock_asgi:application
"""

import os
from urllib.parse import parse_qs

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.stock_settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402


class StockConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close()
            return
        self.groups_joined = [f"user.{user.pk}"]
        query = parse_qs(self.scope.get("query_string", b"").decode())
        if query.get("group"):
            self.groups_joined.append(f"group.{int(query['group'][0])}")
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def stock_event(self, message):
        await self.send_json(message["event"])


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([path("ws/stock/", StockConsumer.as_asgi())]))
        ),
    }
)
