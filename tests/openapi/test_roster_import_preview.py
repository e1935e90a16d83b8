"""A roster import a school can trust: a preview (dry run) first, then apply exactly what was
previewed, or cancel; rejected rows with reasons; usernames from the file; a sample file;
the history of imports; the same preview for school apps over GraphQL (dryRun)."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from openapi_plugins.academic_affairs import oneroster, services
from openapi_plugins.academic_affairs.models import (
    Enrolment,
    ImportRun,
    Section,
    SourcedUser,
    SyncRun,
)
from tests.factories import actor_for, make_school, make_user
from tests.openapi.helpers import graphql, make_school_app, mint_token
from tests.openapi.test_oneroster import EDFI, zipped
from yiban_core.accounts.models import User
from yiban_core.audit.models import AuditEntry
from yiban_core.errors import Conflict, PermissionDenied
from yiban_core.graphql.relay import global_id
from yiban_core.groups.models import Group, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return make_school("格兰德本德高中")


@pytest.fixture
def admin(school):
    user = make_user("jiaowu_admin", school=school, role=User.Role.STAFF)
    school.administrators.add(user)
    return user


def state() -> dict[str, int]:
    """What an import could change, counted."""
    return {model.__name__: model.objects.count() for model in (
        User, SourcedUser, Section, Enrolment, Group, Membership, SyncRun, AuditEntry)}


def preview(admin, school, data: bytes, org: str = "") -> ImportRun:
    return services.preview_import(actor=actor_for(admin), school=school, data=data,
                                   filename="roster.zip", org_sourced_id=org)


def edited_export(tmp_path: Path, old: str, new: str) -> bytes:
    export = tmp_path / "export"
    shutil.copytree(EDFI, export)
    users = (export / "users.csv").read_text(encoding="utf-8")
    assert old in users
    (export / "users.csv").write_text(users.replace(old, new), encoding="utf-8")
    return zipped(export)


def test_a_preview_of_the_real_export_changes_nothing_and_apply_does_what_it_said(admin,
                                                                                  school):
    before = state()

    run = preview(admin, school, zipped(EDFI))

    assert state() == before  # no user, class, group, sync run or audit entry yet
    assert run.status == ImportRun.Status.PENDING and run.org_sourced_id == "255901001"
    # 3 sessions, 2 courses, 2 classes, 10 users; its enrolments ended in 2020
    plan = run.plan
    assert (plan["created"], plan["updated"], plan["removed"], plan["rejected"]) == (
        17, 0, 0, [])
    # The file's usernames ("Mary Archer") are not valid ones: the plan says so, per row.
    notes = [note for note in plan["notes"] if "用户名" in note]
    assert len(notes) == 10 and any("“Mary Archer” 无效" in note for note in notes)

    applied = services.apply_import(actor=actor_for(admin), run_id=run.pk)

    assert applied.status == ImportRun.Status.APPLIED and not applied.replanned
    assert applied.plan == plan and applied.data == b""
    sync_run = applied.sync_run
    assert (sync_run.created, sync_run.updated, sync_run.removed, sync_run.unchanged) == (
        17, 0, 0, plan["unchanged"])
    assert SourcedUser.objects.filter(school=school).count() == 10
    assert AuditEntry.objects.filter(action="roster.import", school=school).count() == 1


def test_when_the_data_changed_since_the_preview_apply_plans_again_and_waits(admin, school):
    first = preview(admin, school, zipped(EDFI))
    second = preview(admin, school, zipped(EDFI))
    services.apply_import(actor=actor_for(admin), run_id=second.pk)
    users = User.objects.count()

    again = services.apply_import(actor=actor_for(admin), run_id=first.pk)

    # The first plan would have created 17 things that exist now: nothing is applied.
    assert again.status == ImportRun.Status.PENDING and again.replanned
    assert (again.plan["created"], again.plan["unchanged"]) == (0, first.plan["unchanged"] + 17)
    assert again.sync_run is None and User.objects.count() == users
    assert SyncRun.objects.count() == 1

    done = services.apply_import(actor=actor_for(admin), run_id=first.pk)
    assert done.status == ImportRun.Status.APPLIED
    assert done.sync_run.unchanged == again.plan["unchanged"]
    assert User.objects.count() == users


def test_rows_without_a_name_or_a_sourced_id_are_rejected_and_never_created(admin, school,
                                                                            tmp_path):
    data = edited_export(
        tmp_path, "604918,,,true,255901001,student,Peter Ivan Nash,{Local:918},Peter,Nash,Ivan,",
        "U-S903,,,true,255901001,student,,,,,,")
    data_zip = zipfile.ZipFile(io.BytesIO(data))
    users = data_zip.read("export/users.csv").decode().replace("604927,", ",", 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in data_zip.namelist():
            archive.writestr(name, users if name.endswith("users.csv")
                             else data_zip.read(name))

    run = preview(admin, school, buffer.getvalue())
    rejected = {(r["file"], r["line"], r["sourcedId"]): r["reason"]
                for r in run.plan["rejected"]}
    assert rejected == {("users.csv", 4, "U-S903"): "缺少姓名（givenName 和 familyName 都为空）",
                        ("users.csv", 5, ""): "缺少 sourcedId"}
    services.apply_import(actor=actor_for(admin), run_id=run.pk)

    assert not SourcedUser.objects.filter(sourced_id="U-S903").exists()
    assert not User.objects.filter(display_name__in=["U-S903", "同学", "Larry Mahoney"]).exists()
    assert SourcedUser.objects.filter(school=school).count() == 8


def test_a_valid_free_username_in_the_file_is_used_and_a_taken_one_is_said(admin, school):
    make_user("li_si")  # someone else has it

    run = preview(admin, school, oneroster.sample_zip())
    services.apply_import(actor=actor_for(admin), run_id=run.pk)

    by_sourced_id = {m.sourced_id: m.user for m in SourcedUser.objects.filter(school=school)}
    assert by_sourced_id["P-S001"].username == "zhang_san"
    assert by_sourced_id["P-T001"].username == "wang_laoshi"
    assert by_sourced_id["P-S002"].username == f"s{school.pk}-2026010002"
    assert by_sourced_id["P-S003"].username == f"s{school.pk}-2026010003"  # none in the file
    assert [note for note in run.plan["notes"] if "用户名" in note] == [
        "users.csv 第 4 行（P-S002）：用户名 “li_si” 已被占用，已改用自动生成的用户名"]


def test_the_sample_file_is_a_valid_export_the_page_offers(client, admin, school):
    client.force_login(admin)
    response = client.get(reverse("roster_sample", args=[school.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"

    run = preview(admin, school, response.content)

    # 2 sessions, 1 course, 1 class, 4 people, 4 enrolments; nothing rejected
    assert (run.plan["created"], run.plan["rejected"], run.plan["skipped"]) == (12, [], [])
    client.force_login(make_user(school=school))  # a student
    assert client.get(reverse("roster_sample", args=[school.pk])).status_code == 404


def test_a_cancelled_import_changes_nothing_and_cannot_be_applied(client, admin, school):
    client.force_login(admin)
    before = state()
    run = preview(admin, school, zipped(EDFI))

    page = client.post(reverse("roster_import_decide", args=[school.pk, run.pk, "cancel"]),
                       follow=True).content.decode()

    assert "已取消这次导入" in page
    run.refresh_from_db()
    assert run.status == ImportRun.Status.CANCELLED and bytes(run.data) == b""
    with pytest.raises(Conflict):
        services.apply_import(actor=actor_for(admin), run_id=run.pk)
    assert state() == before


def test_the_history_lists_each_import_with_who_when_counts_and_its_report(client, admin,
                                                                          school):
    client.force_login(admin)
    applied = preview(admin, school, zipped(EDFI))
    services.apply_import(actor=actor_for(admin), run_id=applied.pk)
    cancelled = preview(admin, school, oneroster.sample_zip())
    services.cancel_import(actor=actor_for(admin), run_id=cancelled.pk)

    response = client.get(reverse("roster_import_history", args=[school.pk]))

    assert response.status_code == 200
    assert [run.pk for run in response.context["runs"]] == [cancelled.pk, applied.pk]
    page = response.content.decode()
    assert "已导入" in page and "已取消" in page and admin.display_name in page
    report = client.get(reverse("roster_import_run", args=[school.pk, applied.pk]))
    assert report.status_code == 200
    assert "导入报告" in report.content.decode() and "确认导入" not in report.content.decode()


def test_another_schools_admin_can_neither_see_nor_apply_a_run(client, admin, school):
    run = preview(admin, school, zipped(EDFI))
    other = make_school()
    other_admin = make_user(school=other, role=User.Role.STAFF)
    other.administrators.add(other_admin)
    client.force_login(other_admin)

    for url in (reverse("roster_import_run", args=[other.pk, run.pk]),
                reverse("roster_import_run", args=[school.pk, run.pk]),
                reverse("roster_import_history", args=[school.pk])):
        assert client.get(url).status_code == 404
    for school_id in (other.pk, school.pk):
        url = reverse("roster_import_decide", args=[school_id, run.pk, "apply"])
        assert client.post(url).status_code == 404
    with pytest.raises(PermissionDenied):
        services.apply_import(actor=actor_for(other_admin), run_id=run.pk)
    with pytest.raises(PermissionDenied):
        services.cancel_import(actor=actor_for(other_admin), run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.PENDING
    assert not SourcedUser.objects.exists()


SYNC_USERS = """
mutation($rows: [UserRow!]!, $dryRun: Boolean) {
  syncUsers(input: {rows: $rows, dryRun: $dryRun}) {
    errors { code message }
    report { syncRunId dryRun created updated removed unchanged notes
             rejected { index sourcedId reason } }
  }
}"""
ROWS = [
    {"sourcedId": "s-1", "role": "student", "givenName": "伟", "familyName": "张",
     "identifier": "2023010101", "username": "zhang_wei"},
    {"sourcedId": "s-2", "role": "student", "identifier": "2023010102"},
    {"sourcedId": "s-3", "role": "student", "givenName": "娜", "familyName": "王",
     "username": "x"},
]


def test_a_school_app_previews_a_sync_with_dry_run_and_nothing_changes(client, school):
    app, _secret = make_school_app(school)
    token = mint_token(app)
    before = state()

    body = graphql(client, SYNC_USERS, token, rows=ROWS, dryRun=True).json()

    report = body["data"]["syncUsers"]["report"]
    assert report["dryRun"] is True and report["syncRunId"] is None
    assert (report["created"], report["updated"], report["removed"]) == (2, 0, 0)
    assert [(r["index"], r["reason"]) for r in report["rejected"]] == [
        (1, "缺少姓名（givenName 和 familyName 都为空）")]
    assert any("“x” 无效" in note for note in report["notes"])
    assert state() == before

    applied = graphql(client, SYNC_USERS, token, rows=ROWS).json()["data"]["syncUsers"]["report"]

    assert applied["dryRun"] is False and applied["syncRunId"] is not None
    assert {key: applied[key] for key in ("created", "rejected", "notes")} == {
        key: report[key] for key in ("created", "rejected", "notes")}
    assert User.objects.get(member_number="2023010101").username == "zhang_wei"


def test_dry_run_is_checked_like_a_sync_another_schools_app_is_refused(client, school):
    other_app, _secret = make_school_app(make_school())
    query = SYNC_USERS.replace("$dryRun: Boolean", "$dryRun: Boolean, $schoolId: ID").replace(
        "dryRun: $dryRun}", "dryRun: $dryRun, schoolId: $schoolId}")
    body = graphql(client, query, mint_token(other_app), rows=ROWS, dryRun=True,
                   schoolId=global_id("School", school.pk)).json()
    result = body.get("data", {}) and body["data"]["syncUsers"]
    codes = ([e["code"] for e in result["errors"]] if result
             else [e["extensions"]["code"] for e in body["errors"]])
    assert codes == ["PERMISSION_DENIED"]
