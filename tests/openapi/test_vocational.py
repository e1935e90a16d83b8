"""The vocational plugin: training and internship records (实训/实习), signed off by
teachers, and the growth record (成长档案) they add up to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from graphql_relay import to_global_id

from openapi_plugins.vocational import selectors, services
from openapi_plugins.vocational.models import TrainingRecord
from tests.factories import actor_for, make_school, make_teacher, make_user
from tests.openapi.helpers import graphql, make_school_app, make_user_app, mint_token
from yiban_core.accounts.models import School
from yiban_core.accounts.services import verify_member
from yiban_core.actor import Actor
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied

TODAY = timezone.localdate()
Status = TrainingRecord.Status


def vocational_school(name=None) -> School:
    school = make_school(name, kind=School.Kind.VOCATIONAL)
    admin = make_user(school=school, role="staff")
    school.administrators.add(admin)
    return school


def verified_teacher(school: School, username=None):
    teacher = make_teacher(username, school=school)
    verify_member(actor=actor_for(school.administrators.first()), school=school,
                  username=teacher.username, member_number=f"T{teacher.pk:04d}")
    teacher.refresh_from_db()
    return teacher


def log(student, **overrides) -> TrainingRecord:
    data = {"kind": "internship", "title": "汽车维修顶岗实习",
            "workplace": "比亚迪4S店维修车间",
            "start_date": TODAY - dt.timedelta(days=20), "end_date": TODAY - dt.timedelta(days=1),
            "hours": "120", "tasks": "更换刹车片、四轮定位、发动机保养",
            "reflection": "动手能力提高了"}
    data.update(overrides)
    return services.log_record(actor=actor_for(student), **data)


def signed(student, teacher, **overrides) -> TrainingRecord:
    record = log(student, **overrides)
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    return services.sign_off_record(actor=actor_for(teacher), record=record, comment="表现很好")


@pytest.fixture
def school(db):
    return vocational_school("深圳职业技术学院")


@pytest.fixture
def teacher(school):
    return verified_teacher(school, "wang_laoshi")


@pytest.fixture
def student(school):
    return make_user("zhang_san", school=school)


# --- the flow through the services ----------------------------------------------------


def test_logged_submitted_and_signed_records_make_up_the_growth_record(student, teacher):
    record = log(student)
    assert record.status == Status.DRAFT and record.school_id == student.school_id
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    assert [r.pk for r in selectors.records_to_sign_off(actor=actor_for(teacher))] == [record.pk]

    services.sign_off_record(actor=actor_for(teacher), record=record, comment="认真负责")
    signed(student, teacher, kind="training", title="数控车床实训", workplace="校内实训车间",
           hours="16.5")

    record.refresh_from_db()
    assert (record.status, record.signed_by, record.teacher_comment) == (
        Status.SIGNED, teacher, "认真负责")
    assert record.signed_at is not None
    assert not selectors.records_to_sign_off(actor=actor_for(teacher)).exists()
    growth = selectors.growth_record(actor=actor_for(student), username="zhang_san")
    assert {r.title for r in growth.records} == {"汽车维修顶岗实习", "数控车床实训"}
    assert growth.total_hours == Decimal("136.5")
    assert {t.kind: (t.hours, t.count) for t in growth.totals} == {
        "internship": (Decimal("120"), 1), "training": (Decimal("16.5"), 1)}


def test_drafts_and_submitted_records_are_not_on_the_growth_record(student, teacher):
    record = log(student)
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    log(student, title="还没提交")
    growth = selectors.growth_record(actor=actor_for(student), username="zhang_san")
    assert list(growth.records) == [] and growth.total_hours == 0


def test_a_returned_record_is_fixed_resubmitted_and_signed(student, teacher):
    record = log(student, hours="300")
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    with pytest.raises(Invalid) as error:
        services.return_record(actor=actor_for(teacher), record=record, comment="  ")
    assert error.value.field == "comment"

    services.return_record(actor=actor_for(teacher), record=record, comment="学时填多了，核对考勤")
    record.refresh_from_db()
    assert record.status == Status.RETURNED and record.teacher_comment == "学时填多了，核对考勤"
    with pytest.raises(Conflict):  # returned, not waiting any more
        services.sign_off_record(actor=actor_for(teacher), record=record)

    services.update_record(actor=actor_for(student), record=record, hours=Decimal("152"))
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    services.sign_off_record(actor=actor_for(teacher), record=record)
    record.refresh_from_db()
    assert (record.status, record.hours, record.teacher_comment) == (
        Status.SIGNED, Decimal("152.0"), "")


def test_only_the_named_supervisor_signs(student, teacher, school):
    other_teacher = verified_teacher(school)
    record = log(student)
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    for someone in (student, other_teacher, school.administrators.first()):
        with pytest.raises(PermissionDenied):
            services.sign_off_record(actor=actor_for(someone), record=record)
        with pytest.raises(PermissionDenied):
            services.return_record(actor=actor_for(someone), record=record, comment="不行")
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED and record.signed_by is None


def test_a_signed_record_is_final(student, teacher):
    record = signed(student, teacher)
    with pytest.raises(Conflict):
        services.update_record(actor=actor_for(student), record=record, title="改一下")
    with pytest.raises(Conflict):
        services.delete_record(actor=actor_for(student), record=record)
    with pytest.raises(Conflict):
        services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    with pytest.raises(Conflict):
        services.return_record(actor=actor_for(teacher), record=record, comment="撤回")
    record.refresh_from_db()
    assert record.title == "汽车维修顶岗实习" and record.status == Status.SIGNED


def test_a_submitted_record_cannot_be_edited_and_only_own_drafts_deleted(student, teacher, school):
    record = log(student)
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    with pytest.raises(Conflict):
        services.update_record(actor=actor_for(student), record=record, title="改一下")
    draft = log(student)
    with pytest.raises(PermissionDenied):
        services.delete_record(actor=actor_for(make_user(school=school)), record=draft)
    with pytest.raises(PermissionDenied):
        services.update_record(actor=actor_for(teacher), record=draft, title="老师改的")
    services.delete_record(actor=actor_for(student), record=draft)
    assert not TrainingRecord.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize(("overrides", "field"), [
    ({"hours": "0"}, "hours"),
    ({"hours": "-8"}, "hours"),
    ({"hours": "2000.5"}, "hours"),
    ({"hours": "很多"}, "hours"),
    ({"hours": "7.25"}, "hours"),
    ({"hours": ""}, "hours"),
    ({"end_date": TODAY - dt.timedelta(days=30)}, "end_date"),
    ({"start_date": TODAY + dt.timedelta(days=1), "end_date": TODAY + dt.timedelta(days=2)},
     "start_date"),
    ({"start_date": TODAY - dt.timedelta(days=2), "end_date": TODAY - dt.timedelta(days=1),
      "hours": "49"}, "hours"),
    ({"start_date": "2026-03-01"}, "start_date"),
    ({"title": "  "}, "title"),
    ({"workplace": ""}, "workplace"),
    ({"tasks": ""}, "tasks"),
    ({"kind": "holiday"}, "kind"),
])
def test_bad_input_is_refused_and_nothing_is_saved(student, overrides, field):
    with pytest.raises(Invalid) as error:
        log(student, **overrides)
    assert error.value.field == field
    assert not TrainingRecord.objects.exists()


def test_a_bad_edit_changes_nothing(student):
    record = log(student)
    with pytest.raises(Invalid):
        services.update_record(actor=actor_for(student), record=record, title="新标题",
                               hours="0")
    record.refresh_from_db()
    assert record.title == "汽车维修顶岗实习" and record.hours == Decimal("120")


def test_the_database_refuses_what_the_services_refuse(student, teacher):
    record = log(student)
    for changes in ({"hours": Decimal("0")}, {"hours": Decimal("2001")},
                    {"end_date": record.start_date - dt.timedelta(days=1)},
                    {"status": Status.SIGNED},  # no signer, no time
                    {"signed_by": teacher, "signed_at": timezone.now()},  # a draft with a signer
                    {"status": Status.SUBMITTED}):  # submitted to nobody
        with pytest.raises(IntegrityError), transaction.atomic():
            TrainingRecord.objects.filter(pk=record.pk).update(**changes)


def test_only_students_with_a_school_log_records(school, teacher):
    with pytest.raises(PermissionDenied):
        log(teacher)
    with pytest.raises(PermissionDenied):
        log(make_user())  # no school
    assert not TrainingRecord.objects.exists()


def test_the_supervisor_is_a_verified_teacher_of_the_records_school(student, school):
    record = log(student)
    other_school = vocational_school()
    refused = [None, make_teacher(school=school),  # not verified by the school
               verified_teacher(other_school), make_user(school=school)]
    for supervisor in refused:
        with pytest.raises(Invalid) as error:
            services.submit_record(actor=actor_for(student), record=record,
                                   supervisor=supervisor)
        assert error.value.field == "supervisor"
    record.refresh_from_db()
    assert record.status == Status.DRAFT and record.supervisor is None
    assert list(selectors.supervisor_choices(actor=actor_for(student))) == []


def test_a_record_still_running_cannot_be_submitted(student, teacher):
    record = log(student, end_date=TODAY + dt.timedelta(days=10))
    with pytest.raises(Invalid) as error:
        services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    assert error.value.field == "end_date"


# --- who reads what -------------------------------------------------------------------


def test_who_sees_a_growth_record(student, teacher, school):
    signed(student, teacher)
    other_school = vocational_school()
    def titles(actor):
        growth = selectors.growth_record(actor=actor, username="zhang_san")
        return [r.title for r in growth.records]

    assert titles(actor_for(student)) == ["汽车维修顶岗实习"]
    assert titles(actor_for(teacher)) == ["汽车维修顶岗实习"]
    assert titles(actor_for(verified_teacher(school))) == ["汽车维修顶岗实习"]
    assert titles(actor_for(school.administrators.first())) == ["汽车维修顶岗实习"]
    assert titles(Actor(school=school, scopes=frozenset({"school:training"}))) == [
        "汽车维修顶岗实习"]
    for outsider in (make_user(school=school),  # a classmate
                     make_teacher(school=school),  # says they teach there, not verified
                     make_user(school=other_school),
                     verified_teacher(other_school)):
        with pytest.raises(NotFound):
            selectors.growth_record(actor=actor_for(outsider), username="zhang_san")
    with pytest.raises(NotFound):
        selectors.growth_record(actor=Actor(school=other_school,
                                            scopes=frozenset({"school:training"})),
                                username="zhang_san")
    with pytest.raises(PermissionDenied):  # a school app without the scope
        selectors.growth_record(actor=Actor(school=school, scopes=frozenset({"groups:read"})),
                                username="zhang_san")


def test_a_teacher_who_moved_school_still_sees_what_they_signed(student, teacher):
    record = signed(student, teacher)
    teacher.school = vocational_school()
    teacher.save(update_fields=["school"])
    growth = selectors.growth_record(actor=actor_for(teacher), username="zhang_san")
    assert [r.pk for r in growth.records] == [record.pk]


def test_unsigned_records_are_for_the_student_and_the_supervisor(student, teacher, school):
    record = log(student)
    colleague = verified_teacher(school)
    with pytest.raises(NotFound):
        selectors.get_record(actor=actor_for(teacher), pk=record.pk)
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    assert selectors.get_record(actor=actor_for(teacher), pk=record.pk) == record
    with pytest.raises(NotFound):
        selectors.get_record(actor=actor_for(colleague), pk=record.pk)
    services.sign_off_record(actor=actor_for(teacher), record=record)
    assert selectors.get_record(actor=actor_for(colleague), pk=record.pk) == record


# --- GraphQL --------------------------------------------------------------------------

LOG = """mutation($input: LogTrainingRecordInput!) {
  logTrainingRecord(input: $input) { record { id status hours } errors { field code message } }
}"""
SUBMIT = """mutation($input: SubmitTrainingRecordInput!) {
  submitTrainingRecord(input: $input) { record { status supervisor { username } }
                                        errors { field code } }
}"""
SIGN = """mutation($input: SignOffTrainingRecordInput!) {
  signOffTrainingRecord(input: $input) { record { status signedBy { username } }
                                         errors { field code } }
}"""
RETURN = """mutation($input: ReturnTrainingRecordInput!) {
  returnTrainingRecord(input: $input) { record { status teacherComment } errors { field code } }
}"""
MINE = "{ myTrainingRecords { edges { node { title status kind } } } }"
TO_SIGN = "{ trainingRecordsToSignOff { edges { node { title student { username } } } } }"
GROWTH = """query($username: String!) { growthRecord(username: $username) {
  totalHours recordCount hoursByKind { kind hours recordCount }
  records { edges { node { title hours signedBy { username } } } } } }"""
LOG_INPUT = {"kind": "TRAINING", "title": "电工实训", "workplace": "校内电工实训室",
             "startDate": str(TODAY - dt.timedelta(days=5)),
             "endDate": str(TODAY - dt.timedelta(days=1)), "hours": 32.5,
             "tasks": "照明电路安装与检修"}


def user_token(user, scopes=("training:read", "training:write")):
    app, _secret = make_user_app(scopes=scopes)
    return mint_token(app, user=user)


def test_the_flow_over_graphql_with_user_tokens(client, student, teacher):
    student_token, teacher_token = user_token(student), user_token(teacher)
    logged = graphql(client, LOG, student_token, input=LOG_INPUT).json()["data"]
    logged = logged["logTrainingRecord"]
    assert logged["errors"] == [] and logged["record"]["status"] == "DRAFT"
    record_id = logged["record"]["id"]
    assert logged["record"]["hours"] == 32.5

    submitted = graphql(client, SUBMIT, student_token, input={
        "recordId": record_id, "supervisorId": to_global_id("User", teacher.pk)}).json()
    assert submitted["data"]["submitTrainingRecord"] == {
        "record": {"status": "SUBMITTED", "supervisor": {"username": "wang_laoshi"}},
        "errors": []}
    assert graphql(client, TO_SIGN, teacher_token).json()["data"] == {
        "trainingRecordsToSignOff": {"edges": [{"node": {"title": "电工实训",
                                                         "student": {"username": "zhang_san"}}}]}}

    # The student cannot sign their own record.
    refused = graphql(client, SIGN, student_token, input={"recordId": record_id}).json()
    assert refused["data"]["signOffTrainingRecord"]["errors"][0]["code"] == "PERMISSION_DENIED"

    returned = graphql(client, RETURN, teacher_token,
                       input={"recordId": record_id, "comment": "补充实训报告"}).json()
    assert returned["data"]["returnTrainingRecord"]["record"] == {
        "status": "RETURNED", "teacherComment": "补充实训报告"}
    graphql(client, SUBMIT, student_token,
            input={"recordId": record_id, "supervisorId": to_global_id("User", teacher.pk)})
    result = graphql(client, SIGN, teacher_token, input={"recordId": record_id}).json()
    assert result["data"]["signOffTrainingRecord"] == {
        "record": {"status": "SIGNED", "signedBy": {"username": "wang_laoshi"}}, "errors": []}

    growth = graphql(client, GROWTH, teacher_token, username="zhang_san").json()["data"]
    assert growth["growthRecord"]["totalHours"] == 32.5
    assert growth["growthRecord"]["recordCount"] == 1
    assert {"kind": "TRAINING", "hours": 32.5, "recordCount": 1} in (
        growth["growthRecord"]["hoursByKind"])
    assert growth["growthRecord"]["records"]["edges"][0]["node"]["signedBy"] == {
        "username": "wang_laoshi"}
    assert graphql(client, MINE, student_token).json()["data"]["myTrainingRecords"] == {
        "edges": [{"node": {"title": "电工实训", "status": "SIGNED", "kind": "TRAINING"}}]}


def test_graphql_errors_are_typed_and_name_the_input_field(client, student, school):
    token = user_token(student)
    bad = graphql(client, LOG, token, input={**LOG_INPUT, "hours": 0}).json()
    assert bad["data"]["logTrainingRecord"]["errors"] == [
        {"field": "hours", "code": "INVALID", "message": "学时须大于 0"}]
    assert not TrainingRecord.objects.exists()

    record_id = graphql(client, LOG, token, input=LOG_INPUT).json()[
        "data"]["logTrainingRecord"]["record"]["id"]
    classmate = make_user(school=school)
    result = graphql(client, SUBMIT, token, input={
        "recordId": record_id, "supervisorId": to_global_id("User", classmate.pk)}).json()
    assert result["data"]["submitTrainingRecord"]["errors"] == [
        {"field": "supervisorId", "code": "INVALID"}]


def test_a_record_without_its_kind_is_refused_by_validation(client, student):
    """The schema says `kind: TrainingKind!`: leaving it out is a request error, as the
    schema promises, not a payload error after the mutation ran."""
    without_kind = {name: value for name, value in LOG_INPUT.items() if name != "kind"}
    reply = graphql(client, LOG, user_token(student), input=without_kind)
    assert reply.status_code == 400
    [error] = reply.json()["errors"]
    assert "kind" in error["message"] and "data" not in reply.json()
    assert not TrainingRecord.objects.exists()


def test_tokens_without_the_training_scopes_are_refused(client, student, teacher):
    signed(student, teacher)
    token = user_token(student, scopes=("profile",))
    result = graphql(client, LOG, token, input=LOG_INPUT).json()
    assert result["data"]["logTrainingRecord"]["errors"][0]["code"] == "PERMISSION_DENIED"
    for query, variables in ((MINE, {}), (GROWTH, {"username": "zhang_san"})):
        response = graphql(client, query, token, **variables).json()
        assert response["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    read_only = user_token(student, scopes=("training:read",))
    result = graphql(client, LOG, read_only, input=LOG_INPUT).json()
    assert result["data"]["logTrainingRecord"]["errors"][0]["code"] == "PERMISSION_DENIED"
    assert TrainingRecord.objects.count() == 1
    assert graphql(client, MINE, read_only).json()["data"]["myTrainingRecords"]["edges"]


def test_school_apps_read_the_signed_records_of_their_own_school(client, student, teacher,
                                                                  school):
    signed(student, teacher)
    log(student, title="草稿不给学校看")
    own_app, _secret = make_school_app(school, scopes=("school:training",))
    growth = graphql(client, GROWTH, mint_token(own_app), username="zhang_san").json()
    assert [e["node"]["title"] for e in growth["data"]["growthRecord"]["records"]["edges"]] == [
        "汽车维修顶岗实习"]

    other_app, _secret = make_school_app(vocational_school(), scopes=("school:training",))
    refused = graphql(client, GROWTH, mint_token(other_app), username="zhang_san").json()
    assert refused["data"]["growthRecord"] is None
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_a_page_of_records_costs_the_same_queries_whatever_its_size(client, student, teacher):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = """{ myTrainingRecords { edges { node { title student { username school { name } }
               supervisor { username } signedBy { username } school { name } } } } }"""
    token = user_token(student)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert "errors" not in graphql(client, query, token).json()
        return len(queries)

    signed(student, teacher)
    one = count()
    for _i in range(4):
        signed(student, teacher)
    assert count() == one


def test_a_hidden_record_is_null_from_node(client, student, teacher, school):
    record = log(student)
    query = "query($id: ID!) { node(id: $id) { ... on TrainingRecord { title } } }"
    record_id = to_global_id("TrainingRecord", record.pk)
    mine = graphql(client, query, user_token(student), id=record_id).json()
    assert mine["data"]["node"] == {"title": "汽车维修顶岗实习"}
    theirs = graphql(client, query, user_token(make_user(school=school)), id=record_id).json()
    assert theirs["data"]["node"] is None


def test_without_the_plugin_the_schema_has_no_training_fields():
    from yiban_core.graphql.schema import SCHEMA_MODULES, build_schema

    without = str(build_schema(SCHEMA_MODULES))
    with_plugin = str(build_schema([*SCHEMA_MODULES, "openapi_plugins.vocational.schema"]))
    for name in ("TrainingRecord", "growthRecord", "myTrainingRecords", "logTrainingRecord",
                 "signOffTrainingRecord"):
        assert name not in without
        assert name in with_plugin


# --- pages ----------------------------------------------------------------------------


def page_form(**overrides):
    data = {"kind": "internship", "title": "电子厂实习", "workplace": "富士康龙华园区",
            "start_date": str(TODAY - dt.timedelta(days=14)),
            "end_date": str(TODAY - dt.timedelta(days=1)), "hours": "80",
            "tasks": "SMT 贴片检验", "reflection": ""}
    data.update(overrides)
    return data


def test_a_student_logs_and_submits_and_a_teacher_signs_on_the_pages(client, student, teacher):
    client.force_login(student)
    assert client.get("/training/new/").status_code == 200
    response = client.post("/training/new/", page_form(supervisor=teacher.pk, action="submit"))
    record = TrainingRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/training/{record.pk}/"
    assert record.status == Status.SUBMITTED and record.supervisor == teacher
    assert "待签字" in client.get(f"/training/{record.pk}/").content.decode()

    client.force_login(teacher)
    assert "电子厂实习" in client.get("/training/review/").content.decode()
    client.post(f"/training/{record.pk}/decide/", {"action": "sign", "comment": "认真"})
    record.refresh_from_db()
    assert record.status == Status.SIGNED and record.signed_by == teacher

    page = client.get("/u/zhang_san/growth/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "电子厂实习" in html and "80.0 学时" in html


def test_a_teacher_returns_a_record_on_the_page_and_the_student_fixes_it(client, student,
                                                                          teacher):
    record = log(student)
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    client.force_login(teacher)
    client.post(f"/training/{record.pk}/decide/", {"action": "return", "comment": "日期不对"})
    record.refresh_from_db()
    assert record.status == Status.RETURNED
    client.force_login(student)
    assert "日期不对" in client.get(f"/training/{record.pk}/edit/").content.decode()
    response = client.post(f"/training/{record.pk}/edit/", page_form(title="改好的实习"))
    assert response.status_code == 302
    client.post(f"/training/{record.pk}/submit/", {"supervisor": teacher.pk})
    record.refresh_from_db()
    assert (record.title, record.status) == ("改好的实习", Status.SUBMITTED)


def test_bad_input_on_the_page_is_a_form_error_and_saves_nothing(client, student, teacher):
    client.force_login(student)
    response = client.post("/training/new/", page_form(hours="0", action="draft"))
    assert response.status_code == 200
    assert "学时须大于 0" in response.content.decode()
    response = client.post("/training/new/", page_form(action="submit"))  # no supervisor
    assert "请选择指导教师" in response.content.decode()
    response = client.post("/training/new/", page_form(
        end_date=str(TODAY - dt.timedelta(days=30)), action="draft"))
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_others_get_no_record_and_no_growth_record(client, student, teacher, school):
    record = signed(student, teacher)
    draft = log(student, title="草稿")
    client.force_login(make_user(school=vocational_school()))
    assert client.get(f"/training/{draft.pk}/").status_code == 404
    assert client.get(f"/training/{record.pk}/").status_code == 404
    assert client.get("/u/zhang_san/growth/").status_code == 404
    response = client.post(f"/training/{draft.pk}/decide/", {"action": "sign"})
    assert response.status_code == 404
    # A classmate may not sign either, even by posting to the page.
    client.force_login(make_user(school=school))
    assert client.post(f"/training/{draft.pk}/delete/").status_code == 404
    assert TrainingRecord.objects.filter(pk=draft.pk).exists()
    client.logout()
    response = client.get("/u/zhang_san/growth/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_navigation_links_to_training_records(client, student, teacher):
    record = log(student)
    services.submit_record(actor=actor_for(student), record=record, supervisor=teacher)
    client.force_login(student)
    assert 'href="/training/"' in client.get("/training/").content.decode()
    client.force_login(teacher)
    assert "待我签字（1）" in client.get("/training/").content.decode()
