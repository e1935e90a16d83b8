"""manage.py seed_demo: realistic, consistent, idempotent demo data."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from tests.conftest import DEMO_STUDENTS
from tests.factories import actor_for, authenticate, make_user
from yiban_core.accounts.models import Follow, Profile, School, User
from yiban_core.demo.data import DEMO_ADMIN, DEMO_PASSWORD, DEMO_STUDENT, DEMO_TEACHER
from yiban_core.demo.plan import build_plan
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group, JoinRequest, Membership
from yiban_core.search.models import SearchDocument
from yiban_core.search.selectors import search

pytestmark = pytest.mark.django_db

STUDENTS = DEMO_STUDENTS  # as tests/conftest.py demo_db seeds them
CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
CLASS_NAME = re.compile(r"^[\u4e00-\u9fff]+20\d\d级\d+班$")


def seed(users: int = STUDENTS, **options) -> str:
    out = StringIO()
    call_command("seed_demo", users=users, stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "schools": School.objects.count(),
        "users": sorted(User.objects.values_list("username", "follower_count",
                                                 "following_count", "member_number")),
        "profiles": Profile.objects.count(),
        "groups": sorted(Group.objects.values_list("name", "kind", "member_count", "join_code",
                                                   "school_id")),
        "memberships": Membership.objects.count(),
        "follows": Follow.objects.count(),
        "requests": JoinRequest.objects.count(),
        "admins": School.administrators.through.objects.count(),
    }


def assert_counters_match_rows():
    users = User.objects.annotate(
        followers=Count("follower_set", distinct=True),
        following=Count("following_set", distinct=True),
    )
    assert not users.exclude(follower_count=F("followers"), following_count=F("following"))
    groups = Group.objects.annotate(n=Count("memberships"))
    assert not groups.exclude(member_count=F("n"))


@pytest.mark.usefixtures("demo_db")
class TestOneDemo:
    """These read (and may change, in their own transaction) one demo seeded for all."""

    def test_schools_people_and_summary(self, demo_db):
        out = demo_db
        assert "demo_student" in out and DEMO_PASSWORD in out and "s " in out
        kinds = set(School.objects.values_list("kind", flat=True))
        assert School.objects.count() >= 5
        assert School.objects.filter(kind=School.Kind.UNIVERSITY).count() >= 3
        assert School.objects.filter(kind=School.Kind.VOCATIONAL).count() >= 2
        assert kinds == {School.Kind.UNIVERSITY, School.Kind.VOCATIONAL}
        assert not School.objects.filter(city="")

        students = User.objects.filter(role=User.Role.STUDENT).select_related("profile")
        assert students.count() == STUDENTS
        for student in students:
            assert CHINESE_NAME.match(student.display_name), student.display_name
            assert student.school_id and student.profile.major and student.profile.enrolment_year
        verified = students.filter(verified_at__isnull=False)
        assert STUDENTS * 0.7 < verified.count() < STUDENTS
        assert not verified.filter(member_number__isnull=True)
        assert not students.filter(verified_at__isnull=True, member_number__isnull=False)
        assert all(re.fullmatch(r"20\d{8}", n) for n in verified.values_list("member_number",
                                                                             flat=True))
        assert students.exclude(profile__bio="").count() > STUDENTS // 2

        for school in School.objects.all():
            admins = school.administrators.all()
            assert admins and all(a.role == User.Role.STAFF and a.is_verified for a in admins)
            teachers = User.objects.filter(school=school, role=User.Role.TEACHER)
            assert teachers.count() >= 5
            assert all(CHINESE_NAME.match(t.display_name) for t in teachers)

    def test_groups_respect_the_rules(self):
        classes = Group.objects.filter(kind=Group.Kind.CLASS)
        assert classes.exists()
        for group in classes:
            assert CLASS_NAME.match(group.name), group.name
            assert group.join_policy == Group.JoinPolicy.CODE and group.join_code
            assert group.owner.role == User.Role.TEACHER
            assert group.owner.school_id == group.school_id
            members = Membership.objects.filter(group=group).select_related("user__profile")
            assert not members.exclude(user__school_id=group.school_id)
            students = [m.user for m in members if m.user.role == User.Role.STUDENT]
            assert {(s.profile.major, s.profile.enrolment_year) for s in students} == {
                (group.name.split("20")[0], int(re.search(r"(20\d\d)级", group.name)[1]))}
            assert len(students) <= 60
        assert classes.filter(member_count__gte=31).exists()  # 30+ students and the teacher

        interest = Group.objects.filter(kind=Group.Kind.INTEREST)
        names = set(interest.values_list("name", flat=True))
        clubs = ("摄影社", "考研交流群", "篮球协会", "英语角", "编程爱好者", "吉他社", "志愿者协会")
        for club in clubs:
            assert any(name.endswith(club) for name in names), club
        assert interest.filter(is_private=True).exists()
        assert interest.filter(join_policy=Group.JoinPolicy.APPROVAL).exists()

        for school in School.objects.all():
            official = Group.objects.get(kind=Group.Kind.SCHOOL, school=school)
            member_ids = set(official.memberships.values_list("user_id", flat=True))
            verified = set(User.objects.filter(school=school, verified_at__isnull=False)
                           .values_list("pk", flat=True))
            assert member_ids == verified

        # Exactly one owner per group, and it is the group's owner.
        assert not Group.objects.exclude(memberships__role="owner", memberships__user=F("owner"))
        assert_counters_match_rows()

    def test_follows_are_heavy_tailed_and_counted(self):
        seed(users=400)  # a top-up, which ends as a fresh seed would (test_larger_run...)
        counts = sorted(User.objects.values_list("follower_count", flat=True), reverse=True)
        median = counts[len(counts) // 2]
        assert counts[0] >= 10 * max(median, 1)
        assert_counters_match_rows()

    def test_running_twice_changes_nothing(self):
        first = snapshot()
        out = seed()
        assert "new users 0, new groups 0" in out
        assert snapshot() == first
        assert_counters_match_rows()

    def test_larger_run_tops_up_what_is_there(self):
        fresh = snapshot()  # the demo seeded on an empty database
        Group.objects.all().delete()  # groups first: a group's owner is protected
        User.objects.all().delete()
        School.objects.all().delete()
        seed(users=60)
        seed(users=STUDENTS)
        topped_up = snapshot()
        # Row ids differ after a flush, and join codes are random: compare the rest.
        strip = [(n, k, c) for n, k, c, _code, _school in topped_up.pop("groups")]
        assert strip == [(n, k, c) for n, k, c, _code, _school in fresh.pop("groups")]
        assert topped_up == fresh

    def test_demo_logins_work(self):
        student = authenticate(username=DEMO_STUDENT, password=DEMO_PASSWORD)
        teacher = authenticate(username=DEMO_TEACHER, password=DEMO_PASSWORD)
        admin = authenticate(username=DEMO_ADMIN, password=DEMO_PASSWORD)
        assert student and teacher and admin
        assert admin.is_superuser and admin.is_staff and admin.role == User.Role.ADMIN
        kinds = list(student.memberships.values_list("group__kind", flat=True))
        assert kinds.count(Group.Kind.CLASS) == 1 and kinds.count(Group.Kind.INTEREST) >= 3
        assert teacher.owned_groups.filter(kind=Group.Kind.CLASS).exists()
        assert authenticate(username="thu_admin1", password=DEMO_PASSWORD)

        # Someone changed the demo password: the next seed puts the documented one back.
        student.set_password("something-else-2026")
        student.save()
        seed()
        assert authenticate(username=DEMO_STUDENT, password=DEMO_PASSWORD)

    def test_services_keep_working_on_demo_data(self):
        group = Group.objects.filter(kind=Group.Kind.CLASS).first()
        newcomer = make_user("newcomer", school=group.school)
        group_services.join_by_code(actor=actor_for(newcomer), code=group.join_code)
        assert_counters_match_rows()
        # Re-seeding keeps the newcomer and the counters right.
        seed()
        assert group.memberships.filter(user=newcomer).exists()
        assert_counters_match_rows()


def test_existing_member_number_is_not_taken_over():
    school = School.objects.create(name="清华大学", short_name="清华", kind="university")
    plan = build_plan(students=STUDENTS, seed=2026)
    number = next(u.member_number for u in plan.users
                  if u.role == "student" and u.member_number and u.username != DEMO_STUDENT)
    someone = make_user("already_here", school=school)
    User.objects.filter(pk=someone.pk).update(member_number=number,
                                              verified_at=F("date_joined"))
    seed()
    assert User.objects.get(school=school, member_number=number).username == "already_here"
    assert_counters_match_rows()


def test_plan_is_deterministic_and_prefix_stable():
    small, large = build_plan(students=50, seed=7), build_plan(students=200, seed=7)
    assert build_plan(students=50, seed=7).users == small.users
    small_students = [u for u in small.users if u.role == "student"]
    large_students = [u for u in large.users if u.role == "student"]
    assert small_students == large_students[:50]
    assert set(small.follows) <= set(large.follows)
    assert build_plan(students=50, seed=8).users != small.users


def test_search_finds_the_demo_people_and_groups():
    seed(content_scale=0)  # people and groups only: the core's own rows must be findable
    student = User.objects.get(username=DEMO_STUDENT)
    actor = actor_for(student)
    person = User.objects.filter(role=User.Role.TEACHER).order_by("pk").first()
    club = Group.objects.filter(kind=Group.Kind.INTEREST, name__contains="摄影").first()
    assert club is not None

    found = search(actor=actor, query=person.display_name, kinds=["user"]).items
    assert person.pk in {r.object.pk for r in found}
    found = search(actor=actor, query=club.name, kinds=["group"]).items
    assert club.pk in {r.object.pk for r in found}
    found = search(actor=actor, query="摄影", kinds=["group"]).items
    assert club.pk in {r.object.pk for r in found}

    # A second run indexes nothing twice.
    indexed = SearchDocument.objects.count()
    seed(content_scale=0)
    assert SearchDocument.objects.count() == indexed
