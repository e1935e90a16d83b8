"""Approve and reject of one join request at once: the row is locked, the second
decision is refused with CONFLICT and only the first one's effects stay.

On PostgreSQL the two decisions run in two threads, each with its own connection;
the first holds its transaction open while the second starts. SQLite cannot run two
writers at once, so there the decisions run one after the other."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from tests.factories import actor_for, make_interest_group, make_user
from yiban_core.errors import Conflict
from yiban_core.groups import services
from yiban_core.groups.models import Group, JoinRequest, Membership

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pending():
    owner = make_user()
    group = make_interest_group(owner, name="考研交流群", join_policy=Group.JoinPolicy.APPROVAL)
    applicant = make_user()
    request = services.request_to_join(actor=actor_for(applicant), group=group)
    return owner, group, applicant, request


def _race(first, second) -> list:
    """Run first() and second() as two transactions that overlap; their outcomes."""
    outcomes: list = [None, None]

    def run(index, call, hold_s, delay_s):
        try:
            barrier.wait(timeout=10)
            time.sleep(delay_s)
            with transaction.atomic():
                outcomes[index] = call()
                time.sleep(hold_s)  # keep the transaction (and its locks) open a moment
        except Exception as error:  # the outcome is what the test checks
            outcomes[index] = error
        finally:
            connections.close_all()

    if connection.vendor != "postgresql":
        barrier = threading.Barrier(1)
        run(0, first, 0, 0)
        run(1, second, 0, 0)
        return outcomes
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=run, args=(0, first, 0.5, 0)),
               threading.Thread(target=run, args=(1, second, 0, 0.15))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    return outcomes


def _decide(user, request, approve):
    return lambda: services.decide_request(actor=actor_for(user), request_id=request.pk,
                                           approve=approve)


def test_approve_and_reject_at_once_only_the_first_commits(pending):
    owner, group, applicant, request = pending
    approved, rejected = _race(_decide(owner, request, True), _decide(owner, request, False))

    assert isinstance(approved, JoinRequest)
    assert isinstance(rejected, Conflict) and rejected.code == "CONFLICT"
    assert "已处理" in rejected.message
    request.refresh_from_db()
    assert request.status == JoinRequest.Status.APPROVED
    assert Membership.objects.filter(group=group, user=applicant).exists()
    assert applicant.notifications.filter(kind="join_rejected").count() == 0


def test_reject_and_approve_at_once_leave_no_member(pending):
    owner, group, applicant, request = pending
    rejected, approved = _race(_decide(owner, request, False), _decide(owner, request, True))

    assert isinstance(rejected, JoinRequest)
    assert isinstance(approved, Conflict) and approved.code == "CONFLICT"
    request.refresh_from_db()
    assert request.status == JoinRequest.Status.REJECTED
    assert not Membership.objects.filter(group=group, user=applicant).exists()
    group.refresh_from_db()
    assert group.member_count == 1


def test_a_cancel_racing_an_approval_is_refused(pending):
    owner, _group, applicant, request = pending
    approved, cancelled = _race(
        _decide(owner, request, True),
        lambda: services.cancel_request(actor=actor_for(applicant), request_id=request.pk))

    assert isinstance(approved, JoinRequest)
    assert isinstance(cancelled, Conflict)
    request.refresh_from_db()
    assert request.status == JoinRequest.Status.APPROVED
