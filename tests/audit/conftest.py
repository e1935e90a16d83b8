import pytest

from tests.factories import agree_to_policies, make_school, make_user
from yiban_core.accounts.models import User


@pytest.fixture
def school(db):
    return make_school("清华测试大学")


@pytest.fixture
def school_admin(school):
    admin = make_user("jiaowu_admin", school=school, role=User.Role.STAFF)
    school.administrators.add(admin)
    return admin


@pytest.fixture
def site_admin(db):
    # agreed to the terms and privacy policy on their first page, as anyone does
    return agree_to_policies(User.objects.create_superuser("root_admin",
                                                           password="Xuexi-2026-ok"))
