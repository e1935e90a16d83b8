"""The protected storage: random names, and URLs that go through the view."""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.urls import reverse
from django.utils.functional import LazyObject, empty

# Everything under this prefix is served only by the view; the web server must not
# serve it from /media/ (README, "Files").
PREFIX = "private/"


def random_name(folder: str, filename: str = "") -> str:
    """`private/<folder>/<random>.<ext>`: nothing in it says whose file it is or guesses
    another one (the old names were `posts/<author>/<post>-<n>.png`)."""
    suffix = PurePosixPath(filename).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 6:
        suffix = ""
    return f"{PREFIX}{folder}/{secrets.token_urlsafe(18)}{suffix}"


class ProtectedURLs:
    """A storage whose `url()` is the protected view, never the storage's own address."""

    def url(self, name: str) -> str:
        return reverse("protected_file", kwargs={"name": name})


class ProtectedFileSystemStorage(ProtectedURLs, FileSystemStorage):
    """MEDIA_ROOT on the local disk (the embedded default), read through the view."""


class _Protected(LazyObject):
    def _setup(self):
        self._wrapped = storages["protected"]


protected_storage_instance = _Protected()


def protected_storage():
    """For FileField(storage=...): the "protected" storage of the current settings."""
    return protected_storage_instance


def _reset(*, setting, **kwargs):
    if setting == "STORAGES":
        protected_storage_instance._wrapped = empty


setting_changed.connect(_reset, dispatch_uid="yiban_core.files.storage.reset")
