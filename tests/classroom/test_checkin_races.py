"""Concurrent check-ins count once: real requests, each in its own thread with its own
database connection, released together. On PostgreSQL (where requests truly run side by
side); the database's unique constraints decide, and every loser gets a clear answer."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from classroom import services
from classroom.models import Attendance
from tests.factories import actor_for
from yiban_core.credits.models import PointEntry

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

THREADS = 4


def race(requests) -> list:
    """Run each request (a callable) in a thread of its own, started at once."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def run(i, request):
        try:
            barrier.wait()
            answers[i] = request()
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def signed_in(user, device: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if device:
        client.cookies["yiban_device"] = device
    return client


def texts(responses) -> list[str]:
    return [r.content.decode() for r in responses]


def test_one_student_checking_in_from_four_tabs_at_once_counts_once(klass):
    checkin = services.start_checkin(actor=actor_for(klass.teacher), group=klass.group,
                                     grace_minutes=5)
    student = klass.students[0]
    clients = [signed_in(student) for _ in range(THREADS)]
    url = reverse("checkin_submit", args=[checkin.pk])
    answers = race([lambda c=c: c.post(url, follow=True) for c in clients])

    assert all(r.status_code == 200 for r in answers)
    pages = texts(answers)
    assert sum("签到成功" in page for page in pages) == 1
    assert sum("你已经签到过了" in page for page in pages) == THREADS - 1
    assert Attendance.objects.filter(checkin=checkin, user=student).count() == 1
    assert PointEntry.objects.filter(user=student, rule="class_checkin").count() == 1


def test_three_accounts_on_one_device_at_once_only_one_checks_in(klass):
    checkin = services.start_checkin(actor=actor_for(klass.teacher), group=klass.group,
                                     grace_minutes=5, one_device=True)
    device = "shared-phone-0123456789"
    clients = [signed_in(student, device) for student in klass.students]
    url = reverse("checkin_submit", args=[checkin.pk])
    answers = race([lambda c=c: c.post(url, follow=True) for c in clients])

    pages = texts(answers)
    assert sum("签到成功" in page for page in pages) == 1
    assert sum("这台设备已经为其他同学签过到了" in page for page in pages) == 2
    assert Attendance.objects.filter(checkin=checkin).count() == 1
    assert PointEntry.objects.filter(rule="class_checkin").count() == 1


def test_a_close_racing_check_ins_leaves_one_record_each(klass):
    checkin = services.start_checkin(actor=actor_for(klass.teacher), group=klass.group,
                                     grace_minutes=5)
    teacher = signed_in(klass.teacher)
    clients = [signed_in(student) for student in klass.students]
    submit = reverse("checkin_submit", args=[checkin.pk])
    close = reverse("checkin_close", args=[checkin.pk])
    race([lambda: teacher.post(close, follow=True),
          *[lambda c=c: c.post(submit, follow=True) for c in clients]])

    # Whoever the close beat is absent, whoever beat the close is in: once each, no more.
    records = Attendance.objects.filter(checkin=checkin)
    assert sorted(records.values_list("user__username", flat=True)) == sorted(
        s.username for s in klass.students)
    checked_in = records.exclude(status="absent").count()
    assert PointEntry.objects.filter(rule="class_checkin").count() == checked_in
