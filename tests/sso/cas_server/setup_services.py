"""Run once against the CAS server's database: which services may use it (this site's
sign-in callbacks on loopback), that they receive every attribute, and single logout."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

import django

django.setup()

from cas_server.models import ReplaceAttributName, ServicePattern  # noqa: E402

pattern = ServicePattern.objects.create(
    pos=1, name="易班学习网", pattern=r"^http://(localhost|127\.0\.0\.1):\d+/sso/\d+/callback/$",
    single_log_out=True)
ReplaceAttributName.objects.create(name="*", service_pattern=pattern)
