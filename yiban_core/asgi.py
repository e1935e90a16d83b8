"""ASGI entry point, served by daphne: HTTP through Django, websockets through Channels."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiban_core.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.auth import OriginOrBearerValidator  # noqa: E402  (the app on top)
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginOrBearerValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# What is loaded by now lives as long as the process: keep it out of the cyclic
# collector's full passes, which grow with the heap and stall every socket
# (measured with 2,000 sockets: a full pass 76 → 59 ms at start, 346 → 286 ms later).
gc.freeze()
