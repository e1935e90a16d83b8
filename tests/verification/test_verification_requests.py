"""Verification requests: a student who registered by hand asks the school to verify them;
its administrators approve (verify_member's rules) or reject with a reason; the student
is notified. The photo of the student card is for the student and the school's admins."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import actor_for, make_school, make_user, verify
from yiban_core.actor import Actor
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.notifications.models import Notification
from yiban_core.verification import selectors, services
from yiban_core.verification.models import VerificationRequest

pytestmark = pytest.mark.django_db


def card_photo(name="card.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), "navy").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def world():
    school = make_school("浙江大学")
    admin = make_user("zju_admin", school=school)
    school.administrators.add(admin)
    student = make_user("chen_chen", school=school, display_name="陈晨")
    return {"school": school, "admin": admin, "student": student}


def ask(world, number="3220101234", **kwargs):
    return services.request_verification(actor=actor_for(world["student"]),
                                         school=world["school"], member_number=number,
                                         **kwargs)


def decide(world, request, approve=True, reason="", actor=None):
    return services.decide_verification_request(actor=actor or actor_for(world["admin"]),
                                                request=request, approve=approve, reason=reason)


@pytest.mark.django_db(transaction=True)  # the worker runs the notifications' tasks
def test_approving_verifies_the_student_and_tells_them(world, run_worker):
    request = ask(world, note="计算机学院 2022 级", photo=card_photo())
    assert list(selectors.verification_queue(actor=actor_for(world["admin"]),
                                             school=world["school"])) == [request]
    decide(world, request)
    student = world["student"]
    student.refresh_from_db()
    assert (student.is_verified, student.member_number) == (True, "3220101234")
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", world["admin"])
    assert not selectors.verification_queue(actor=actor_for(world["admin"]),
                                            school=world["school"]).exists()
    run_worker()
    assert Notification.objects.filter(recipient=student, kind="verified").exists()


@pytest.mark.django_db(transaction=True)  # the worker runs the notifications' tasks
def test_rejecting_needs_a_reason_which_the_student_is_told(world, run_worker):
    request = ask(world)
    with pytest.raises(Invalid) as no_reason:
        decide(world, request, approve=False, reason="  ")
    assert no_reason.value.field == "reason"
    decide(world, request, approve=False, reason="学号与姓名不符，请核对后重新申请")
    request.refresh_from_db()
    assert (request.status, request.reason) == ("rejected", "学号与姓名不符，请核对后重新申请")
    world["student"].refresh_from_db()
    assert not world["student"].is_verified
    run_worker()
    notice = Notification.objects.get(recipient=world["student"])
    assert (notice.kind, notice.excerpt) == ("verification_rejected",
                                             "学号与姓名不符，请核对后重新申请")
    # Rejected, the student may ask again.
    assert ask(world, "3220101235").status == "pending"


def test_a_number_another_verified_account_holds_is_refused_and_the_request_stays_open(world):
    verify(make_user("real_owner", school=world["school"]), "3220101234")
    request = ask(world)
    with pytest.raises(Conflict, match="已被本校其他用户使用"):
        decide(world, request)
    request.refresh_from_db()
    world["student"].refresh_from_db()
    assert request.status == "pending" and not world["student"].is_verified


def test_one_open_request_per_student_and_a_decided_one_cannot_be_decided_again(world):
    request = ask(world)
    with pytest.raises(Conflict, match="待审核"):
        ask(world, "3220109999")
    decide(world, request, approve=False, reason="请上传学生证")
    with pytest.raises(Conflict, match="已处理"):
        decide(world, request)
    assert VerificationRequest.objects.filter(user=world["student"]).count() == 1


def test_bad_requests_are_refused_and_store_nothing(world, settings, tmp_path):
    other = make_school("复旦大学")
    for kwargs, field in (({"number": "3"}, "member_number"),
                          ({"number": "32201 01234"}, "member_number"),
                          ({"note": "说" * 281}, "note"),
                          ({"photo": SimpleUploadedFile("card.png", b"not an image",
                                                        content_type="image/png")}, "photo")):
        with pytest.raises(Invalid) as refused:
            ask(world, **kwargs)
        assert refused.value.field == field
    with pytest.raises(Invalid) as elsewhere:  # the profile names another school
        services.request_verification(actor=actor_for(world["student"]), school=other,
                                      member_number="3220101234")
    assert elsewhere.value.field == "school"
    verified = verify(make_user(school=world["school"]))
    with pytest.raises(Invalid, match="已通过"):
        services.request_verification(actor=actor_for(verified), school=world["school"],
                                      member_number="3220100000")
    assert not VerificationRequest.objects.exists()
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))


def test_only_the_schools_administrators_decide(world):
    request = ask(world)
    other = make_school()
    other_admin = make_user(school=other)
    other.administrators.add(other_admin)
    for actor in (actor_for(world["student"]), actor_for(other_admin),
                  actor_for(make_user(school=world["school"])),
                  Actor(school=other, scopes=frozenset({"school:roster"}))):
        with pytest.raises(PermissionDenied):
            decide(world, request, actor=actor)
        with pytest.raises(PermissionDenied):
            selectors.verification_queue(actor=actor, school=world["school"])
    request.refresh_from_db()
    assert request.status == "pending"
    # The school's own app (school:roster) may, as it may verify members.
    decide(world, request, actor=Actor(school=world["school"],
                                       scopes=frozenset({"school:roster"})))
    world["student"].refresh_from_db()
    assert world["student"].is_verified


def test_a_student_withdraws_their_own_open_request_only(world):
    request = ask(world)
    with pytest.raises(NotFound):
        services.cancel_verification_request(actor=actor_for(make_user()), request=request)
    services.cancel_verification_request(actor=actor_for(world["student"]), request=request)
    assert request.status == "cancelled"
    with pytest.raises(Conflict):
        services.cancel_verification_request(actor=actor_for(world["student"]), request=request)
    assert ask(world).status == "pending"


def test_the_card_photo_is_served_to_the_student_and_the_schools_admins_only(world, client):
    request = ask(world, photo=card_photo())
    url = request.photo.url
    assert url.startswith("/files/private/verification/")
    client.force_login(world["student"])
    assert client.get(url).status_code == 200
    client.force_login(world["admin"])
    response = client.get(url)
    assert response.status_code == 200 and "private" in response["Cache-Control"]
    for outsider in (make_user(school=world["school"]), make_user()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
