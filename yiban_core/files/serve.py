"""Sending a protected file once a selector has said yes.

- S3-compatible storage (its protected storage can sign): a redirect to a signed URL
  that expires after PROTECTED_MEDIA_URL_EXPIRY seconds; never a public bucket path.
- PROTECTED_MEDIA_ACCEL_PREFIX set (nginx in front): an empty response whose
  X-Accel-Redirect names the file under the web server's `internal` location, so the
  server sends the bytes and Django only decides.
- Otherwise (the embedded default): Django streams the file.

A public file (the image of a public post) may be cached by anyone; everything else
only by the viewer's browser.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from yiban_core.files.owners import Audience

PUBLIC_MAX_AGE_S = 24 * 3600
RESTRICTED_MAX_AGE_S = 600


def cache_control(audience: Audience) -> str:
    if audience is Audience.PUBLIC:
        return f"public, max-age={PUBLIC_MAX_AGE_S}"
    return f"private, max-age={RESTRICTED_MAX_AGE_S}"


def send(request, *, storage, name: str, audience: Audience, filename: str | None = None,
         as_attachment: bool = False, content_type: str | None = None) -> HttpResponse:
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    disposition = (content_disposition_header(as_attachment, filename)
                   if as_attachment or filename else None)
    if hasattr(storage, "signed_url"):
        expiry = settings.PROTECTED_MEDIA_URL_EXPIRY
        parameters = {"ResponseContentType": content_type,
                      "ResponseCacheControl": cache_control(audience)}
        if disposition:
            parameters["ResponseContentDisposition"] = disposition
        response = HttpResponseRedirect(storage.signed_url(name, expire=expiry,
                                                           parameters=parameters))
        # The redirect must not outlive its signature.
        response["Cache-Control"] = f"private, max-age={expiry // 2}"
        return response
    accel_prefix = settings.PROTECTED_MEDIA_ACCEL_PREFIX
    if accel_prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel_prefix.rstrip("/") + "/" + quote(name)
    else:
        try:
            handle = storage.open(name, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
    if disposition:
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = cache_control(audience)
    return response
