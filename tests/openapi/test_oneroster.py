"""OneRoster imports: the real 1.1 export in shared/fixtures (with its real defects), a 1.2
sample, the management command and the school administrator's import page."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from feeds import services as feed_services
from openapi_plugins.academic_affairs import oneroster, services
from openapi_plugins.academic_affairs.models import Enrolment, Section, SourcedUser, SyncRun
from tests.factories import actor_for, make_school, make_user
from yiban_core.accounts.models import User
from yiban_core.errors import PermissionDenied
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group, Membership

# A copy of shared/fixtures/oneroster-1.1-edfi, byte for byte (see its SOURCE.txt).
EDFI = settings.BASE_DIR / "tests" / "fixtures" / "oneroster-1.1-edfi"
SAMPLE_12 = Path(__file__).parent / "oneroster-1.2-sample"
SCHOOL_ORG = "255901001"
FALL_2020 = date(2020, 9, 1)  # the Ed-Fi export's term: its enrolments end 2020-12-18
ENG, ALG = "25590100101Trad120ENG112011", "25590100102Trad220ALG112011"

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return make_school("格兰德本德高中")


@pytest.fixture
def admin(school):
    user = make_user("jiaowu_admin", school=school, role=User.Role.STAFF)
    school.administrators.add(user)
    return user


def run_import(admin, school, source=EDFI, org=SCHOOL_ORG, as_of=FALL_2020):
    return services.import_oneroster(actor=actor_for(admin), school=school,
                                     roster=oneroster.read_roster(source), org_sourced_id=org,
                                     as_of=as_of)


def members(section_id: str) -> dict[str, str]:
    """{user sourcedId: role} of the section's class group."""
    group = Section.objects.get(sourced_id=section_id).class_group
    sourced = dict(SourcedUser.objects.filter(school=group.school_id)
                   .values_list("user_id", "sourced_id"))
    return {sourced[m.user_id]: m.role for m in group.memberships.all()}


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.glob("*.csv")):
            archive.write(path, f"export/{path.name}")
    return buffer.getvalue()


def test_the_fixture_resolves_from_the_project():
    assert (EDFI / "users.csv").is_file()


def test_the_edfi_export_becomes_two_class_groups_with_their_teachers_and_students(admin,
                                                                                     school):
    report = run_import(admin, school)

    assert report.rejected == [] and report.skipped == []
    # Its manifest says manifest.version=1: a malformed manifest, said in the report.
    assert any("manifest.version" in note and "“1”" in note for note in report.notes)
    # 3 sessions, 2 courses, 2 classes, 10 users, 24 enrolments
    assert (report.created, report.updated, report.removed) == (41, 0, 0)
    groups = Group.objects.filter(school=school, kind=Group.Kind.CLASS)
    assert groups.count() == 2
    assert all(group.is_private and group.join_code for group in groups)
    people = User.objects.filter(sourced_ids__school=school)
    assert people.filter(role=User.Role.STUDENT).count() == 8
    assert people.filter(role=User.Role.TEACHER).count() == 2  # the rows with an extra empty field
    # The export has no identifier (学号): nobody gets one nor is verified by it.
    assert all(person.school == school for person in people)
    assert not any(person.is_verified or person.member_number for person in people)
    assert not any(person.username.endswith(person.sourced_ids.get().sourced_id)
                   for person in people)
    assert not any(person.has_usable_password() for person in people)
    assert members(ENG) == {"207268": "owner", "604863": "member", "604874": "member",
                            "604969": "member", "604974": "member", "605015": "member"}
    assert members(ALG) == {"207270": "owner", "604863": "member", "604874": "member",
                            "604918": "member", "604927": "member", "604938": "member"}
    eng = Section.objects.get(sourced_id=ENG).class_group
    assert eng.owner.sourced_ids.get().sourced_id == "207268" and eng.member_count == 6
    assert Enrolment.objects.filter(school=school).count() == 24
    run = SyncRun.objects.get(pk=report.run.pk)
    assert run.source == "oneroster" and run.created == 41 and run.finished_at is not None


def test_importing_the_same_export_twice_changes_nothing(admin, school):
    run_import(admin, school)
    before = sorted(Membership.objects.values_list("group_id", "user_id", "role"))
    users = User.objects.count()

    again = run_import(admin, school)

    assert (again.created, again.updated, again.removed, again.unchanged) == (0, 0, 0, 41)
    assert again.rejected == []
    assert sorted(Membership.objects.values_list("group_id", "user_id", "role")) == before
    assert User.objects.count() == users


def test_an_existing_verified_student_is_matched_by_member_number(admin, school, tmp_path):
    mary = make_user("mary_archer", school=school)
    User.objects.filter(pk=mary.pk).update(member_number="2021-0863",
                                           verified_at="2025-09-01T00:00Z")
    export = tmp_path / "export"
    shutil.copytree(EDFI, export)
    users = (export / "users.csv").read_text(encoding="utf-8")
    (export / "users.csv").write_text(users.replace("Mary,Archer,,,", "Mary,Archer,,2021-0863,"),
                                      encoding="utf-8")

    run_import(admin, school, source=export)

    assert SourcedUser.objects.get(school=school, sourced_id="604863").user == mary
    assert members(ENG)["604863"] == "member"
    assert User.objects.filter(school=school, member_number="2021-0863").count() == 1


def test_only_a_real_identifier_gives_a_member_number_and_verifies(admin, school, tmp_path):
    export = tmp_path / "export"
    shutil.copytree(EDFI, export)
    users = (export / "users.csv").read_text(encoding="utf-8")
    (export / "users.csv").write_text(users.replace("Kyle,Hughes,,,", "Kyle,Hughes,,2021-0874,"),
                                      encoding="utf-8")

    run_import(admin, school, source=export)

    kyle = SourcedUser.objects.get(school=school, sourced_id="604874").user
    mary = SourcedUser.objects.get(school=school, sourced_id="604863").user
    assert (kyle.member_number, kyle.is_verified) == ("2021-0874", True)
    assert (mary.member_number, mary.is_verified) == (None, False)


def test_defective_rows_are_rejected_with_file_line_and_reason(admin, school, tmp_path):
    export = tmp_path / "export"
    shutil.copytree(EDFI, export)
    users = (export / "users.csv").read_text(encoding="utf-8")
    # The Algebra teacher's extra field is not empty any more: that row cannot be trusted.
    users = users.replace("Kelley.Christian@studentgps.org,,,,,,",
                          "Kelley.Christian@studentgps.org,,,,,,oops")
    (export / "users.csv").write_text(users, encoding="utf-8")
    with (export / "orgs.csv").open("a", encoding="utf-8") as orgs:
        orgs.write("255901002,,,Grand Bend Middle School,school,,255901,,,,,\n")
    with (export / "classes.csv").open("a", encoding="utf-8") as classes:
        classes.write("MS-ENG,,,ENG-7,07,ENG-1,English 7,scheduled,1,255901002,"
                      "255901001_2021_2020-2021_Fall,,,1\n")

    report = run_import(admin, school, source=export)

    # Another school's class is no error of this school's: it is reported apart.
    assert [(r["file"], r["line"], r["sourcedId"]) for r in report.skipped] == [
        ("classes.csv", 4, "MS-ENG")]
    assert [(r["file"], r["line"], r["sourcedId"], r["reason"]) for r in report.rejected] == [
        ("enrollments.csv", 22, "7381FA73-FC6A-42C8-8951-32346DEB84E1",
         "找不到用户 207270（请先同步用户）"),
        ("enrollments.csv", 24, "36549958-818D-4E44-A569-00FD8A27F4BF",
         "找不到用户 207270（请先同步用户）"),
        ("users.csv", 10, "207270", "比表头多 1 列，且多出的列不为空"),
    ]
    # Algebra has no teacher now: its students wait as enrolments until one arrives.
    assert Section.objects.get(sourced_id=ALG).class_group is None
    assert Enrolment.objects.filter(section__sourced_id=ALG).count() == 10
    assert members(ENG)["207268"] == "owner"


def test_enrolments_end_with_their_end_date_and_disabled_users_are_suspended(admin, school,
                                                                             tmp_path):
    run_import(admin, school)
    mary = SourcedUser.objects.get(school=school, sourced_id="604863").user
    assert "604863" in members(ENG) and mary.is_active

    export = tmp_path / "export"
    shutil.copytree(EDFI, export)
    users = (export / "users.csv").read_text(encoding="utf-8")
    (export / "users.csv").write_text(users.replace("604863,,,true,", "604863,,,false,"),
                                      encoding="utf-8")
    report = run_import(admin, school, source=export, as_of=date(2021, 6, 1))  # both terms over

    assert report.removed == 24 and report.rejected == []
    # Only the owners stay (a group is never left without one: reconcile.py).
    assert members(ENG) == {"207268": "owner"} and members(ALG) == {"207270": "owner"}
    mary.refresh_from_db()
    assert not mary.is_active
    assert SourcedUser.objects.get(school=school, sourced_id="604874").user.is_active

    run_import(admin, school)  # enabled again, and the fall term read again
    mary.refresh_from_db()
    assert mary.is_active and "604863" in members(ENG)


MOVED = ("604969", "604974", "605015")  # from English to the new Geometry class
SPRING_2021 = date(2021, 1, 11)


def second_term(tmp_path, mode: str = "bulk") -> Path:
    """The spring term's export: Algebra dropped, a new Geometry class taught by the
    Algebra teacher, three English students moved to it, the fall enrolments gone."""
    export = tmp_path / f"term2-{mode}"
    shutil.copytree(EDFI, export)
    manifest = (export / "manifest.csv").read_text(encoding="utf-8")
    (export / "manifest.csv").write_text(manifest.replace(",bulk", f",{mode}"), encoding="utf-8")
    classes = (export / "classes.csv").read_text(encoding="utf-8").splitlines()
    geometry = classes[1].replace(ENG, "GEO-1").replace("ENG-1,09,ENG-1,English I",
                                                         "GEO-1,09,ENG-1,Geometry")
    (export / "classes.csv").write_text("\n".join([classes[0], classes[1], geometry]) + "\n",
                                        encoding="utf-8")
    lines = (export / "enrollments.csv").read_text(encoding="utf-8").splitlines()
    kept = [lines[0]]
    for line in lines[1:]:
        fields = line.split(",")
        if fields[3] != ENG or fields[8] != "2021-01-04":
            continue
        if fields[5] in MOVED:
            fields[0], fields[3] = f"{fields[0]}-geo", "GEO-1"
        kept.append(",".join(fields))
    kept.append(f"GEO-T,,,GEO-1,{SCHOOL_ORG},207270,teacher,true,2021-01-04,2021-05-28")
    (export / "enrollments.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return export


def test_a_bulk_export_of_the_next_term_is_the_whole_truth(admin, school, tmp_path):
    first = run_import(admin, school)
    assert any("教学班 bulk，选课 bulk" in note for note in first.notes)
    algebra = Section.objects.get(sourced_id=ALG).class_group

    term2 = second_term(tmp_path)
    report = run_import(admin, school, source=term2, as_of=SPRING_2021)

    assert report.rejected == []
    assert members(ENG) == {"207268": "owner", "604863": "member", "604874": "member"}
    assert members("GEO-1") == {"207270": "owner", **dict.fromkeys(MOVED, "member")}
    # Algebra was dropped: its group is archived, not deleted; its students left it.
    assert members(ALG) == {"207270": "owner"}
    algebra.refresh_from_db()
    assert algebra.archived_at is not None
    assert any("归档" in note for note in report.notes)
    student = SourcedUser.objects.get(school=school, sourced_id="604918").user
    with pytest.raises(PermissionDenied):
        feed_services.publish_post(actor=actor_for(algebra.owner), text="还有人吗", group=algebra)
    with pytest.raises(PermissionDenied):
        group_services.join_by_code(actor=actor_for(student), code=algebra.join_code)
    assert Membership.objects.filter(group=algebra, user=student).count() == 0

    again = run_import(admin, school, source=term2, as_of=SPRING_2021)
    assert (again.created, again.updated, again.removed) == (0, 0, 0)


def test_a_delta_export_removes_only_what_it_marks_tobedeleted(admin, school, tmp_path):
    run_import(admin, school)
    before_alg = members(ALG)

    report = run_import(admin, school, source=second_term(tmp_path, "delta"), as_of=SPRING_2021)

    assert any("教学班 delta，选课 delta" in note for note in report.notes)
    assert report.removed == 0
    assert members(ALG) == before_alg
    assert Section.objects.get(sourced_id=ALG).class_group.archived_at is None
    assert set(MOVED) <= set(members(ENG)) and set(MOVED) <= set(members("GEO-1"))


def test_an_org_that_is_not_a_school_of_the_export_is_refused(admin, school):
    from yiban_core.errors import Invalid

    with pytest.raises(Invalid):
        run_import(admin, school, org="255901")  # the district
    assert not Section.objects.exists()


def test_a_oneroster_1_2_zip_imports(admin, school, tmp_path):
    archive = tmp_path / "roster.zip"
    archive.write_bytes(zipped(SAMPLE_12))
    roster = oneroster.read_roster(archive)
    assert roster.version == "1.2"

    report = run_import(admin, school, source=archive, org="hzvtc", as_of=date(2025, 10, 1))

    assert [(r["file"], r["line"], r["sourcedId"]) for r in report.rejected] == [
        ("users.csv", 6, "u-p1")]
    assert "guardian" in report.rejected[0]["reason"]
    assert [(r["file"], r["line"], r["sourcedId"]) for r in report.skipped] == [
        ("classes.csv", 4, "k-xs-1"), ("enrollments.csv", 7, "e-xs-1")]
    assert not any("manifest.version" in note for note in report.notes)  # it says 1.0
    web = Section.objects.get(sourced_id="k-web-1")
    assert web.class_group.name == "Web前端开发（软件2301班）"
    assert members("k-web-1") == {"u-t1": "owner", "u-s1": "member", "u-s2": "member"}
    teacher = User.objects.get(school=school, member_number="T20090123")
    assert teacher.role == User.Role.TEACHER and teacher.display_name == "王芳"
    assert members("k-db-1") == {"u-t1": "owner", "u-s3": "member"}
    again = run_import(admin, school, source=archive, org="hzvtc", as_of=date(2025, 10, 1))
    assert (again.created, again.updated, again.removed) == (0, 0, 0)


def test_the_management_command_prints_the_report(admin, school):
    out = io.StringIO()
    call_command("import_oneroster", str(EDFI), "--school", str(school.pk), "--org", SCHOOL_ORG,
                 "--as-of", "2020-09-01", "--dry-run", stdout=out)
    assert "dry run, nothing changed" in out.getvalue()
    assert "created 41, updated 0, removed 0, unchanged 0, rejected 0" in out.getvalue()
    assert not SyncRun.objects.exists() and not Section.objects.exists()

    out = io.StringIO()
    call_command("import_oneroster", str(EDFI), "--school", str(school.pk), "--org", SCHOOL_ORG,
                 "--as-of", "2020-09-01", stdout=out)
    assert "created 41, updated 0, removed 0, unchanged 0, rejected 0" in out.getvalue()
    assert "教学班 bulk，选课 bulk" in out.getvalue() and "manifest.version" in out.getvalue()
    assert Group.objects.filter(school=school, kind=Group.Kind.CLASS).count() == 2


def test_a_school_admin_imports_a_zip_on_the_web_page(client, admin, school):
    client.force_login(admin)
    url = reverse("roster_import", args=[school.pk])
    assert client.get(url).status_code == 200

    upload = SimpleUploadedFile("roster.zip", zipped(EDFI), content_type="application/zip")
    response = client.post(url, {"file": upload, "org": ""}, follow=True)

    # A preview first: imported today, the export's 2020 term is over, its enrolments end.
    assert response.status_code == 200 and response.context["run"].plan["created"] == 17
    page = response.content.decode()
    assert "导入预览" in page and "教学班 bulk，选课 bulk" in page
    assert not SourcedUser.objects.filter(school=school).exists()
    run = response.context["run"]

    page = client.post(reverse("roster_import_decide", args=[school.pk, run.pk, "apply"]),
                       follow=True).content.decode()

    assert "导入报告" in page and "名单已导入" in page
    assert SourcedUser.objects.filter(school=school).count() == 10
    assert not Enrolment.objects.filter(school=school).exists()
    assert not Group.objects.filter(school=school, kind=Group.Kind.CLASS).exists()


def test_a_file_that_is_not_a_zip_is_an_error_on_the_form(client, admin, school):
    client.force_login(admin)
    upload = SimpleUploadedFile("roster.csv", b"sourcedId\n1\n", content_type="text/csv")
    response = client.post(reverse("roster_import", args=[school.pk]), {"file": upload})
    assert response.status_code == 400
    assert "zip" in response.content.decode()
    assert not SyncRun.objects.exists()


def test_a_student_or_another_schools_admin_cannot_open_the_import_page(client, school):
    url = reverse("roster_import", args=[school.pk])
    client.force_login(make_user(school=school))
    assert client.get(url).status_code == 404
    other = make_school()
    other_admin = make_user(school=other, role=User.Role.STAFF)
    other.administrators.add(other_admin)
    client.force_login(other_admin)
    upload = SimpleUploadedFile("roster.zip", zipped(EDFI), content_type="application/zip")
    assert client.post(url, {"file": upload, "org": SCHOOL_ORG}).status_code == 404
    assert not Section.objects.exists()


def test_the_reader_tolerates_a_bom_and_reports_short_and_overlong_rows(tmp_path):
    (tmp_path / "orgs.csv").write_bytes(
        "\ufeffsourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n"
        "s1,,,杭州职业技术学院,school,,\r\n"
        "\r\n"
        "s2,,,短行,school\r\n"
        "s3,,,多一列,school,,,x\r\n"
        "s4,,,末尾逗号,school,,,".encode())
    roster = oneroster.read_roster(tmp_path)
    assert roster.version == "1.1"
    assert [row.data["sourcedId"] for row in roster.rows("orgs")] == ["s1", "s4"]
    assert [(p["line"], p["sourcedId"]) for p in roster.problems] == [(4, "s2"), (5, "s3")]
    assert "少 2 列" in roster.problems[0]["reason"]


def test_a_zip_without_roster_files_is_refused(tmp_path):
    from yiban_core.errors import Invalid

    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    with pytest.raises(Invalid):
        oneroster.read_roster(archive)
