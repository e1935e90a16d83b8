"""Password hashing sized for a class logging in at once.

Django's default, PBKDF2 with 1,000,000 rounds, costs ~0.4 s of CPU per login:
80 students at 8:00 on a 2-core host is 16 s of hashing, while each request
holds a database connection. Argon2id with OWASP's minimum profile (19 MiB,
2 passes, 1 lane) costs ~25 ms and resists GPU cracking better. Older PBKDF2
hashes still verify and are rehashed to Argon2id at the next login.

Every hash also passes the process's admission gate (`gate`): at most
PASSWORD_HASH_SLOTS at once (one per core: hashing is CPU work, more at once only
slows each), the others queue in order for up to PASSWORD_HASH_WAIT_S, and a
request gives its pooled database connection back before it queues and hashes.
So 80 logins at once queue for the CPU instead of holding the pool's 20
connections while they wait, and other pages keep getting connections. Past
PASSWORD_HASH_QUEUE waiters, or the wait, the answer is 503 with Retry-After
(yiban_core/unavailable.py), never a 500.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher
from django.db import connections

from yiban_core.unavailable import Overloaded


class _Gate:
    def __init__(self):
        self._lock = threading.Lock()
        self._slots: dict[int, threading.BoundedSemaphore] = {}
        self.waiting = 0
        self._held = threading.local()  # PBKDF2's verify() calls encode(): one slot

    def _semaphore(self) -> threading.BoundedSemaphore:
        size = getattr(settings, "PASSWORD_HASH_SLOTS", None) or os.cpu_count() or 2
        with self._lock:
            return self._slots.setdefault(size, threading.BoundedSemaphore(size))

    @contextmanager
    def __call__(self):
        if getattr(self._held, "slot", False):
            yield
            return
        slots = self._semaphore()
        release_pooled_connections()
        if not slots.acquire(blocking=False):
            with self._lock:
                if self.waiting >= settings.PASSWORD_HASH_QUEUE:
                    raise Overloaded("password hashing queue is full")
                self.waiting += 1
            try:
                admitted = slots.acquire(timeout=settings.PASSWORD_HASH_WAIT_S)
            finally:
                with self._lock:
                    self.waiting -= 1
            if not admitted:
                raise Overloaded("waited too long to hash a password")
        self._held.slot = True
        try:
            yield
        finally:
            self._held.slot = False
            slots.release()


gate = _Gate()


def release_pooled_connections() -> None:
    """Give pooled connections back to the pool (the next query takes one again).
    Not inside a transaction, whose work would be lost, nor without a pool (SQLite:
    the connection is the database)."""
    for connection in connections.all(initialized_only=True):
        if (connection.settings_dict.get("OPTIONS", {}).get("pool")
                and connection.connection is not None and not connection.in_atomic_block):
            connection.close()


class GatedHasher:
    """verify() and encode() (new passwords, upgrades, the dummy hash of an unknown
    username) through the gate."""

    def verify(self, password, encoded):
        with gate():
            return super().verify(password, encoded)

    def encode(self, password, salt, *args, **kwargs):
        with gate():
            return super().encode(password, salt, *args, **kwargs)


class ClassroomArgon2PasswordHasher(GatedHasher, Argon2PasswordHasher):
    # Same algorithm name as Django's, so raising these later only rehashes at login.
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


class GatedPBKDF2PasswordHasher(GatedHasher, PBKDF2PasswordHasher):
    """Django's default, for hashes made before: 0.4 s each, so gated all the more."""
