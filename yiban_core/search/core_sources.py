"""Groups and people, the core's searchable kinds."""

from yiban_core.accounts.models import User
from yiban_core.accounts.rules import hidden_profiles_q
from yiban_core.groups import selectors as group_selectors
from yiban_core.groups.models import Group
from yiban_core.search.registry import Document, Source, register


def _group_document(pk: int) -> Document | None:
    group = Group.objects.filter(pk=pk).first()
    if group is None:
        return None
    # Who finds it is decided at search time (_visible_groups); its content is never indexed.
    return Document(title=group.name, body=group.description, created_at=group.created_at,
                    school_id=group.school_id)


def _user_document(pk: int) -> Document | None:
    user = User.objects.select_related("profile").filter(pk=pk, is_active=True).first()
    if user is None:
        return None
    profile = getattr(user, "profile", None)
    extra = " ".join(filter(None, [user.username, profile.major if profile else ""]))
    return Document(title=user.display_name or user.username,
                    body=profile.bio if profile else "", extra=extra,
                    created_at=user.date_joined, school_id=user.school_id)


def _seen_groups(actor):
    if not actor.has_scope("groups:read"):
        return Group.objects.none()
    # The groups listing's rule: another school's class or private group is never found.
    return group_selectors.groups(actor=actor).order_by()


def _visible_groups(actor, ids: list[int]) -> set[int]:
    return set(_seen_groups(actor).filter(pk__in=ids).values_list("pk", flat=True))


def _seen_users(actor):
    if not actor.has_scope("profile"):
        return User.objects.none()
    # A minor is found only by those who see their profile (accounts.rules.
    # may_see_full_profile): their bio and major are what the document holds.
    return User.objects.filter(is_active=True).exclude(hidden_profiles_q(actor.user))


def _visible_users(actor, ids: list[int]) -> set[int]:
    return set(_seen_users(actor).filter(pk__in=ids).values_list("pk", flat=True))


def register_sources() -> None:
    register(Source(
        kind="group", label="群组", document=_group_document,
        visible_ids=_visible_groups, visible=_seen_groups,
        load=lambda ids: Group.objects.select_related("school").in_bulk(ids),
        all_ids=lambda: Group.objects.values_list("pk", flat=True).iterator(), scope="groups:read",
        node="yiban_core.groups.schema.GroupNode",
        prepare="yiban_core.groups.schema.loaders.prepare_found_groups",
    ))
    register(Source(
        kind="user", label="用户", document=_user_document, visible_ids=_visible_users,
        visible=_seen_users,
        load=lambda ids: User.objects.select_related("profile", "school").in_bulk(ids),
        all_ids=lambda: User.objects.filter(is_active=True).values_list("pk", flat=True).iterator(),
        scope="profile", node="yiban_core.accounts.schema.UserNode",
    ))
