"""Which services a token may call: one row for every service that takes an actor.

A token is an API credential: a user's OAuth token acts with the user's rights
cut down to its scopes, a school app acts for its school. Services that manage
the account, the apps and their installs, authorizations and webhooks are for
the person in a web session only. The table below says, for every service that
takes an actor, whether a user's token (with every user scope) and a school app
(with every school scope) may call it; a new service fails this test until it
is added to the table.

A refused call must be refused before the service looks at its arguments, so
the arguments here are stand-ins that fail the test when touched; an allowed
call gets past the actor check and touches them (or, with no arguments, runs).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from django.apps import apps

from openapi_plugins.models import SchoolInstall
from openapi_plugins.scopes import scopes_for_kind
from openapi_plugins.services import uninstall_app
from tests.factories import make_school, make_user
from tests.openapi.helpers import make_school_app, make_user_app
from yiban_core.actor import Actor
from yiban_core.errors import DomainError, PermissionDenied

# service -> (a user's token may call it, a school app may call it)
TOKEN_MAY_CALL: dict[str, tuple[bool, bool]] = {
    # privacy: only the person agrees or withdraws (an app cannot agree for them)
    "yiban_core.privacy.consent_services.agree_to_policies": (False, False),
    "yiban_core.privacy.consent_services.allow_location": (False, False),
    "yiban_core.privacy.consent_services.withdraw_consent": (False, False),
    # accounts
    "yiban_core.accounts.services.change_password": (False, False),
    "yiban_core.accounts.services.update_profile": (False, False),
    "yiban_core.accounts.services.create_school": (False, False),
    "yiban_core.accounts.services.verify_member": (False, True),
    "yiban_core.accounts.services.follow": (True, False),
    "yiban_core.accounts.services.unfollow": (True, False),
    "yiban_core.accounts.services.block_user": (True, False),
    "yiban_core.accounts.services.unblock_user": (True, False),
    "yiban_core.accounts.services.dismiss_welcome": (False, False),
    # school sign-in: set by the school's administrators on its page (or the admin site)
    "yiban_core.sso.services.configure_sso": (False, False),
    # verification: activation codes (web pages and manage.py), verification requests
    "yiban_core.verification.services.issue_activation_codes": (False, False),
    "yiban_core.verification.services.request_verification": (False, False),
    "yiban_core.verification.services.cancel_verification_request": (False, False),
    "yiban_core.verification.services.decide_verification_request": (False, True),
    # moderation: the word lists are edited in the admin site or the shell
    "yiban_core.moderation.services.import_words": (False, False),
    "yiban_core.moderation.services.report_content": (True, False),
    # the queue: a manager's token with the moderation scope; an author's appeal
    "yiban_core.moderation.services.decide_case": (True, False),
    "yiban_core.moderation.services.appeal_case": (True, False),
    # its administrators set a school's 先审后发 default on its page
    "yiban_core.moderation.services.set_school_premoderation": (False, False),
    # groups
    "yiban_core.groups.services.create_group": (True, False),
    "yiban_core.groups.services.update_group": (True, False),
    "yiban_core.groups.services.join_group": (True, False),
    "yiban_core.groups.services.join_by_code": (True, False),
    "yiban_core.groups.services.request_to_join": (True, False),
    "yiban_core.groups.services.decide_request": (True, False),
    "yiban_core.groups.services.decide_requests": (True, False),
    "yiban_core.groups.services.cancel_request": (True, False),
    "yiban_core.groups.services.invite": (True, False),
    "yiban_core.groups.services.invite_users": (True, False),
    "yiban_core.groups.services.answer_invitation": (True, False),
    "yiban_core.groups.services.leave_group": (True, False),
    "yiban_core.groups.services.remove_member": (True, False),
    "yiban_core.groups.services.ban_member": (True, False),
    "yiban_core.groups.services.unban_member": (True, False),
    "yiban_core.groups.services.set_member_role": (True, False),
    "yiban_core.groups.services.transfer_ownership": (True, False),
    "yiban_core.groups.services.regenerate_join_code": (True, False),
    "yiban_core.groups.services.delete_group": (True, False),
    "yiban_core.groups.services.add_members_in_bulk": (False, True),
    "yiban_core.groups.services.remove_members_in_bulk": (False, True),
    # notifications and points
    "yiban_core.notifications.services.mark_all_read": (True, False),
    "yiban_core.notifications.services.mark_groups_read": (True, False),
    "yiban_core.credits.services.daily_checkin": (False, False),
    # feeds
    "feeds.services.publish_post": (True, False),
    "feeds.services.repost": (True, False),
    "feeds.services.edit_post": (True, False),
    "feeds.services.delete_post": (True, False),
    "feeds.services.set_pinned": (True, False),
    "feeds.services.like_post": (True, False),
    "feeds.services.unlike_post": (True, False),
    "feeds.services.add_comment": (True, False),
    "feeds.services.delete_comment": (True, False),
    "feeds.services.like_comment": (True, False),
    "feeds.services.unlike_comment": (True, False),
    # classroom: a user's token with classroom:write; a school app only reads attendance
    "classroom.services.start_checkin": (True, False),
    "classroom.services.check_in": (True, False),
    "classroom.services.mark_attendance": (True, False),
    "classroom.services.close_checkin": (True, False),
    "feeds.poll_services.vote": (True, False),
    "feeds.poll_services.mark_announcement_read": (True, False),
    "feeds.poll_services.remind_unread": (True, False),
    # resources
    "resources.services.publish_resource": (True, False),
    "resources.services.add_version": (True, False),
    "resources.services.update_resource": (True, False),
    "resources.services.delete_resource": (True, False),
    "resources.services.record_download": (True, True),
    "resources.services.rate_resource": (True, False),
    "resources.services.mark_helpful": (True, False),
    "resources.services.share_resource": (True, False),
    # messages: a person's own conversations, never a school app's to read or write
    "messages.services.open_direct": (True, False),
    "messages.services.open_group_chat": (True, False),
    "messages.services.send_message": (True, False),
    "messages.services.mark_read": (True, False),
    "messages.services.set_muted": (True, False),
    "messages.services.leave_conversation": (True, False),
    "messages.services.answer_request": (True, False),
    "messages.services.recall_message": (True, False),
    # the open platform: apps, installs, authorizations, webhooks (web session only)
    "openapi_plugins.services.register_app": (False, False),
    "openapi_plugins.services.rotate_secret": (False, False),
    "openapi_plugins.services.delete_app": (False, False),
    "openapi_plugins.services.install_app": (False, False),
    "openapi_plugins.services.uninstall_app": (False, False),
    "openapi_plugins.services.revoke_authorization": (False, False),
    "openapi_plugins.webhooks.services.subscribe": (False, False),
    "openapi_plugins.webhooks.services.update_subscription": (False, False),
    "openapi_plugins.webhooks.services.disable_subscription": (False, False),
    "openapi_plugins.webhooks.services.enable_subscription": (False, False),
    "openapi_plugins.webhooks.services.delete_subscription": (False, False),
    "openapi_plugins.webhooks.services.rotate_secret": (False, False),
    "openapi_plugins.webhooks.services.redeliver": (False, False),
    # academic affairs: a school's roster, synced by its school app
    "openapi_plugins.academic_affairs.services.roster_school": (False, True),
    "openapi_plugins.academic_affairs.services.import_oneroster": (False, True),
    "openapi_plugins.academic_affairs.services.upsert_terms": (False, True),
    "openapi_plugins.academic_affairs.services.upsert_courses": (False, True),
    "openapi_plugins.academic_affairs.services.upsert_sections": (False, True),
    "openapi_plugins.academic_affairs.services.upsert_users": (False, True),
    "openapi_plugins.academic_affairs.services.upsert_enrolments": (False, True),
    "openapi_plugins.academic_affairs.services.complete_bulk_sync": (False, True),
    # vocational: a student's training records, a teacher's sign-off
    "openapi_plugins.vocational.services.log_record": (True, False),
    "openapi_plugins.vocational.services.update_record": (True, False),
    "openapi_plugins.vocational.services.submit_record": (True, False),
    "openapi_plugins.vocational.services.sign_off_record": (True, False),
    "openapi_plugins.vocational.services.return_record": (True, False),
    "openapi_plugins.vocational.services.delete_record": (True, False),
    "openapi_plugins.vocational.services.add_attachment": (True, False),
    "openapi_plugins.vocational.services.remove_attachment": (True, False),
}


def services_modules(config) -> list:
    """An app's `services` module and its other `*_services` modules (feeds.poll_services)."""
    names = [f"{config.name}.services"]
    if hasattr(config.module, "__path__"):
        names += [f"{config.name}.{info.name}" for info in pkgutil.iter_modules(
            config.module.__path__) if info.name.endswith("_services")]
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
    return modules


def services_taking_an_actor() -> dict[str, object]:
    """Every public function of every installed app's services modules with a keyword
    `actor`."""
    found = {}
    for module in (m for config in apps.get_app_configs() for m in services_modules(config)):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            parameter = inspect.signature(function).parameters.get("actor")
            if (function.__module__ == module.__name__ and not name.startswith("_")
                    and parameter is not None and parameter.kind is parameter.KEYWORD_ONLY):
                found[f"{module.__name__}.{name}"] = function
    return found


SERVICES = services_taking_an_actor()


class Touched(Exception):
    """The service looked at an argument."""


class Untouchable:
    """Stands in for every argument: any use of it raises Touched."""

    def __getattribute__(self, name):
        raise Touched(name)

    def _touched(self, *args, **kwargs):
        raise Touched("operator")

    __bool__ = __str__ = __int__ = __index__ = __float__ = __iter__ = __len__ = _touched
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _touched
    __getitem__ = __contains__ = __format__ = __call__ = _touched
    __add__ = __radd__ = __mod__ = __rmod__ = __mul__ = __rmul__ = _touched

    def __repr__(self):
        return "<untouchable argument>"


def required_arguments(service) -> dict[str, Untouchable]:
    return {name: Untouchable() for name, p in inspect.signature(service).parameters.items()
            if name != "actor" and p.default is p.empty}


def test_the_table_names_every_service_that_takes_an_actor():
    assert sorted(SERVICES) == sorted(TOKEN_MAY_CALL)


@pytest.fixture
def people(db):
    """A powerful user (site admin, superuser, the school's administrator) in a web session
    and through a token with every user scope, and the school's app with every school scope."""
    school = make_school()
    boss = make_user("token_boss", school=school, role="admin")
    boss.is_staff = boss.is_superuser = True
    boss.save(update_fields=["is_staff", "is_superuser"])
    school.administrators.add(boss)
    user_app, _secret = make_user_app(scopes=("profile",))
    school_app, _secret = make_school_app(school)
    return {
        "session": Actor.for_user(boss),
        "user token": Actor(user=boss, scopes=frozenset(scopes_for_kind("user")),
                            app_id=user_app.application_id, token_id=1),
        "school app": Actor(school=school, scopes=frozenset(scopes_for_kind("school")),
                            app_id=school_app.application_id, token_id=2),
        "token without scopes": Actor(user=boss, scopes=frozenset(),
                                      app_id=user_app.application_id, token_id=3),
    }


REFUSED = ("PERMISSION_DENIED", "UNAUTHENTICATED")


def outcome(service, actor: Actor) -> str:
    """What became of the call: "touched" (it got past the actor to its arguments), "ran",
    or the code of the domain error it raised first."""
    try:
        service(actor=actor, **required_arguments(service))
    except Touched:
        return "touched"
    except DomainError as error:
        return error.code
    return "ran"


@pytest.mark.parametrize("kind", ["user token", "school app"])
@pytest.mark.parametrize("path", sorted(TOKEN_MAY_CALL))
def test_a_token_calls_only_the_services_the_table_allows(people, path, kind):
    service = SERVICES[path]
    allowed = TOKEN_MAY_CALL[path][0 if kind == "user token" else 1]
    by_token, by_session = outcome(service, people[kind]), outcome(service, people["session"])
    if allowed:  # past the actor check, or refused only as the person's web session is
        assert by_token not in REFUSED or by_token == by_session, (
            f"{path} refused a {kind} ({by_token})")
    else:  # refused before the service looked at its arguments
        assert by_token in REFUSED, f"{path} let a {kind} through ({by_token})"


@pytest.mark.parametrize("path", sorted(TOKEN_MAY_CALL))
def test_a_token_without_scopes_calls_nothing(people, path):
    assert outcome(SERVICES[path], people["token without scopes"]) == "PERMISSION_DENIED"


def test_a_school_administrators_token_cannot_uninstall_the_schools_app(db):
    school = make_school()
    admin = make_user(school=school, role="staff")
    school.administrators.add(admin)
    app, _secret = make_school_app(school, admin=admin)
    tool, _secret = make_user_app(scopes=("profile",))
    token_actor = Actor(user=admin, scopes=frozenset({"profile"}),
                        app_id=tool.application_id, token_id=1)
    with pytest.raises(PermissionDenied):
        uninstall_app(actor=token_actor, app=app)
    assert SchoolInstall.objects.filter(app=app).exists()
