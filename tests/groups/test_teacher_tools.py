"""A teacher running a class: bulk decisions on join requests, the member table with
学号 (search, CSV), and announcements published in one step."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from django.urls import reverse

from feeds import selectors as feed_selectors
from feeds import services as feed_services
from tests.factories import (
    actor_for,
    make_class_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from yiban_core import events
from yiban_core.errors import Conflict, NotFound, PermissionDenied
from yiban_core.groups import services
from yiban_core.groups.models import Group, JoinRequest, Membership
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db
_seq = itertools.count(1)


@pytest.fixture
def school():
    return make_school("华东师范大学")


@pytest.fixture
def teacher(school):
    return make_teacher("liu_laoshi", school=school)


@pytest.fixture
def course(teacher):
    group = make_class_group(teacher, name="高等数学（计科2301班）")
    services.update_group(actor=actor_for(teacher), group=group, join_policy="approval")
    return group


def ask(group: Group, n: int, school) -> list[JoinRequest]:
    requests = []
    for k in range(n):
        student = make_user(f"stu{next(_seq)}", school=school, display_name=f"学生{k}")
        requests.append(services.request_to_join(actor=actor_for(student), group=group))
    return requests


@pytest.fixture
def sent(monkeypatch):
    """The MembershipsChanged events sent, each with its joined members."""
    heard: list = []
    real = events.send

    def record(event):
        if isinstance(event, events.MembershipsChanged):
            heard.append(event)
        real(event)

    monkeypatch.setattr(events, "send", record)
    return heard


# --- bulk decisions --------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)  # the worker runs the notifications' tasks
def test_approving_three_requests_adds_three_members_with_one_event(course, teacher, school,
                                                                   sent, run_worker):
    requests = ask(course, 3, school)
    services.decide_requests(actor=actor_for(teacher), group=course,
                             request_ids=[r.pk for r in requests], approve=True)
    course.refresh_from_db()
    assert course.member_count == 4
    assert set(course.memberships.values_list("user_id", flat=True)) >= {
        r.user_id for r in requests}
    assert len(sent) == 1 and len(sent[0].joined) == 3
    assert set(JoinRequest.objects.values_list("status", flat=True)) == {"approved"}
    run_worker()
    assert Notification.objects.filter(kind=Notification.Kind.JOIN_APPROVED).count() == 3


def test_a_request_already_decided_or_of_another_group_changes_nothing(course, teacher,
                                                                       school, sent):
    first, second, third = ask(course, 3, school)
    services.decide_request(actor=actor_for(teacher), request_id=first.pk, approve=False)
    with pytest.raises(Conflict) as refused:
        services.decide_requests(actor=actor_for(teacher), group=course,
                                 request_ids=[first.pk, second.pk, third.pk], approve=True)
    assert "学生0" in refused.value.message
    other = make_class_group(teacher, name="线性代数（计科2301班）")
    services.update_group(actor=actor_for(teacher), group=other, join_policy="approval")
    (elsewhere,) = ask(other, 1, school)
    for ids in ([second.pk, elsewhere.pk], [second.pk, 99999999], ["abc", second.pk]):
        with pytest.raises(NotFound):
            services.decide_requests(actor=actor_for(teacher), group=course, request_ids=ids,
                                     approve=True)
    course.refresh_from_db()
    assert course.member_count == 1 and sent == []
    assert JoinRequest.objects.get(pk=second.pk).status == "pending"
    assert JoinRequest.objects.get(pk=elsewhere.pk).status == "pending"


def test_a_full_group_refuses_the_whole_batch(course, teacher, school):
    requests = ask(course, 3, school)
    services.update_group(actor=actor_for(teacher), group=course, member_cap=3)
    with pytest.raises(Conflict):
        services.decide_requests(actor=actor_for(teacher), group=course,
                                 request_ids=[r.pk for r in requests], approve=True)
    assert Membership.objects.filter(group=course).count() == 1
    assert not JoinRequest.objects.exclude(status="pending").exists()


def test_only_managers_decide_in_bulk(course, school):
    requests = ask(course, 2, school)
    with pytest.raises(PermissionDenied):
        services.decide_requests(actor=actor_for(requests[0].user), group=course,
                                 request_ids=[r.pk for r in requests], approve=True)


def test_the_manage_page_approves_the_ticked_requests_and_rejects_the_rest(client, course,
                                                                          teacher, school):
    first, second, third = ask(course, 3, school)
    client.force_login(teacher)
    url = reverse("group_decide_requests", args=[course.pk])
    page = client.get(reverse("group_manage", args=[course.pk])).content.decode()
    assert "批准所选" in page and "全部批准" in page
    client.post(url, {"decision": "approve", "request_ids": [first.pk, third.pk]})
    assert set(course.memberships.values_list("user_id", flat=True)) == {
        teacher.pk, first.user_id, third.user_id}
    client.post(url, {"decision": "reject", "request_ids": [second.pk]})
    assert JoinRequest.objects.get(pk=second.pk).status == "rejected"
    extra = ask(course, 2, school)
    response = client.post(url, {"decision": "approve_all"}, follow=True)
    assert "已通过 2 条申请" in response.content.decode()
    assert course.memberships.filter(user_id__in=[r.user_id for r in extra]).count() == 2


# --- the member table --------------------------------------------------------------------

@pytest.fixture
def classmates(course, teacher, school):
    """Two verified students in the class and one whose name is a spreadsheet formula."""
    people = []
    for username, name, number in [("zhang_wei", "张伟", "2023010101"),
                                   ("wang_na", "王娜", "2023010102"),
                                   ("sly", "=HYPERLINK(\"http://x\")", "2023010103")]:
        user = verify(make_user(username, school=school, display_name=name), number)
        services.invite(actor=actor_for(teacher), group=course, username=username)
        invitation = user.group_invitations.get()
        services.answer_invitation(actor=actor_for(user), invitation_id=invitation.pk,
                                   accept=True)
        people.append(user)
    return people


def test_managers_see_the_member_numbers_and_members_do_not(client, course, teacher,
                                                            classmates):
    url = reverse("group_members", args=[course.pk])
    client.force_login(teacher)
    page = client.get(url).content.decode()
    assert "2023010101" in page and "2023010102" in page and 'data-testid="member-table"' in page
    client.force_login(classmates[0])
    page = client.get(url).content.decode()
    assert "王娜" in page and "2023010102" not in page and "2023010101" not in page


def test_the_school_administrator_sees_the_numbers_of_a_class_group(client, course, school,
                                                                   classmates):
    admin = make_user("jiaowu", school=school, role="staff")
    school.administrators.add(admin)
    client.force_login(admin)
    page = client.get(reverse("group_members", args=[course.pk])).content.decode()
    assert "2023010102" in page


def test_the_member_table_finds_a_name_a_username_or_a_number(client, course, teacher,
                                                              classmates):
    client.force_login(teacher)
    url = reverse("group_members", args=[course.pk])
    for query in ("王娜", "wang_", "010102"):
        page = client.get(url, {"q": query}).content.decode()
        assert "wang_na" in page and "zhang_wei" not in page, query


def test_the_member_table_pages_by_cursor_with_the_search_kept(client, course, teacher,
                                                               school):
    for k in range(55):
        Membership.objects.create(group=course, user=make_user(f"extra{k:02d}", school=school,
                                                               display_name=f"旁听{k}"))
    client.force_login(teacher)
    url = reverse("group_members", args=[course.pk])
    first = client.get(url, {"q": "旁听"})
    more = first.context["more"]
    assert more and "q=" in more and "after=" in more
    second = client.get(url + more)
    usernames = {m.user.username for m in first.context["page"].items} | {
        m.user.username for m in second.context["page"].items}
    assert len(usernames) == 55 and not second.context["more"]


def test_the_csv_export_opens_in_excel_and_cannot_run_formulas(client, course, teacher,
                                                              classmates):
    client.force_login(teacher)
    response = client.get(reverse("group_members_csv", args=[course.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "用户名", "学号/工号", "身份", "加入时间"]
    by_username = {row[1]: row for row in rows[1:]}
    assert by_username["liu_laoshi"][3] == "群主"
    assert by_username["zhang_wei"][:4] == ["张伟", "zhang_wei", "2023010101", "成员"]
    assert by_username["sly"][0] == "'=HYPERLINK(\"http://x\")"
    searched = client.get(reverse("group_members_csv", args=[course.pk]), {"q": "王娜"})
    rows = list(csv.reader(io.StringIO(searched.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["wang_na"]


def test_members_and_outsiders_get_no_csv(client, course, classmates, school):
    url = reverse("group_members_csv", args=[course.pk])
    client.force_login(classmates[0])
    assert client.get(url).status_code == 403
    client.force_login(make_user("outsider", school=make_school()))
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


# --- announcements in one step -------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_manager_publishes_an_announcement_directly_and_members_hear_of_it(
        course, teacher, classmates, no_redis, run_worker):
    post = feed_services.publish_post(actor=actor_for(teacher), text="周五第三节课改到 A203",
                                      group=course, announce=True)
    assert post.is_announcement
    reader = actor_for(classmates[0])
    assert feed_selectors.group_announcements(actor=reader, group=course) == [post]
    run_worker()
    told = set(Notification.objects.filter(kind="announcement", target_id=post.pk)
               .values_list("recipient__username", flat=True))
    assert told == {"zhang_wei", "wang_na", "sly"}


def test_a_member_cannot_publish_an_announcement_and_nothing_is_posted(course, classmates):
    with pytest.raises(PermissionDenied):
        feed_services.publish_post(actor=actor_for(classmates[0]), text="我也想发公告",
                                   group=course, announce=True)
    assert not course.posts.exists()


def test_the_group_composer_offers_the_announcement_to_managers_only(client, course, teacher,
                                                                    classmates, no_redis):
    url = reverse("group_detail", args=[course.pk])
    client.force_login(classmates[0])
    assert "发布为公告" not in client.get(url).content.decode()
    client.force_login(teacher)
    assert "发布为公告" in client.get(url).content.decode()
    response = client.post(reverse("post_create"), {
        "text": "期中考试范围见附件", "group": course.pk, "announce": "1", "next": url},
        follow=True)
    page = response.content.decode()
    assert "公告已发布" in page
    assert course.posts.get().is_announcement


@pytest.mark.parametrize("name", ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\tcmd"])
def test_every_formula_start_is_made_text(name):
    from frontend.csv_export import safe_cell

    assert safe_cell(name) == "'" + name
    assert safe_cell("张伟") == "张伟" and safe_cell(None) == ""
