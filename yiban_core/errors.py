"""The one family of errors a user or an app can cause.

Services and selectors raise these; the web UI shows them as a message and
GraphQL as a typed error (field, code, message). Anything else is a bug.
"""


class DomainError(Exception):
    code = "INVALID"
    # What must be written once the refusing transaction is over (a refused attempt in the
    # person's access log): the page or the GraphQL mutation showing the error calls it.
    after_rollback = None

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    code = "PERMISSION_DENIED"


class NotAuthenticated(PermissionDenied):
    code = "UNAUTHENTICATED"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Invalid(DomainError):
    code = "INVALID"


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, field: str | None = None, retry_after: int = 60):
        super().__init__(message, field=field)
        self.retry_after = retry_after  # seconds: pages say it, APIs send it as Retry-After


class Conflict(DomainError):
    code = "CONFLICT"


def invalid_from_validation_error(error) -> Invalid:
    """Turn a Django ValidationError (from a form or full_clean) into Invalid."""
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        return Invalid(messages[0], field=None if field == "__all__" else field)
    return Invalid(error.messages[0])
