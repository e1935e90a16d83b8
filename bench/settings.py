"""Settings of the benchmarks: the site's own, plus django-activity-stream (the peer).

bench/feeds.py points DATABASE_URL at its own freshly created database before
Django reads these settings, so nothing here can reach another database.
"""

from yiban_core.settings import *  # noqa: F403
from yiban_core.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "actstream"]
ACTSTREAM_SETTINGS = {"FETCH_RELATIONS": True, "USE_JSONFIELD": False}

# Measured as production runs: no per-query debug log (CaptureQueriesContext
# still counts queries where the benchmark asks for it).
DEBUG = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
