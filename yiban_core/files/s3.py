"""The protected storage on S3-compatible object storage (django-storages)."""

from __future__ import annotations

from storages.backends.s3 import S3Storage

from yiban_core.files.storage import ProtectedURLs


class ProtectedS3Storage(ProtectedURLs, S3Storage):
    """Private objects; `url()` is the protected view, which redirects to `signed_url()`."""

    def __init__(self, **options):
        super().__init__(**options)
        # Never an unsigned address: no custom (CDN) domain, always a signature, no ACL.
        self.custom_domain = None
        self.querystring_auth = True
        self.default_acl = None

    def signed_url(self, name: str, *, expire: int, parameters: dict | None = None) -> str:
        return S3Storage.url(self, name, parameters=parameters, expire=expire)
