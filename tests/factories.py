"""Factories: each test builds the data it needs through the real services."""

import itertools

from yiban_core.accounts import services as account_services
from yiban_core.accounts.models import School, User
from yiban_core.actor import Actor
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group
from yiban_core.privacy.consent_selectors import current_versions
from yiban_core.privacy.consent_services import record_policy_consents

_seq = itertools.count(1)
PASSWORD = "Xuexi-2026-ok"


def make_school(name: str | None = None, kind: str = School.Kind.UNIVERSITY) -> School:
    return School.objects.create(name=name or f"测试大学{next(_seq)}", kind=kind)


def make_user(username: str | None = None, *, school: School | None = None,
              role: str = User.Role.STUDENT, display_name: str = "") -> User:
    username = username or f"user{next(_seq)}"
    if role in (User.Role.STUDENT, User.Role.TEACHER):
        return account_services.register_user(
            username=username, password=PASSWORD, display_name=display_name or username,
            school=school, role=role, agreed_policies=current_versions(),
        )
    user = account_services.register_user(username=username, password=PASSWORD,
                                          display_name=display_name or username, school=school,
                                          agreed_policies=current_versions())
    user.role = role
    user.save(update_fields=["role"])
    return user


def make_teacher(username: str | None = None, *, school: School | None = None) -> User:
    return make_user(username, school=school or make_school(), role=User.Role.TEACHER)


def actor_for(user: User) -> Actor:
    return Actor.for_user(user)


def make_class_group(teacher: User, name: str = "计算机科学与技术2023级1班", **kwargs) -> Group:
    return group_services.create_group(actor=actor_for(teacher), name=name,
                                       kind=Group.Kind.CLASS, **kwargs)


def make_interest_group(owner: User, name: str = "摄影社", **kwargs) -> Group:
    return group_services.create_group(actor=actor_for(owner), name=name,
                                       kind=Group.Kind.INTEREST, **kwargs)


def authenticate(**credentials) -> User | None:
    """django.contrib.auth.authenticate as the login page calls it, with a request:
    django-axes counts attempts per username and address, so it needs one."""
    from django.contrib.auth import authenticate as django_authenticate
    from django.test import RequestFactory

    return django_authenticate(RequestFactory().post("/login/"), **credentials)


def verify(user: User, member_number: str | None = None) -> User:
    """The user's school confirms them (学号/工号), as its roster or administrator does."""
    school = user.school
    account_services.verify_member(actor=Actor(school=school), school=school,
                                   username=user.username,
                                   member_number=member_number or f"2026{next(_seq):05d}")
    user.refresh_from_db()
    return user


def agreed_form() -> dict[str, str]:
    """What the sign-up form posts when the person ticks 我已阅读并同意."""
    versions = current_versions()
    return {"agree": "on", "terms_version": versions.get("terms", ""),
            "privacy_version": versions.get("privacy", "")}


def agreed_input() -> dict[str, str]:
    """The same for the register mutation."""
    versions = current_versions()
    return {"termsVersion": versions.get("terms", ""),
            "privacyVersion": versions.get("privacy", "")}


def agree_to_policies(user: User) -> User:
    """What a person whose account a roster, a school's sign-in or an administrator opened
    does on their first page: agree to the terms and the privacy policy in force."""
    record_policy_consents(user, current_versions())
    return user
