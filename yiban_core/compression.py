"""Pages and API answers gzip-compressed for clients that accept it (a 67 KB home page
is 10 KB on the wire). Static files are not this middleware's: whitenoise serves them
compressed ahead of time. Files and other streamed answers (resources, exports) pass as
they are, so their lengths and byte ranges stay true; so do answers other than HTML and
JSON. Django's middleware pads each compressed answer with random bytes against BREACH,
and the CSRF token on a page is masked afresh for every answer."""

from django.middleware.gzip import GZipMiddleware

COMPRESSED_TYPES = ("text/html", "application/json", "application/graphql-response+json")


class PageGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if response.streaming or not response.get("Content-Type", "").startswith(
                COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
