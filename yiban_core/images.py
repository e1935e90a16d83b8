"""Checking uploaded images by their content, not by their name."""

from django.core.files.images import get_image_dimensions
from django.utils.translation import gettext as _
from PIL import Image

from yiban_core.errors import Invalid

ALLOWED_FORMATS = {"image/jpeg", "image/png", "image/webp", "image/gif"}
MAX_SIDE = 8192


def check_image(upload, *, field: str, max_bytes: int) -> str:
    """Raise Invalid unless `upload` is a JPEG, PNG, WebP or GIF within limits; return its type."""
    if upload.size > max_bytes:
        raise Invalid(_("图片不能超过 %(mb)d MB") % {"mb": max_bytes // (1024 * 1024)},
                      field=field)
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            mime = Image.MIME.get(image.format)
        upload.seek(0)
        width, height = get_image_dimensions(upload)
    except Exception:
        raise Invalid(_("只能上传图片文件"), field=field) from None
    finally:
        upload.seek(0)
    if mime not in ALLOWED_FORMATS or not width or max(width, height) > MAX_SIDE:
        raise Invalid(_("图片须为 JPEG、PNG、WebP 或 GIF，边长不超过 %(px)d") % {"px": MAX_SIDE},
                      field=field)
    upload.content_type = mime
    return mime
