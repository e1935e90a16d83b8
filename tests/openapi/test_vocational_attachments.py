"""Attachments of training records (实训/实习附件): added by the student while the record
can be edited, read through /files/ only by those who may read the record."""

from __future__ import annotations

import importlib
import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches, reverse
from graphql_relay import to_global_id
from PIL import Image

from openapi_plugins.vocational import services
from openapi_plugins.vocational.models import MAX_ATTACHMENTS, TrainingAttachment
from tests.factories import actor_for, make_user
from tests.openapi.helpers import graphql
from tests.openapi.test_vocational import log, user_token, verified_teacher, vocational_school
from yiban_core.errors import Conflict, Invalid

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 200


def pdf(name="实习证明.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png(name="车间.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def school(db):
    return vocational_school("深圳职业技术学院")


@pytest.fixture
def teacher(school):
    return verified_teacher(school, "wang_laoshi")


@pytest.fixture
def student(school):
    return make_user("zhang_san", school=school)


@pytest.fixture
def debug_urls(settings):
    import yiban_core.urls

    settings.DEBUG = True
    importlib.reload(yiban_core.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(yiban_core.urls)
    clear_url_caches()


def test_the_student_attaches_a_file_on_the_page_and_only_readers_open_it(
        client, student, teacher, school, debug_urls):
    record = log(student)
    client.force_login(student)
    response = client.post(reverse("training_attach", args=[record.pk]), {"file": pdf()},
                           follow=True)
    assert "附件已上传" in response.content.decode()
    attachment = TrainingAttachment.objects.get()
    assert re.fullmatch(r"private/training/[A-Za-z0-9_-]{24}\.pdf", attachment.file.name)
    assert attachment.filename == "实习证明.pdf"
    assert attachment.content_type == "application/pdf"
    url = attachment.file.url
    assert url in response.content.decode()
    assert body(client.get(url)) == PDF

    stranger = make_user("li_si", school=school)
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    client.force_login(teacher)  # the supervisor it was submitted to
    assert client.get(url).status_code == 200
    for who in (None, stranger):
        client.logout()
        if who is not None:
            client.force_login(who)
        assert client.get(url).status_code == 404
    for who in (student, teacher):  # never straight from /media/
        client.force_login(who)
        assert client.get(f"/media/{attachment.file.name}").status_code == 404


def test_graphql_gives_the_protected_url_of_each_attachment(client, student, school):
    record = log(student)
    services.add_attachment(actor=actor_for(student), record=record, upload=png())
    query = """query($id: ID!) { node(id: $id) { ... on TrainingRecord {
               attachments { filename contentType size url } } } }"""
    token = user_token(student)
    data = graphql(client, query, token, id=to_global_id("TrainingRecord", record.pk)).json()
    [shown] = data["data"]["node"]["attachments"]
    attachment = TrainingAttachment.objects.get()
    assert shown == {"filename": "车间.png", "contentType": "image/png",
                     "size": attachment.size, "url": f"http://testserver{attachment.file.url}"}
    path = urlsplit(shown["url"]).path
    client.force_login(student)
    assert client.get(path).status_code == 200
    client.force_login(make_user("li_si", school=school))
    assert client.get(path).status_code == 404


def test_refused_attachments_change_nothing(student, teacher, school):
    record = log(student)
    exe = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00" + b"\x00" * 300)
    with pytest.raises(Invalid):
        services.add_attachment(actor=actor_for(student), record=record, upload=exe)
    other = make_user("li_si", school=school)
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied, whatever the type
        services.add_attachment(actor=actor_for(other), record=record, upload=pdf())
    for i in range(MAX_ATTACHMENTS):
        services.add_attachment(actor=actor_for(student), record=record,
                                upload=pdf(content=PDF + str(i).encode()))
    with pytest.raises(Conflict):
        services.add_attachment(actor=actor_for(student), record=record, upload=pdf())
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    with pytest.raises(Conflict):  # waiting for the signature: no more changes
        services.remove_attachment(actor=actor_for(student), record=record,
                                   attachment_id=TrainingAttachment.objects.first().pk)
    assert TrainingAttachment.objects.count() == MAX_ATTACHMENTS


def test_removing_an_attachment_removes_its_file(client, student,
                                                 django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    record = log(student)
    attachment = services.add_attachment(actor=actor_for(student), record=record, upload=pdf())
    name = attachment.file.name
    assert default_storage.exists(name)
    client.force_login(student)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("training_detach", args=[record.pk, attachment.pk]))
    assert not TrainingAttachment.objects.exists()
    assert not default_storage.exists(name)
    assert client.get(reverse("protected_file", kwargs={"name": name})).status_code == 404


def test_deleting_a_draft_removes_its_attachments_files(student,
                                                       django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    record = log(student)
    name = services.add_attachment(actor=actor_for(student), record=record,
                                   upload=pdf()).file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_record(actor=actor_for(student), record=record)
    assert not TrainingAttachment.objects.exists()
    assert not default_storage.exists(name)
