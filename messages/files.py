"""Message attachments: an image (checked as posts' images are) or a file of a few
document and archive types (told by its bytes), within MESSAGE_FILE_MAX_BYTES; served by
/files/ to those who may read the message (messages.selectors), to nobody else."""

from __future__ import annotations

import re
import unicodedata

import filetype
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from messages import selectors
from messages.models import Message
from yiban_core.actor import Actor
from yiban_core.errors import DomainError, Invalid
from yiban_core.files.owners import Audience, register
from yiban_core.images import check_image

PREFIXES = ("private/messages/",)
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
FILE_TYPES = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/zip": "zip",
    "text/plain": "txt",
}
SNIFF_BYTES = 8192
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:  # a character cut at the end of the sniffed bytes
        return error.start >= len(head) - 3
    return True


def check_attachment(upload) -> tuple[str, str]:
    """(its MIME type, a safe file name); Invalid on `attachment` when it is neither an
    allowed image nor an allowed file, or too big."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ("text/plain" if _looks_like_text(head) else None)
    if mime in IMAGE_TYPES:
        mime = check_image(upload, field="attachment", max_bytes=settings.POST_IMAGE_MAX_BYTES)
    elif mime in FILE_TYPES:
        if upload.size > settings.MESSAGE_FILE_MAX_BYTES:
            raise Invalid(_("文件不能超过 %(size)s") % {
                "size": filesizeformat(settings.MESSAGE_FILE_MAX_BYTES)}, field="attachment")
    else:
        raise Invalid(_("只能发送图片、PDF、Office 文档、文本或 zip 压缩包"), field="attachment")
    name = unicodedata.normalize("NFC", str(getattr(upload, "name", "") or ""))
    name = _UNSAFE.sub("_", name.rsplit("/", 1)[-1]).strip(" ._")[:100] or "file"
    return mime, name


def attachment_audience(actor: Actor, name: str) -> Audience | None:
    message_id = (Message.objects.filter(attachment=name).values_list("pk", flat=True).first())
    if message_id is None:
        return None
    try:
        selectors.get_message(actor=actor, pk=message_id)
    except DomainError:
        return None
    return Audience.RESTRICTED


def register_owner() -> None:
    register(prefixes=PREFIXES, audience=attachment_audience)
