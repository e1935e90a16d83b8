"""GraphQL types, queries and mutations of accounts, schools and follows.

Thin: parse the input, call a selector or a service with the request's actor,
shape the output. Who may see what is decided in accounts.selectors (e.g. the
member number, 学号/工号, is null unless can_see_member_number allows it; a minor's
profile fields are empty unless full_profile_visible allows them).
Registration is offered as a mutation (anonymous callers may use it); avatars
are uploaded through the web form, not GraphQL.
"""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from yiban_core.accounts import selectors, services
from yiban_core.accounts.models import Profile, School, User
from yiban_core.errors import Invalid
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum, enum_value
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import Node, decode_global_id
from yiban_core.graphql.scopes import NO_SCOPE, WEB_SESSION_ONLY, ScopedField
from yiban_core.privacy import access_log
from yiban_core.ratelimit import client_ip

UserRole = choices_enum("UserRole", User.Role, "身份：学生、教师、学校职员、站点管理员")
SchoolKind = choices_enum("SchoolKind", School.Kind, "学校类型：大学、职业院校、其他")


MAX_SUGGESTIONS = 20  # suggestedPeople, suggestedGroups


def suggestion_count(first: int | None) -> int:
    if first is None:
        return 6
    if first < 1:
        raise Invalid(_("每页条数至少为 1"), field="first")
    return min(first, MAX_SUGGESTIONS)


def _profile(user: User) -> Profile | None:
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def _shown(user: User, info) -> bool:
    """The whole profile, or only the name (a minor's: accounts.rules.may_see_full_profile)."""
    return selectors.full_profile_visible(actor=info.context.actor, user=user)


def school_from_input(info, value) -> School | None:
    """A school given by global ID (null: none), through the selector."""
    if value is None:
        return None
    pk = decode_global_id(value, expected="School", field="schoolId")
    return selectors.get_school(actor=info.context.actor, pk=pk)


class SchoolNode(graphene.ObjectType):
    """A university, vocational school or other school (学校)."""

    class Meta:
        name = "School"
        interfaces = (Node,)
        possible_types = (School,)

    name = graphene.String(required=True)
    short_name = graphene.String(required=True)
    kind = graphene.Field(SchoolKind, required=True)
    city = graphene.String(required=True)

    @classmethod
    def get_node(cls, info, pk: int) -> School:
        return selectors.get_school(actor=info.context.actor, pk=pk)


class SchoolConnection(Connection):
    class Meta:
        node = SchoolNode


class UserNode(graphene.ObjectType):
    """A person on the network: a student, a teacher or a school's staff. A minor's
    profile (minors mode) shows only the name, username and role to those outside their
    school: school, verifiedAt, bio, major, enrolmentYear, avatarUrl are null or empty, the
    counts 0 and the follow lists empty."""

    class Meta:
        name = "User"
        interfaces = (Node,)
        possible_types = (User,)

    username = graphene.String(required=True)
    display_name = graphene.String(required=True)
    role = graphene.Field(UserRole, required=True)
    school = graphene.Field(SchoolNode)
    is_verified = graphene.Boolean(required=True, description="学校已认证其身份")
    verified_at = graphene.DateTime()
    member_number = graphene.String(
        description="学号/工号：只有本人和所在学校的管理员可见，其他人为 null"
    )
    bio = graphene.String(required=True)
    major = graphene.String(required=True)
    enrolment_year = graphene.Int()
    avatar_url = graphene.String()
    date_joined = graphene.DateTime(required=True)
    follower_count = graphene.Int(required=True)
    following_count = graphene.Int(required=True)
    viewer_is_following = graphene.Boolean(required=True, description="当前用户是否关注了 TA")
    viewer_has_blocked = graphene.Boolean(required=True, description="当前用户是否拉黑了 TA")
    followers = connection_field(lambda: UserConnection, "关注 TA 的人，最近关注的在前")
    following = connection_field(lambda: UserConnection, "TA 关注的人，最近关注的在前")

    @classmethod
    def get_node(cls, info, pk: int) -> User | None:
        return selectors.users(actor=info.context.actor).filter(pk=pk).first()

    @staticmethod
    def resolve_member_number(user: User, info) -> str | None:
        actor = info.context.actor
        if not selectors.can_see_member_number(actor=actor, user=user):
            return None
        if user.member_number:
            access_log.record_read([user], actor=actor, door="graphql")
        return user.member_number

    @staticmethod
    def resolve_school(user: User, info) -> School | None:
        return user.school if _shown(user, info) else None

    @staticmethod
    def resolve_is_verified(user: User, info) -> bool:
        return user.is_verified and _shown(user, info)

    @staticmethod
    def resolve_verified_at(user: User, info):
        return user.verified_at if _shown(user, info) else None

    @staticmethod
    def resolve_follower_count(user: User, info) -> int:
        return user.follower_count if _shown(user, info) else 0

    @staticmethod
    def resolve_following_count(user: User, info) -> int:
        return user.following_count if _shown(user, info) else 0

    @staticmethod
    def resolve_bio(user: User, info) -> str:
        profile = _profile(user)
        return profile.bio if profile and _shown(user, info) else ""

    @staticmethod
    def resolve_major(user: User, info) -> str:
        profile = _profile(user)
        return profile.major if profile and _shown(user, info) else ""

    @staticmethod
    def resolve_enrolment_year(user: User, info) -> int | None:
        profile = _profile(user)
        return profile.enrolment_year if profile and _shown(user, info) else None

    @staticmethod
    def resolve_avatar_url(user: User, info) -> str | None:
        profile = _profile(user)
        if profile is None or not profile.avatar or not _shown(user, info):
            return None
        return info.context.build_absolute_uri(profile.avatar.url)

    @staticmethod
    def resolve_viewer_is_following(user: User, info) -> bool:
        return selectors.is_following(actor=info.context.actor, user=user)

    @staticmethod
    def resolve_viewer_has_blocked(user: User, info) -> bool:
        return user.pk in selectors.blocked_ids(info.context.actor.user)  # once a request

    @staticmethod
    def resolve_followers(user: User, info, first=None, after=None):
        qs = selectors.followers(actor=info.context.actor, user=user)
        return resolve_connection(UserConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_following(user: User, info, first=None, after=None):
        qs = selectors.following(actor=info.context.actor, user=user)
        return resolve_connection(UserConnection, qs, first=first, after=after)


class UserConnection(Connection):
    class Meta:
        node = UserNode


class Query(graphene.ObjectType):
    viewer = ScopedField(UserNode, description="当前登录的用户；未登录为 null", scope="profile")
    user = ScopedField(UserNode, username=graphene.String(required=True), scope="profile")
    my_blocked_users = connection_field(UserConnection, "我拉黑的人，最近拉黑的在前",
                                        scope="feed:read")
    schools = connection_field(SchoolConnection, "所有学校，按名称排序", scope=NO_SCOPE)
    school = ScopedField(SchoolNode, id=graphene.ID(required=True), scope=NO_SCOPE)
    suggested_people = ScopedField(
        graphene.List(graphene.NonNull(UserNode)), required=True,
        description=("可能认识的同学：本校同专业同年级的在前，不含自己和已关注的人；"
                     "没有选择学校时为空"),
        first=graphene.Int(description=f"最多几位，默认 6，至多 {MAX_SUGGESTIONS}"),
        scope="profile",
    )

    @staticmethod
    def resolve_suggested_people(root, info, first=None) -> list[User]:
        return selectors.suggested_people(actor=info.context.actor,
                                          limit=suggestion_count(first))

    @staticmethod
    def resolve_viewer(root, info) -> User | None:
        actor = info.context.actor
        if actor.user is None:
            return None
        return selectors.users(actor=actor).filter(pk=actor.user_id).first()

    @staticmethod
    def resolve_user(root, info, username: str) -> User:
        return selectors.get_user(actor=info.context.actor, username=username)

    @staticmethod
    def resolve_my_blocked_users(root, info, first=None, after=None):
        qs = selectors.blocked_users(actor=info.context.actor)
        return resolve_connection(UserConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_schools(root, info, first=None, after=None):
        qs = selectors.schools(actor=info.context.actor)
        return resolve_connection(SchoolConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_school(root, info, id: str) -> School:
        pk = decode_global_id(id, expected="School", field="id")
        return selectors.get_school(actor=info.context.actor, pk=pk)


# --- mutations ---------------------------------------------------------------------


class Register(DomainMutation):
    """Create an account (用户名 is unique, case-insensitive: a duplicate is CONFLICT). The
    person agrees to the terms and the privacy policy in force (/terms/, /privacy/): their
    versions go in termsVersion and privacyVersion; another version is INVALID (policies)."""

    scope = NO_SCOPE

    class Input:
        username = graphene.String(required=True)
        password = graphene.String(required=True)
        display_name = graphene.String()
        email = graphene.String()
        school_id = graphene.ID()
        role = graphene.Field(UserRole, description="STUDENT（默认）或 TEACHER")
        terms_version = graphene.String(description="用户同意的《用户协议》版本（现行版本）")
        privacy_version = graphene.String(description="用户同意的《隐私政策》版本（现行版本）")

    user = graphene.Field(UserNode)

    @classmethod
    def perform(cls, info, actor, username, password, display_name="", email="",
                school_id=None, role=None, terms_version=None, privacy_version=None):
        user = services.register_user(
            username=username, password=password, display_name=display_name or "",
            email=email or "", school=school_from_input(info, school_id),
            role=enum_value(role) or User.Role.STUDENT, client_ip=client_ip(info.context),
            agreed_policies={"terms": terms_version or "", "privacy": privacy_version or ""},
        )
        return {"user": user}


class UpdateProfile(DomainMutation):
    """Change the viewer's own profile; fields left out stay as they are (schoolId: null clears)."""

    scope = WEB_SESSION_ONLY

    class Input:
        display_name = graphene.String()
        bio = graphene.String()
        major = graphene.String()
        enrolment_year = graphene.Int()
        school_id = graphene.ID()

    user = graphene.Field(UserNode)

    @classmethod
    def perform(cls, info, actor, **data):
        if "school_id" in data:
            data["school"] = school_from_input(info, data.pop("school_id"))
        return {"user": services.update_profile(actor=actor, **data)}


class Follow(DomainMutation):
    scope = ("feed:write", "profile")

    class Input:
        username = graphene.String(required=True)

    user = graphene.Field(UserNode, description="被关注的人")

    @classmethod
    def perform(cls, info, actor, username):
        services.follow(actor=actor, username=username)
        return {"user": selectors.get_user(actor=actor, username=username)}


class Unfollow(DomainMutation):
    scope = "feed:write"

    class Input:
        username = graphene.String(required=True)

    user = graphene.Field(UserNode, description="取消关注的人")

    @classmethod
    def perform(cls, info, actor, username):
        services.unfollow(actor=actor, username=username)
        return {"user": selectors.get_user(actor=actor, username=username)}


class BlockUser(DomainMutation):
    """拉黑: TA can no longer follow, mention, comment on, like, repost or invite you (nor
    you TA), follows either way end, and you no longer see TA's posts and comments."""

    scope = ("feed:write", "profile")

    class Input:
        username = graphene.String(required=True)

    user = graphene.Field(UserNode, description="被拉黑的人")

    @classmethod
    def perform(cls, info, actor, username):
        services.block_user(actor=actor, username=username)
        return {"user": selectors.get_user(actor=actor, username=username)}


class UnblockUser(DomainMutation):
    """取消拉黑 (follows the block ended stay ended)."""

    scope = ("feed:write", "profile")

    class Input:
        username = graphene.String(required=True)

    user = graphene.Field(UserNode, description="取消拉黑的人")

    @classmethod
    def perform(cls, info, actor, username):
        services.unblock_user(actor=actor, username=username)
        return {"user": selectors.get_user(actor=actor, username=username)}


class CreateSchool(DomainMutation):
    """Add a school (site administrators only)."""

    scope = WEB_SESSION_ONLY

    class Input:
        name = graphene.String(required=True)
        kind = SchoolKind(required=True)
        short_name = graphene.String()
        city = graphene.String()

    school = graphene.Field(SchoolNode)

    @classmethod
    def perform(cls, info, actor, name, kind, short_name="", city=""):
        school = services.create_school(actor=actor, name=name, kind=enum_value(kind),
                                        short_name=short_name or "", city=city or "")
        return {"school": school}


class VerifyMember(DomainMutation):
    """A school administrator confirms a user's membership and member number (学号/工号)."""

    scope = "school:roster"

    class Input:
        school_id = graphene.ID(required=True)
        username = graphene.String(required=True)
        member_number = graphene.String(required=True)

    user = graphene.Field(UserNode)

    @classmethod
    def perform(cls, info, actor, school_id, username, member_number):
        user = services.verify_member(actor=actor, school=school_from_input(info, school_id),
                                      username=username, member_number=member_number)
        return {"user": user}


class Mutation(graphene.ObjectType):
    register = Register.Field()
    update_profile = UpdateProfile.Field()
    follow = Follow.Field()
    unfollow = Unfollow.Field()
    block_user = BlockUser.Field()
    unblock_user = UnblockUser.Field()
    create_school = CreateSchool.Field()
    verify_member = VerifyMember.Field()

