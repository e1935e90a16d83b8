"""Websocket routes under /ws/. The consumers arrive with the realtime app."""

websocket_urlpatterns: list = []
