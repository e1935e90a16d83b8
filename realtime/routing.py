"""Websocket routes under /ws/ (yiban_core/asgi.py mounts them)."""

from django.urls import path

from realtime.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
