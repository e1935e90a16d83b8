from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import (
    actor_for,
    make_class_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from yiban_core.accounts.models import School, User
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group

# 东区教学楼 A101, and a point about 300 m north of it.
ROOM = (31.0268, 121.4337)
FAR = (31.0295, 121.4337)


@dataclass
class Klass:
    school: School
    teacher: User
    group: Group
    students: list[User]


@pytest.fixture
def klass(db) -> Klass:
    school = make_school("上海交通大学")
    teacher = verify(make_teacher("wang_laoshi", school=school), "T1001")
    group = make_class_group(teacher, name="高等数学（软工2401班）", school=school)
    students = []
    for i, (username, name) in enumerate([("li_ming", "李明"), ("zhang_wei", "张伟"),
                                          ("chen_jing", "陈静")]):
        student = verify(make_user(username, school=school, display_name=name),
                         f"202403010{i + 1}")
        group_services.join_by_code(actor=actor_for(student), code=group.join_code)
        students.append(student)
    return Klass(school, teacher, group, students)
