"""The site's password hasher: cheap enough for a class logging in at once
(bench/logins.py), and older hashes move to it at the next login."""

from __future__ import annotations

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import make_password

import yiban_core.settings as site_settings
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_hashers(settings):
    # The suite swaps in a fast hasher (conftest); these tests want the site's own.
    settings.PASSWORD_HASHERS = getattr(site_settings, "PASSWORD_HASHERS",
                                        global_settings.PASSWORD_HASHERS)


def test_a_password_made_before_logs_in_and_is_rehashed_with_argon2id(site_hashers, client):
    user = make_user()
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")  # Django's default
    user.save(update_fields=["password"])

    response = client.post("/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_new_password_is_hashed_with_argon2id(site_hashers):
    user = make_user()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(PASSWORD)
