"""Making a person a minor in the tests, as their school does (the marking service)."""

from __future__ import annotations

from tests.factories import make_user
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.privacy.minors import mark_minors


def mark_minor(user: User) -> User:
    """The person's school marks them a minor (acting as the school's roster app)."""
    mark_minors(actor=Actor(school=user.school, scopes=frozenset({"school:roster"})),
                school=user.school, usernames=[user.username])
    user.profile.refresh_from_db()
    return user


def make_minor(username: str | None = None, *, school=None) -> User:
    user = make_user(username, school=school)
    return mark_minor(user) if school is not None else user
