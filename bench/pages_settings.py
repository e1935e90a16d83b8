"""Settings of bench/pages.py: the site's own, as production runs them, plus two
bench-only changes read from the environment:

- STATIC_ROOT: the bench's own collectstatic output (with DEBUG off, pages need the
  manifest of the static files, and the repository's staticfiles/ is not the bench's);
- GRAPHQL_RATE_LIMITS: budgets high enough that a few clients hammering homeTimeline
  for a minute are not refused; the bench exempts itself explicitly instead of
  counting 429s.
"""

import os
from pathlib import Path

from yiban_core.settings import *  # noqa: F403
from yiban_core.settings import GRAPHQL_RATE_LIMITS

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
GRAPHQL_RATE_LIMITS = {**GRAPHQL_RATE_LIMITS, "token": 10**9, "school_app": 10**9,
                       "user": 10**9, "anonymous": 10**9}
