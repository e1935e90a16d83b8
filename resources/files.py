"""Uploaded files: their type told by their bytes, their size capped before they
are read, their name made safe, their bytes stored once under their SHA-256."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import filetype
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from resources.models import Blob
from yiban_core.errors import Invalid

# Detected MIME type -> the extension a download gets. Anything else is refused,
# whatever its name says (an .exe renamed .pdf is still an executable).
ALLOWED_TYPES = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/epub+zip": "epub",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/zip": "zip",
    "application/x-7z-compressed": "7z",
    "application/x-rar-compressed": "rar",
    "application/gzip": "gz",
    "audio/mpeg": "mp3",
    "audio/x-wav": "wav",
    "audio/x-flac": "flac",
    "audio/mp4": "m4a",
    "audio/ogg": "ogg",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "video/quicktime": "mov",
    "text/plain": "txt",
}
SNIFF_BYTES = 8192


def detect_type(upload) -> str:
    """The MIME type of an upload, from its content; Invalid when it is not allowed."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ("text/plain" if _looks_like_text(head) else None)
    if mime not in ALLOWED_TYPES:
        raise Invalid(_("不支持这种文件类型：请上传文档、课件、PDF、图片、压缩包、音频或视频"),
                      field="file")
    return mime


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:  # a multi-byte character cut at the end is fine
        return error.start >= len(head) - 3
    return True


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def safe_filename(title: str, mime: str) -> str:
    """A download name from the title: no paths, no control characters, our extension."""
    name = unicodedata.normalize("NFC", title or "")
    name = _UNSAFE.sub("_", name).strip(" ._") or "resource"
    return f"{name[:100]}.{ALLOWED_TYPES[mime]}"


def check_size(upload) -> None:
    if upload.size > settings.RESOURCE_MAX_BYTES:
        raise Invalid(_("文件不能超过 %(size)s") % {"size": filesizeformat(
            settings.RESOURCE_MAX_BYTES)}, field="file")


def store_blob(upload) -> Blob:
    """Store the bytes once: a second upload of the same file reuses the first."""
    check_size(upload)
    mime = detect_type(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    sha256 = digest.hexdigest()
    existing = Blob.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing
    upload.seek(0)
    blob = Blob(sha256=sha256, size=upload.size, content_type=mime)
    blob.file.save("", upload, save=False)  # a random name in the protected storage
    try:
        with transaction.atomic():
            blob.save()
    except IntegrityError:  # the same bytes, stored concurrently
        blob.file.delete(save=False)
        return Blob.objects.get(sha256=sha256)
    return blob


def too_large(request) -> bool:
    """True when the request says it is bigger than any allowed upload: refuse it
    before reading the body (RESOURCE_MAX_BYTES plus room for the form fields)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.RESOURCE_MAX_BYTES + 64 * 1024


class SizeLimitedUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as its bytes pass RESOURCE_MAX_BYTES (for
    clients whose Content-Length was absent or wrong); nothing is stored.
    Install it before the body is read: request.upload_handlers.insert(0, ...)."""

    def receive_data_chunk(self, raw_data, start):
        self.received = start + len(raw_data)
        if self.received > settings.RESOURCE_MAX_BYTES:
            self.request.upload_refused = "too_large"
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None
