"""A class group of one school with a teacher, students and the school's administrator,
for the review-queue tests (services, GraphQL, pages)."""

from __future__ import annotations

from dataclasses import dataclass

from feeds import services as feed_services
from feeds.models import Post
from tests.factories import actor_for, make_class_group, make_school, make_teacher, make_user
from tests.factories import verify as verify_user
from yiban_core.accounts.models import School, User
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group
from yiban_core.moderation import services as moderation_services
from yiban_core.moderation.models import Case

POST_TEXT = "周五的实验报告我直接抄了隔壁班的，反正老师也看不出来，谁要可以找我买一份"


@dataclass
class World:
    school: School
    teacher: User
    group: Group
    author: User
    reporter: User
    classmate: User
    school_admin: User
    other_teacher: User
    post: Post


def make_world() -> World:
    school = make_school("浙江工业大学")
    teacher = make_teacher("wang_laoshi", school=school)
    group = make_class_group(teacher, name="软件工程2401班")
    students = []
    for username, name in [("zhang_san", "张三"), ("li_si", "李四"), ("wang_wu", "王五")]:
        student = verify_user(make_user(username, school=school, display_name=name))
        group_services.join_by_code(actor=actor_for(student), code=group.join_code)
        students.append(student)
    author, reporter, classmate = students
    school_admin = make_user("xiao_guanliyuan", school=school, display_name="校管理员")
    school.administrators.add(school_admin)
    other_teacher = make_teacher("zhao_laoshi")
    make_class_group(other_teacher, name="别的班")
    post = feed_services.publish_post(actor=actor_for(author), text=POST_TEXT, group=group)
    return World(school, teacher, group, author, reporter, classmate, school_admin,
                 other_teacher, post)


def file_report(target, reporter: User, reason: str = "ad", detail: str = "") -> Case:
    """`reporter` reports `target` through the reporting service; its (open) case."""
    report = moderation_services.report_content(actor=actor_for(reporter), target=target,
                                                reason=reason, detail=detail)
    return Case.objects.get(pk=report.case_id)
