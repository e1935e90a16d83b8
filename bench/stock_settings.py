"""Settings of the baseline daphne in bench/realtime.py: the site's own, but the channel
layer as the Channels documentation shows it, untuned.

The core ``channels_redis.core.RedisChannelLayer`` with the Redis URL as its only
host (no socket or pool options), and the stock consumer of bench/stock_asgi.py.
Only the prefix is set, to keep the baseline's events apart from the site's in a
shared Redis; it changes nothing else.
"""

import os

from yiban_core.settings import *  # noqa: F403
from yiban_core.settings import REDIS_URL

ASGI_APPLICATION = "bench.stock_asgi.application"

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [REDIS_URL.split(",")[0]],
            "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "asgi"),
        },
    }
}
