"""Every write to accounts, schools and follows."""

import re
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiban_core import events, personal_cache
from yiban_core.accounts.models import Block, Follow, Profile, School, User
from yiban_core.accounts.rules import require_not_blocked, require_roster_authority
from yiban_core.actor import Actor, web_session_only
from yiban_core.audit import services as audit
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups.services import join_school_group
from yiban_core.images import check_image
from yiban_core.moderation.services import hold_if_needed, screen
from yiban_core.notifications.models import Notification
from yiban_core.notifications.services import notify
from yiban_core.privacy import consent_services as consents
from yiban_core.ratelimit import check, failed, hit
from yiban_core.search.services import index_later
from yiban_core.unchanged import UNCHANGED, Unchanged

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,30}$")
MEMBER_NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{4,32}$")
SELF_SERVICE_ROLES = {User.Role.STUDENT, User.Role.TEACHER}
REGISTRATIONS_PER_IP_PER_HOUR = 20  # a campus NAT puts a class behind one address
WRONG_PASSWORDS_PER_15_MIN = 5  # wrong old passwords when changing it
FOLLOWS_PER_HOUR = 100


def _clean_text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(_("不能为空"), field=field)
    if len(value) > max_length:
        raise Invalid(_("不能超过 %(n)d 个字") % {"n": max_length}, field=field)
    return value


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise Invalid(" ".join(error.messages), field="password") from None


def register_user(
    *, username: str, password: str, display_name: str = "", email: str = "",
    school: School | None = None, role: str = User.Role.STUDENT, client_ip: str = "",
    agreed_policies: Mapping[str, str] | None = None,
) -> User:
    """A new account. `client_ip` (the web page and the API give it) limits sign-ups per address.
    `agreed_policies` ({kind: version}) is what the person agreed to: the terms and the
    privacy policy in force, each stored as a consent with the account."""
    if client_ip:
        hit(f"register:{client_ip}", limit=REGISTRATIONS_PER_IP_PER_HOUR, window_s=3600)
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise Invalid(_("用户名为 3 到 30 个字母、数字或 _ . -"), field="username")
    if role not in SELF_SERVICE_ROLES:
        raise Invalid(_("只能注册为学生或教师"), field="role")
    name_verdict = screen(
        "display_name",
        _clean_text(display_name or username, field="display_name", max_length=40),
        school=school)
    display_name = name_verdict.text
    email = _clean_text(email, field="email", max_length=254)
    if email and "@" not in email:
        raise Invalid(_("邮箱格式不正确"), field="email")
    user = User(username=username, display_name=display_name, email=email, school=school,
                role=role)
    _check_password(password, user)
    policies = consents.check_policy_agreement(agreed_policies)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("该用户名已被注册"), field="username")
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            Profile.objects.create(user=user)
            consents.record_policy_consents(user, policies)
            hold_if_needed(user, name_verdict)  # a person is never held: a case opens
            index_later("user", user.pk)
    except IntegrityError:
        raise Conflict(_("该用户名已被注册"), field="username") from None
    return user


@web_session_only(gettext_lazy("密码只能在网页上修改"))
def change_password(*, actor: Actor, old_password: str, new_password: str) -> None:
    user = actor.require_user()
    # A stolen session must not become a way to guess the password itself.
    check(f"password:{user.pk}", limit=WRONG_PASSWORDS_PER_15_MIN, window_s=900)
    if not user.check_password(old_password):
        failed(f"password:{user.pk}", window_s=900)
        raise Invalid(_("原密码不正确"), field="old_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise Invalid(" ".join(error.messages), field="new_password") from None
    user.set_password(new_password)
    user.save(update_fields=["password"])


@web_session_only(gettext_lazy("个人资料只能由本人在网页上修改"))
def update_profile(
    *, actor: Actor, display_name: str | None = None, bio: str | None = None,
    major: str | None = None, enrolment_year: int | Unchanged | None = UNCHANGED,
    school: School | Unchanged | None = UNCHANGED, avatar=None,
) -> User:
    """Change the caller's own profile. Arguments left out stay as they are.

    Everything is validated before anything is assigned, so a refused update
    leaves even the caller's in-memory objects as they were.
    """
    user = actor.require_user()
    user_changes, profile_changes = {}, {}
    verdicts = []

    def screened(field: str, text: str) -> str:
        verdicts.append(screen(field, text, school=user.school_id))
        return verdicts[-1].text

    if display_name is not None:
        user_changes["display_name"] = screened(
            "display_name",
            _clean_text(display_name, field="display_name", max_length=40, required=True))
    if bio is not None:
        profile_changes["bio"] = screened("bio", _clean_text(bio, field="bio", max_length=280))
    if major is not None:
        profile_changes["major"] = screened(
            "major", _clean_text(major, field="major", max_length=60))
    if enrolment_year is not UNCHANGED:
        last = timezone.now().year + 1
        if enrolment_year is not None and not 1950 <= enrolment_year <= last:
            raise Invalid(_("入学年份应在 1950 到 %(last)d 之间") % {"last": last},
                          field="enrolment_year")
        profile_changes["enrolment_year"] = enrolment_year
    if school is not UNCHANGED:
        if user.is_verified and school != user.school:
            raise Invalid(_("已认证的用户不能自行更换学校"), field="school")
        user_changes["school"] = school
    if avatar is not None:
        check_image(avatar, field="avatar", max_bytes=settings.AVATAR_MAX_BYTES)
    for name, value in user_changes.items():
        setattr(user, name, value)
    profile = user.profile
    for name, value in profile_changes.items():
        setattr(profile, name, value)
    with transaction.atomic():
        if avatar is not None:
            profile.avatar.save(f"avatar-{user.pk}.{avatar.content_type.split('/')[-1]}",
                                avatar, save=False)
        if user_changes:  # only these: the counters on the row move under other requests
            user.save(update_fields=list(user_changes))
        profile.save()
        hold_if_needed(user, *verdicts)  # a person is never held: a case opens
        index_later("user", user.pk)
    return user


@web_session_only(gettext_lazy("新手引导只在网页上显示"))
def dismiss_welcome(*, actor: Actor) -> None:
    """Close the home page's welcome panel for good (it also ends by itself, see
    frontend/welcome.py). Closing it twice changes nothing."""
    user = actor.require_user()
    if Profile.objects.filter(user=user, welcome_dismissed_at__isnull=True).update(
            welcome_dismissed_at=timezone.now()):
        personal_cache.forget([user.pk])  # the signed-in user is cached with their profile


def follow(*, actor: Actor, username: str) -> Follow:
    actor.require_scope("feed:write")
    user = actor.require_user()
    target = User.objects.filter(username=username, is_active=True).first()
    if target is None:
        raise NotFound(_("没有这个用户"), field="username")
    if target.pk == user.pk:
        raise Invalid(_("不能关注自己"), field="username")
    require_not_blocked(user, target, doing=_("关注 TA"), field="username")
    hit(f"follow:{user.pk}", limit=FOLLOWS_PER_HOUR, window_s=3600)
    try:
        with transaction.atomic():
            relation = Follow.objects.create(follower=user, followee=target)
            User.objects.filter(pk=user.pk).update(following_count=F("following_count") + 1)
            User.objects.filter(pk=target.pk).update(follower_count=F("follower_count") + 1)
            notify(recipient_ids=[target.pk], kind=Notification.Kind.FOLLOWED, actor_id=user.pk,
                   event_key=f"follow:{relation.pk}",
                   # New followers of one day are one row: "张三等 5 人关注了你".
                   group_key=f"followed:{timezone.localdate().isoformat()}")
            events.send(events.FollowChanged(follower_id=user.pk, followee_id=target.pk,
                                             following=True))
    except IntegrityError:
        raise Conflict(_("你已经关注了 TA"), field="username") from None
    return relation


def unfollow(*, actor: Actor, username: str) -> None:
    actor.require_scope("feed:write")
    user = actor.require_user()
    target_id = User.objects.filter(username=username).values_list("pk", flat=True).first()
    with transaction.atomic():
        if not _end_follow(user.pk, target_id):
            raise NotFound(_("你没有关注 TA"), field="username")


def _end_follow(follower_id: int, followee_id: int | None) -> bool:
    """Delete a follow with its counters and event, in the caller's transaction; False
    when there was none."""
    deleted, _details = Follow.objects.filter(follower_id=follower_id,
                                              followee_id=followee_id).delete()
    if not deleted:
        return False
    User.objects.filter(pk=follower_id).update(following_count=F("following_count") - 1)
    User.objects.filter(pk=followee_id).update(follower_count=F("follower_count") - 1)
    events.send(events.FollowChanged(follower_id=follower_id, followee_id=followee_id,
                                     following=False))
    return True


def block_user(*, actor: Actor, username: str) -> Block:
    """拉黑: see accounts/rules.py for what a block stops. Follows either way end with it
    (as on Weibo and Twitter), and do not come back when it is lifted."""
    actor.require_scope("feed:write")
    user = actor.require_user()
    target = User.objects.filter(username=username or "").first()
    if target is None:
        raise NotFound(_("没有这个用户"), field="username")
    if target.pk == user.pk:
        raise Invalid(_("不能拉黑自己"), field="username")
    try:
        with transaction.atomic():
            block = Block.objects.create(blocker=user, blocked=target)
            _end_follow(user.pk, target.pk)
            _end_follow(target.pk, user.pk)
            events.send(events.BlockChanged(blocker_id=user.pk, blocked_id=target.pk,
                                            blocking=True))
    except IntegrityError:
        raise Conflict(_("你已经拉黑了 TA"), field="username") from None
    return block


def unblock_user(*, actor: Actor, username: str) -> None:
    actor.require_scope("feed:write")
    user = actor.require_user()
    target_id = User.objects.filter(username=username or "").values_list("pk", flat=True).first()
    with transaction.atomic():
        deleted, _details = Block.objects.filter(blocker=user, blocked_id=target_id).delete()
        if not deleted:
            raise NotFound(_("你没有拉黑 TA"), field="username")
        events.send(events.BlockChanged(blocker_id=user.pk, blocked_id=target_id,
                                        blocking=False))


def verify_member(*, actor: Actor, school: School, username: str, member_number: str) -> User:
    """A school administrator confirms that a user is a student or staff member of the school."""
    require_roster_authority(actor, school, denied=_("只有学校管理员可以认证成员"))
    member_number = (member_number or "").strip()
    if not MEMBER_NUMBER_RE.match(member_number):
        raise Invalid(_("学号/工号为 4 到 32 位字母、数字或 -"), field="member_number")
    target = User.objects.filter(username=username).first()
    if target is None:
        raise NotFound(_("没有这个用户"), field="username")
    if target.school_id not in (None, school.pk):
        raise Invalid(_("该用户属于另一所学校"), field="username")
    try:
        with transaction.atomic():
            target.school = school
            target.member_number = member_number
            target.verified_at = timezone.now()
            target.save(update_fields=["school", "member_number", "verified_at"])
            join_school_group(user=target)
            audit.record("account.verified", by=actor, target=target, school=school,
                         detail={"member_number": member_number})
            notify(recipient_ids=[target.pk], kind=Notification.Kind.VERIFIED,
                   actor_id=actor.user_id, event_key=f"verified:{target.pk}:{member_number}")
    except IntegrityError:
        raise Conflict(_("该学号/工号已被本校其他用户使用"), field="member_number") from None
    return target


def create_school(*, actor: Actor, name: str, kind: str, short_name: str = "",
                  city: str = "") -> School:
    if not actor.is_site_admin:
        raise PermissionDenied(_("只有站点管理员可以添加学校"))
    name = _clean_text(name, field="name", max_length=100, required=True)
    if kind not in School.Kind.values:
        raise Invalid(_("学校类型不正确"), field="kind")
    try:
        with transaction.atomic():
            return School.objects.create(
                name=name, kind=kind,
                short_name=_clean_text(short_name, field="short_name", max_length=30),
                city=_clean_text(city, field="city", max_length=50),
            )
    except IntegrityError:
        raise Conflict(_("已有同名学校"), field="name") from None
