"""The hashing gate (yiban_core/accounts/hashers.py): logins queue for the CPU, and
one that cannot be queued is told to come back (503, Retry-After), with nothing done."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.conf import global_settings

import yiban_core.settings as site_settings
from tests.factories import PASSWORD, make_user
from yiban_core.accounts.hashers import gate

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_slot(settings):
    settings.PASSWORD_HASHERS = getattr(site_settings, "PASSWORD_HASHERS",
                                        global_settings.PASSWORD_HASHERS)
    settings.PASSWORD_HASH_SLOTS = 1
    settings.PASSWORD_HASH_QUEUE = 0
    settings.PASSWORD_HASH_WAIT_S = 5


@contextmanager
def slot_taken():
    """Another request holds the only slot until the returned event is set."""
    entered, leave = threading.Event(), threading.Event()

    def hash_something():
        with gate():
            entered.set()
            leave.wait(10)

    holder = threading.Thread(target=hash_something)
    holder.start()
    assert entered.wait(5)
    try:
        yield leave
    finally:
        leave.set()
        holder.join()


def test_a_login_that_cannot_queue_is_told_to_come_back_and_nothing_happens(one_slot, client):
    user = make_user()
    with slot_taken():
            response = client.post("/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "登录的人太多了" in response.content.decode()
    user.refresh_from_db()
    assert user.last_login is None
    assert "_auth_user_id" not in client.session

    # The other hash is done: the same login gets in.
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_login_waits_its_turn_instead_of_failing(one_slot, settings, client):
    settings.PASSWORD_HASH_QUEUE = 5
    user = make_user()
    with slot_taken() as leave:
        threading.Timer(0.3, leave.set).start()  # the slot frees while the login waits
        response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_still_fails_as_usual_through_the_gate(one_slot, client):
    user = make_user()
    response = client.post("/login/", {"username": user.username, "password": "wrong-one"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
