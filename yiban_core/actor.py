"""Who acts, and through what.

An actor is built once per request (web session, bearer token, websocket) and
passed to every service and selector, which enforce the same rules for all:

- a user with a web session: all the rights the user has (scopes is None);
- a user through an OAuth token: the user's rights cut down to the token's scopes;
- a school app with client credentials: acts for one school, no user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from yiban_core.errors import NotAuthenticated, PermissionDenied

if TYPE_CHECKING:
    from yiban_core.accounts.models import School, User


@dataclass(frozen=True)
class Actor:
    user: User | None = None
    school: School | None = None  # the school a school app acts for
    scopes: frozenset[str] | None = None  # None: a web session, full rights
    app_id: int | None = None  # the OAuth app acting (None: the web UI)
    token_id: int | None = None  # the access token it acts with

    @classmethod
    def for_user(cls, user) -> Actor:
        if user is None or not user.is_authenticated:
            return ANONYMOUS
        return cls(user=user)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def is_site_admin(self) -> bool:
        return self.user is not None and self.user.is_site_admin and self.scopes is None

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def require_scope(self, scope: str) -> None:
        if not self.has_scope(scope):
            raise PermissionDenied(_("此令牌缺少权限范围 %(scope)s") % {"scope": scope})

    def require_user(self) -> User:
        if self.user is None:
            raise NotAuthenticated(_("请先登录"))
        if not self.user.is_active:
            raise PermissionDenied(_("该账号已停用"))
        return self.user


ANONYMOUS = Actor()


def web_session_only(message: Any) -> Callable[[Callable], Callable]:
    """For a service that only the person in a web session may call (their password and
    profile, their apps, a school's installs, authorizations, webhooks): a token, a user's
    or a school app's, is refused before the service looks at anything it was given.
    `message` is a lazy translation, read when a token is refused."""

    def decorate(service: Callable) -> Callable:
        @wraps(service)
        def guarded(*args, actor: Actor, **kwargs):
            if actor.scopes is not None:
                raise PermissionDenied(str(message))
            return service(*args, actor=actor, **kwargs)

        return guarded

    return decorate


class ActorMiddleware:
    """Sets request.actor from the session user; openapi_plugins.auth replaces it for
    requests that carry a bearer token."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = SimpleLazyObject(lambda: Actor.for_user(request.user))
        return self.get_response(request)
