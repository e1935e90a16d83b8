"""Uploaded files whose audience is decided by a selector (protected files).

Post images, resource files and training-record attachments are stored through
the "protected" storage (settings.STORAGES) under random names in `private/`.
Their URL is never a storage path: it is `/files/<name>`, a view that asks the
owning app's selector whether the viewer may see the thing the file belongs to,
and answers 404 when not (a refusal must not confirm that the file exists).

How the bytes then leave (serve.py): streamed by Django on the embedded
default; `X-Accel-Redirect` to the web server's internal location when
PROTECTED_MEDIA_ACCEL_PREFIX is set; a redirect to a short-lived signed URL on
S3-compatible storage. `/media/` (DEBUG only) serves avatars and app logos and
nothing else.
"""
