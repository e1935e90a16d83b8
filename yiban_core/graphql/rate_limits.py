"""Rate limits of /graphql: a budget of cost points per fixed window.

A request is charged its query's cost (yiban_core.graphql.limits; at least one
point, so invalid and refused queries count too) against every bucket it falls
in, before anything runs:

- a user app's token: the token, and the user (across all their tokens and
  web sessions);
- a school app's token: the app, across all its client-credentials tokens
  (a per-token budget would only invite minting a token per request);
- a web session: the user;
- no login: the client IP.

A query whose cost does not fit in what is left of a bucket is refused with 429,
Retry-After and the code RATE_LIMITED, and its points are given back, so a
cheaper query can still pass. Counters are cache entries named after their
window (cache.add + cache.incr: atomic on Redis and in local memory), so all
processes sharing the Redis cache share the budget. The numbers are
settings.GRAPHQL_RATE_LIMITS. Redis down: fail open to a per-process budget
(yiban_core/cache.py): an app keeps working and is still limited per process,
where failing closed would take the whole API down with the cache.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache

from yiban_core.actor import Actor
from yiban_core.ratelimit import client_ip


@dataclass(frozen=True)
class Bucket:
    key: str  # "token:12", "user:7", "school_app:3", "ip:10.0.0.1"
    limit: int


@dataclass(frozen=True)
class BudgetStatus:
    """What the response reports: the bucket with the least left."""

    limit: int
    remaining: int
    reset_at: int  # unix seconds

    def extensions(self) -> dict:
        return {"limit": self.limit, "remaining": self.remaining,
                "resetAt": datetime.fromtimestamp(self.reset_at, UTC)
                .isoformat().replace("+00:00", "Z")}

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset_at)}


class BudgetExceeded(Exception):
    def __init__(self, status: BudgetStatus, retry_after: int):
        super().__init__("rate limited")
        self.status = status
        self.retry_after = retry_after


def now() -> float:
    """The clock of the windows (tests pin it, so a burst never straddles two windows)."""
    return time.time()


def rate_limits() -> dict[str, int]:
    return settings.GRAPHQL_RATE_LIMITS


def buckets_for(request) -> list[Bucket]:
    limits = rate_limits()
    actor = getattr(request, "actor", None) or Actor.for_user(getattr(request, "user", None))
    if actor.token_id is not None and actor.user is None:
        return [Bucket(f"school_app:{actor.app_id}", limits["school_app"])]
    if actor.token_id is not None:
        return [Bucket(f"token:{actor.token_id}", limits["token"]),
                Bucket(f"user:{actor.user_id}", limits["user"])]
    if actor.user is not None:
        return [Bucket(f"user:{actor.user_id}", limits["user"])]
    return [Bucket(f"ip:{client_ip(request)}", limits["anonymous"])]


class Budget:
    """The buckets of one request, charged as it goes."""

    def __init__(self, buckets: list[Bucket]):
        self.buckets = buckets
        self.window_s = int(rate_limits()["window_s"])
        self.window_start = int(now() // self.window_s) * self.window_s
        self.reset_at = self.window_start + self.window_s
        self.status: BudgetStatus | None = None

    @classmethod
    def for_request(cls, request) -> Budget:
        return cls(buckets_for(request))

    def _key(self, bucket: Bucket) -> str:
        return f"gql-budget:{bucket.key}:{self.window_start}"

    def _add(self, bucket: Bucket, points: int) -> int:
        key = self._key(bucket)
        # The key names its window, so it never expires while the window is current.
        cache.add(key, 0, timeout=self.window_s + 5)
        try:
            return cache.incr(key, points)
        except ValueError:  # evicted between add and incr
            cache.add(key, points, timeout=self.window_s + 5)
            return points

    def _give_back(self, bucket: Bucket, points: int) -> None:
        try:
            cache.decr(self._key(bucket), points)
        except ValueError:
            pass

    def charge(self, points: int) -> BudgetStatus:
        """Take `points` from every bucket, or none of them (raise BudgetExceeded)."""
        counts: list[tuple[Bucket, int]] = []
        for bucket in self.buckets:
            count = self._add(bucket, points)
            counts.append((bucket, count))
            if count > bucket.limit:
                for charged, _count in counts:
                    self._give_back(charged, points)
                left = max(0, bucket.limit - (count - points))
                self.status = BudgetStatus(bucket.limit, left, self.reset_at)
                retry_after = max(1, math.ceil(self.reset_at - now()))
                raise BudgetExceeded(self.status, retry_after)
        bucket, count = min(counts, key=lambda pair: pair[0].limit - pair[1])
        self.status = BudgetStatus(bucket.limit, max(0, bucket.limit - count), self.reset_at)
        return self.status
