"""Who acted from where: the client address of the request being served.

Services do not see requests, so the middleware keeps the address in a context variable
that `audit.services.record` reads (a task or a management command has none).
"""

from __future__ import annotations

import contextvars

from yiban_core.ratelimit import client_ip

current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_client_ip",
                                                                        default=None)


def get_ip() -> str | None:
    return current_ip.get()


class ClientIpMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
