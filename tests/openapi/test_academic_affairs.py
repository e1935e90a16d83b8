"""Roster syncs over GraphQL by a school app (bearer token, scope school:roster)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from openapi_plugins.academic_affairs import services
from openapi_plugins.academic_affairs.models import Enrolment, Section, SyncRun, Term
from openapi_plugins.registry import plugin
from tests.factories import PASSWORD, actor_for, make_school, make_user
from tests.openapi.helpers import graphql, make_school_app, mint_token
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import PermissionDenied
from yiban_core.graphql.relay import global_id
from yiban_core.groups.models import Ban, Group, Membership

pytestmark = pytest.mark.django_db

SYNC = """
mutation($rows: [%(row)s!]!, $replace: Boolean, $schoolId: ID) {
  %(name)s(input: {rows: $rows%(extra)s, schoolId: $schoolId}) {
    errors { code field message }
    report { syncRunId created updated removed unchanged
             rejected { index sourcedId reason } }
  }
}"""
ROW_TYPES = {"syncTerms": "TermRow", "syncCourses": "CourseRow", "syncSections": "SectionRow",
             "syncUsers": "UserRow", "syncEnrolments": "EnrolmentRow"}
SECTIONS = """query($schoolId: ID) { rosterSections(first: 10, schoolId: $schoolId) {
  edges { node { sourcedId title courseSourcedId termSourcedIds classGroupId } } } }"""

TERMS = [{"sourcedId": "2025-1", "title": "2025-2026学年第一学期", "type": "semester",
          "startDate": "2025-09-01", "endDate": "2026-01-20"}]
COURSES = [{"sourcedId": "c-math", "title": "高等数学", "courseCode": "MATH101"}]
SECTION_ROWS = [{"sourcedId": "k-math-1", "title": "高等数学（计科2301班）",
                 "courseSourcedId": "c-math", "termSourcedIds": ["2025-1"]}]
USERS = [
    {"sourcedId": "t-1", "role": "teacher", "givenName": "敏", "familyName": "刘",
     "identifier": "T2008001"},
    {"sourcedId": "t-2", "role": "teacher", "givenName": "强", "familyName": "赵",
     "identifier": "T2012002"},
    {"sourcedId": "s-1", "role": "student", "givenName": "伟", "familyName": "张",
     "identifier": "2023010101"},
    {"sourcedId": "s-2", "role": "student", "givenName": "娜", "familyName": "王",
     "identifier": "2023010102"},
]
ENROLMENTS = [
    {"sourcedId": "e-1", "classSourcedId": "k-math-1", "userSourcedId": "s-1",
     "role": "student"},
    {"sourcedId": "e-2", "classSourcedId": "k-math-1", "userSourcedId": "t-2",
     "role": "teacher"},
    {"sourcedId": "e-3", "classSourcedId": "k-math-1", "userSourcedId": "t-1",
     "role": "teacher", "primary": True},
    {"sourcedId": "e-4", "classSourcedId": "k-math-1", "userSourcedId": "s-2",
     "role": "student"},
]


def sync(client, token, name, rows, **variables):
    extra = ", replace: $replace" if name == "syncEnrolments" else ""
    query = SYNC % {"row": ROW_TYPES[name], "name": name, "extra": extra}
    if name != "syncEnrolments":
        query = query.replace(", $replace: Boolean", "")
    response = graphql(client, query, token, rows=rows, **variables)
    assert response.status_code == 200, response.content
    body = response.json()
    assert "errors" not in body, body
    return body["data"][name]


def counts(result) -> tuple[int, int, int, int]:
    report = result["report"]
    return report["created"], report["updated"], report["removed"], report["unchanged"]


@pytest.fixture
def school():
    return make_school("华东理工学院")


@pytest.fixture
def token(school):
    app, _secret = make_school_app(school)
    return mint_token(app)


def sync_everything(client, token):
    return [sync(client, token, name, rows) for name, rows in (
        ("syncTerms", TERMS), ("syncCourses", COURSES), ("syncSections", SECTION_ROWS),
        ("syncUsers", USERS), ("syncEnrolments", ENROLMENTS))]


def class_group() -> Group:
    return Section.objects.get(sourced_id="k-math-1").class_group


def roles() -> dict[str, str]:
    return {m.user.member_number: m.role
            for m in class_group().memberships.select_related("user")}


def test_a_sync_creates_the_class_group_and_a_second_identical_sync_changes_nothing(client,
                                                                                     token,
                                                                                     school):
    first = sync_everything(client, token)
    assert [counts(result) for result in first] == [
        (1, 0, 0, 0), (1, 0, 0, 0), (1, 0, 0, 0), (4, 0, 0, 0), (4, 0, 0, 0)]
    assert all(result["errors"] == [] and result["report"]["rejected"] == []
               for result in first)
    group = class_group()
    assert group.kind == Group.Kind.CLASS and group.school == school and group.is_private
    assert group.owner.member_number == "T2008001"  # the primary teacher, not the first listed
    assert roles() == {"T2008001": "owner", "T2012002": "admin", "2023010101": "member",
                       "2023010102": "member"}
    assert group.member_count == 4
    student = User.objects.get(school=school, member_number="2023010101")
    assert student.is_verified and student.display_name == "张伟"

    second = sync_everything(client, token)

    assert [counts(result) for result in second] == [
        (0, 0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 4), (0, 0, 0, 4)]
    assert roles() == {"T2008001": "owner", "T2012002": "admin", "2023010101": "member",
                       "2023010102": "member"}


def test_the_app_reads_back_its_sections_with_their_class_group(client, token):
    sync_everything(client, token)
    body = graphql(client, SECTIONS, token).json()
    assert body["data"]["rosterSections"]["edges"] == [{"node": {
        "sourcedId": "k-math-1", "title": "高等数学（计科2301班）", "courseSourcedId": "c-math",
        "termSourcedIds": ["2025-1"], "classGroupId": global_id("Group", class_group().pk)}}]


COMPLETE_BULK = """mutation($classes: [String!]!, $enrolments: [String!]!) {
  completeBulkRosterSync(input: {classSourcedIds: $classes, enrolmentSourcedIds: $enrolments})
  { report { removed notes } errors { field code message } } }"""


def test_a_bulk_sync_through_graphql_ends_what_the_export_left_out(client, token):
    sync_everything(client, token)
    group = class_group()

    # The whole export lists the class and its teachers: the students' enrolments ended.
    body = graphql(client, COMPLETE_BULK, token, classes=["k-math-1"],
                   enrolments=["e-2", "e-3"]).json()["data"]["completeBulkRosterSync"]
    assert body["errors"] == [] and body["report"]["removed"] == 2
    assert roles() == {"T2008001": "owner", "T2012002": "admin"}

    # Then the class itself is dropped: archived, kept, read-only.
    body = graphql(client, COMPLETE_BULK, token, classes=["k-other"],
                   enrolments=["e-2", "e-3"]).json()["data"]["completeBulkRosterSync"]
    assert any("归档" in note for note in body["report"]["notes"])
    group.refresh_from_db()
    assert group.archived_at is not None

    # An empty list of classes is a client's mistake, not "every class was dropped".
    body = graphql(client, COMPLETE_BULK, token, classes=[],
                   enrolments=[]).json()["data"]["completeBulkRosterSync"]
    assert body["errors"][0]["field"] == "classSourcedIds"
    assert Enrolment.objects.filter(section__sourced_id="k-math-1").count() == 2


def test_removing_an_enrolment_removes_the_membership(client, token):
    sync_everything(client, token)
    result = sync(client, token, "syncEnrolments",
                  [{**ENROLMENTS[0], "status": "tobedeleted"}])
    assert counts(result) == (0, 0, 1, 0)
    assert "2023010101" not in roles()
    assert class_group().member_count == 3


def test_a_full_replace_removes_the_enrolments_left_out(client, token):
    sync_everything(client, token)
    result = sync(client, token, "syncEnrolments", ENROLMENTS[1:3], replace=True)
    assert counts(result) == (0, 0, 2, 2)
    assert roles() == {"T2008001": "owner", "T2012002": "admin"}


def test_someone_who_joined_with_the_class_code_is_not_removed_by_a_replace(client, token,
                                                                             school):
    from yiban_core.groups.services import join_by_code

    sync_everything(client, token)
    newcomer = make_user(school=school)
    join_by_code(actor=actor_for(newcomer), code=class_group().join_code)
    sync(client, token, "syncEnrolments", ENROLMENTS, replace=True)
    assert Membership.objects.filter(group=class_group(), user=newcomer).exists()


def test_a_role_change_student_to_teacher_changes_the_membership(client, token):
    sync_everything(client, token)
    sync(client, token, "syncUsers", [{**USERS[2], "role": "teacher"}])
    result = sync(client, token, "syncEnrolments", [{**ENROLMENTS[0], "role": "teacher"}])
    assert counts(result) == (0, 1, 0, 0)
    assert roles()["2023010101"] == "admin"


def test_when_the_owner_leaves_the_class_another_teacher_owns_it(client, token):
    sync_everything(client, token)
    sync(client, token, "syncEnrolments", [{**ENROLMENTS[2], "status": "tobedeleted"}])
    assert class_group().owner.member_number == "T2012002"
    assert roles() == {"T2012002": "owner", "2023010101": "member", "2023010102": "member"}


def test_students_before_any_teacher_wait_for_the_class_group(client, token):
    sync_everything(client, token)
    Section.objects.all().delete()
    sync(client, token, "syncSections", SECTION_ROWS)
    sync(client, token, "syncEnrolments", [ENROLMENTS[0]])
    assert class_group() is None
    sync(client, token, "syncEnrolments", [ENROLMENTS[2]])
    assert roles() == {"T2008001": "owner", "2023010101": "member"}


def test_a_bad_row_is_rejected_and_the_sound_rows_are_applied(client, token, school):
    sync_everything(client, token)
    rows = [{"sourcedId": "s-3", "role": "student", "familyName": "孙", "givenName": "丽",
             "identifier": "2023010103"},
            {"sourcedId": "p-1", "role": "guardian", "familyName": "孙", "givenName": "建国"},
            {"sourcedId": "s-4", "role": "student", "familyName": "钱", "givenName": "多",
             "identifier": "2023010101"}]
    result = sync(client, token, "syncUsers", rows)
    assert counts(result) == (1, 0, 0, 0)
    rejected = result["report"]["rejected"]
    assert [(r["index"], r["sourcedId"]) for r in rejected] == [(1, "p-1"), (2, "s-4")]
    assert "guardian" in rejected[0]["reason"]
    assert "2023010101" in rejected[1]["reason"]
    assert User.objects.filter(school=school, member_number="2023010103").exists()


def test_a_banned_student_is_rejected_not_added(client, token, school):
    sync_everything(client, token)
    student = User.objects.get(school=school, member_number="2023010101")
    sync(client, token, "syncEnrolments", [{**ENROLMENTS[0], "status": "tobedeleted"}])
    Ban.objects.create(group=class_group(), user=student)
    result = sync(client, token, "syncEnrolments", [ENROLMENTS[0]])
    assert counts(result) == (0, 0, 0, 0)
    assert result["report"]["rejected"][0]["reason"] == "你已被禁止加入这个群"
    assert not Enrolment.objects.filter(sourced_id="e-1").exists()


def test_a_batch_of_501_rows_is_refused_and_nothing_is_written(client, token):
    rows = [{**TERMS[0], "sourcedId": f"t-{n}"} for n in range(501)]
    result = sync(client, token, "syncTerms", rows)
    assert result["report"] is None
    assert result["errors"][0]["code"] == "INVALID"
    assert "500" in result["errors"][0]["message"]
    assert not Term.objects.exists() and not SyncRun.objects.exists()


def test_a_school_app_cannot_sync_or_read_another_school(client, token, school):
    other = make_school("另一所学院")
    other_id = global_id("School", other.pk)
    result = sync(client, token, "syncTerms", TERMS, schoolId=other_id)
    assert result["errors"][0]["code"] == "PERMISSION_DENIED"
    assert not Term.objects.exists()
    body = graphql(client, SECTIONS, token, schoolId=other_id).json()
    assert body["data"]["rosterSections"] is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # and another school's app sees nothing of this school's sections
    sync_everything(client, token)
    other_app, _secret = make_school_app(other)
    body = graphql(client, SECTIONS, mint_token(other_app)).json()
    assert body["data"]["rosterSections"]["edges"] == []


def test_a_token_without_school_roster_is_refused(client, school):
    app, _secret = make_school_app(school, scopes=("groups:read",))
    result = sync(client, mint_token(app), "syncTerms", TERMS)
    assert result["errors"][0]["code"] == "PERMISSION_DENIED"
    assert not Term.objects.exists()


def test_a_user_token_cannot_sync_even_for_a_school_admin(client, school):
    from tests.openapi.helpers import make_user_app

    admin = make_user(school=school, role=User.Role.STAFF)
    school.administrators.add(admin)
    app, _secret = make_user_app(scopes=("profile",))
    result = sync(client, mint_token(app, user=admin), "syncTerms", TERMS,
                  schoolId=global_id("School", school.pk))
    assert result["errors"][0]["code"] == "PERMISSION_DENIED"


def test_a_school_admin_in_a_web_session_may_sync_but_a_teacher_may_not(school):
    admin = make_user(school=school, role=User.Role.STAFF)
    school.administrators.add(admin)
    report = services.upsert_terms(actor=actor_for(admin), school=school,
                                   rows=[{"sourced_id": "2025-1", "title": "第一学期",
                                          "kind": "semester", "start_date": "2025-09-01",
                                          "end_date": "2026-01-20"}])
    assert report.created == 1
    teacher = make_user(school=school, role=User.Role.TEACHER)
    with pytest.raises(PermissionDenied):
        services.upsert_terms(actor=actor_for(teacher), school=school, rows=[])


def test_the_roster_synced_webhook_renders_for_its_own_school_only(client, token, school):
    result = sync(client, token, "syncCourses", COURSES)
    run_id = result["report"]["syncRunId"]
    event = next(e for e in plugin("academic_affairs").webhook_events
                 if e.name == "roster.synced")
    assert event.scope == "school:roster"
    payload = event.render(Actor(school=school, scopes=frozenset({"school:roster"})), run_id)
    assert payload["created"] == 1 and payload["kind"] == "courses"
    assert event.render(Actor(school=make_school(), scopes=frozenset({"school:roster"})),
                        run_id) is None


# --- a batch's queries do not grow with its rows ---------------------------------------

def _roster(school):
    """A school with an official group, a term, a course and five sections, each with a
    teacher enrolled (so each has its class group); returns the roster actor."""
    actor = Actor(school=school, scopes=frozenset({"school:roster"}))
    owner = make_user(school=school, role=User.Role.STAFF)
    Group.objects.create(name="官方群", kind=Group.Kind.SCHOOL, school=school, owner=owner)
    services.upsert_terms(actor=actor, rows=[{"sourced_id": "2025-1", "title": "第一学期",
                                              "kind": "semester", "start_date": "2025-09-01",
                                              "end_date": "2026-01-20"}])
    services.upsert_courses(actor=actor, rows=[{"sourced_id": "c-1", "title": "高等数学"}])
    services.upsert_sections(actor=actor, rows=[
        {"sourced_id": f"k-{n}", "title": f"教学班{n}", "course_sourced_id": "c-1",
         "term_sourced_ids": ["2025-1"]} for n in range(5)])
    services.upsert_users(actor=actor, rows=[
        {"sourced_id": f"t-{n}", "role": "teacher", "given_name": "老师", "family_name": "李",
         "identifier": f"T{n:07d}"} for n in range(5)])
    services.upsert_enrolments(actor=actor, rows=[
        {"sourced_id": f"et-{n}", "section_sourced_id": f"k-{n}", "user_sourced_id": f"t-{n}",
         "role": "teacher"} for n in range(5)])
    return actor


def _people(start: int, n: int) -> list[dict]:
    return [{"sourced_id": f"u-{k}", "role": "student", "given_name": f"同学{k}",
             "family_name": "张", "identifier": f"2026{k:06d}"} for k in range(start, start + n)]


def _enrolments(start: int, n: int) -> list[dict]:
    return [{"sourced_id": f"e-{k}", "section_sourced_id": f"k-{k % 5}",
             "user_sourced_id": f"u-{k}", "role": "student"} for k in range(start, start + n)]


def _queries(service, actor, rows) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        report = service(actor=actor, rows=rows)
    assert report.rejected == []
    # A bulk insert is one statement, which SQLite's limit of bound parameters splits
    # into consecutive chunks of the same INSERT: those count once.
    statements = [query["sql"].split(" (")[0] for query in context.captured_queries]
    return sum(1 for n, sql in enumerate(statements)
               if not (sql.startswith("INSERT") and n and statements[n - 1] == sql))


def test_the_queries_of_a_users_or_enrolments_batch_do_not_grow_with_its_rows(school):
    actor = _roster(school)
    users_50 = _queries(services.upsert_users, actor, _people(0, 50))
    users_500 = _queries(services.upsert_users, actor, _people(50, 500))
    new_50 = _queries(services.upsert_enrolments, actor, _enrolments(0, 50))
    new_500 = _queries(services.upsert_enrolments, actor, _enrolments(50, 500))
    same_50 = _queries(services.upsert_enrolments, actor, _enrolments(0, 50))
    same_500 = _queries(services.upsert_enrolments, actor, _enrolments(50, 500))
    unchanged_users_500 = _queries(services.upsert_users, actor, _people(50, 500))

    assert users_500 == users_50 and users_500 <= 30, (users_50, users_500)
    assert new_500 == new_50 and new_500 <= 30, (new_50, new_500)
    assert same_500 == same_50 and same_500 <= 15, (same_50, same_500)
    assert unchanged_users_500 <= 15, unchanged_users_500
    official = Group.objects.get(kind=Group.Kind.SCHOOL, school=school)
    assert official.member_count == official.memberships.count() == 555
    for section in Section.objects.select_related("class_group"):
        group = section.class_group
        assert group.member_count == group.memberships.count() == 111
        assert group.memberships.get(role=Membership.Role.OWNER).user_id == group.owner_id


def _queued(task_name: str) -> list[dict]:
    from django_tasks_db.models import DBTaskResult

    return [row.args_kwargs["kwargs"] for row in DBTaskResult.objects.filter(
        task_path__endswith=task_name).order_by("enqueued_at")]


def test_a_bulk_sync_and_a_single_join_have_the_same_effects(
        school, monkeypatch, django_capture_on_commit_callbacks):
    """Webhooks, the Redis timeline and the live streams hear of a roster sync's bulk
    writes exactly as of a student joining by code and leaving on their own."""
    from feeds import timeline_store
    from openapi_plugins.webhooks import services as webhook_services
    from realtime import events as live
    from yiban_core.groups import services as group_services

    actor = _roster(school)
    app, _secret = make_school_app(school, scopes=("school:roster", "groups:read"))
    webhook_services.subscribe(actor=actor_for(app.application.user), app=app,
                               url="http://127.0.0.1:9/hooks",
                               events=["group.member_joined", "group.member_left"])
    services.upsert_users(actor=actor, rows=_people(0, 1))
    synced = User.objects.get(member_number="2026000000")
    walker = make_user(school=school)
    group = Section.objects.get(sourced_id="k-0").class_group
    forgotten, revoked = [], []
    monkeypatch.setattr(timeline_store, "forget", forgotten.append)
    monkeypatch.setattr(live, "revoke_group",
                        lambda *, user_id, group_id: revoked.append((user_id, group_id)))

    def effects(user: User, change) -> dict:
        hooks, revokes = len(_queued("fan_out_event")), len(_queued("revoke_group_streams"))
        forgotten.clear()
        revoked.clear()
        with django_capture_on_commit_callbacks(execute=True):
            change()
        return {"webhooks": [(k["event"], {p["school"] for p in k["payloads"].values()})
                             for k in _queued("fan_out_event")[hooks:]],
                "revoke tasks": [k["pairs"] for k in _queued("revoke_group_streams")[revokes:]],
                "timelines forgotten": forgotten == [user.pk], "revoked": revoked,
                "member": group.memberships.filter(user=user).exists()}

    def expected(user: User, joined: bool) -> dict:
        event = "group.member_joined" if joined else "group.member_left"
        return {"webhooks": [(event, {global_id("School", school.pk)})],
                "revoke tasks": [] if joined else [[[user.pk, group.pk]]],
                "timelines forgotten": joined,
                "revoked": [] if joined else [(user.pk, group.pk)], "member": joined}

    enrolment = _enrolments(0, 1)
    assert effects(walker, lambda: group_services.join_by_code(
        actor=actor_for(walker), code=group.join_code)) == expected(walker, joined=True)
    assert effects(synced, lambda: services.upsert_enrolments(
        actor=actor, rows=enrolment)) == expected(synced, joined=True)
    assert effects(walker, lambda: group_services.leave_group(
        actor=actor_for(walker), group=group)) == expected(walker, joined=False)
    assert effects(synced, lambda: services.upsert_enrolments(
        actor=actor, rows=[{**enrolment[0], "status": "tobedeleted"}])) == expected(
        synced, joined=False)


def can_log_in(user: User) -> bool:
    response = Client().post(reverse("login"), {"username": user.username,
                                                "password": PASSWORD})
    return response.status_code == 302


def test_enabled_user_false_suspends_the_account_and_true_lifts_it(client, token, school):
    sync_everything(client, token)
    student = User.objects.get(school=school, member_number="2023010101")
    student.username = "zhang_wei"
    student.set_password(PASSWORD)
    student.save()
    assert can_log_in(student)

    result = sync(client, token, "syncUsers", [{**USERS[2], "enabledUser": False}])

    assert counts(result) == (0, 1, 0, 0)
    student.refresh_from_db()
    assert not student.is_active and not can_log_in(student)
    # Leaving the field out says nothing: the suspension stays.
    assert counts(sync(client, token, "syncUsers", [USERS[2]])) == (0, 0, 0, 1)
    assert not can_log_in(student)
    sync(client, token, "syncUsers", [{**USERS[2], "enabledUser": True}])
    assert can_log_in(student)


def test_an_end_date_in_the_past_ends_the_membership(client, token):
    sync_everything(client, token)
    later = sync(client, token, "syncEnrolments", [{**ENROLMENTS[3], "endDate": "2999-07-01"}])
    assert counts(later) == (0, 0, 0, 1) and "2023010102" in roles()

    result = sync(client, token, "syncEnrolments", [{**ENROLMENTS[0], "endDate": "2020-01-31"}])

    assert counts(result) == (0, 0, 1, 0)
    assert "2023010101" not in roles() and class_group().member_count == 3
    assert not Enrolment.objects.filter(sourced_id="e-1").exists()


def test_a_role_changed_by_the_roster_reaches_the_persons_cached_reads(client, token):
    """A role the sync changes (a bulk update: no post_save) shows at once in what is
    cached per person: their groups with their roles (groups.selectors.my_groups)."""
    from yiban_core.groups.selectors import my_groups

    def role_of(member_number: str) -> str:
        actor = actor_for(User.objects.get(member_number=member_number))  # a new request's
        return {g.pk: g.my_role for g in my_groups(actor=actor)}[class_group().pk]

    sync_everything(client, token)
    assert role_of("T2012002") == "admin"
    sync(client, token, "syncEnrolments", [{**ENROLMENTS[2], "status": "tobedeleted"}])
    assert class_group().owner.member_number == "T2012002"
    assert role_of("T2012002") == "owner"
