"""Every write of activation codes (issue, claim) and verification requests.

Security-relevant attempts go through security.security_event: codes issued, claims
(a wrong, used, replaced or expired code, another school's code, an account already
claimed) and decisions on requests.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiban_core.accounts.models import School, User
from yiban_core.accounts.rules import require_roster_authority
from yiban_core.accounts.services import MEMBER_NUMBER_RE, USERNAME_RE, verify_member
from yiban_core.actor import Actor, web_session_only
from yiban_core.errors import Conflict, DomainError, Invalid, NotFound, PermissionDenied
from yiban_core.images import check_image
from yiban_core.moderation.services import screened
from yiban_core.notifications.models import Notification
from yiban_core.notifications.services import notify
from yiban_core.ratelimit import check, failed, hit
from yiban_core.search.services import index_later
from yiban_core.verification import selectors
from yiban_core.verification.models import ActivationCode, VerificationRequest
from yiban_core.verification.security import DENIED, FAILURE, security_event

ACTIVATION_CODE_DAYS = 30
# Unambiguous on paper: no 0/O, 1/I/L. 12 of 31 characters: about 2^59 codes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
# Only failed claims count: a campus NAT puts a class behind one address.
CLAIM_FAILURES_PER_IP_PER_HOUR = 30
CLAIM_FAILURES_PER_MEMBER_PER_15_MIN = 5
REQUESTS_PER_USER_PER_DAY = 5
PHOTO_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class IssuedCode:
    """A code as issued: the only time it exists in plain text."""

    member_number: str
    name: str
    username: str
    code: str
    expires_at: datetime


def normalise_code(code: str) -> str:
    """What a student types, as stored: upper case, without spaces and dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:64]


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


@web_session_only(gettext_lazy("激活码只能由学校管理员在网页上发放"))
def issue_activation_codes(*, actor: Actor, school: School, only_unclaimed: bool = True,
                           member_numbers: list[str] | None = None,
                           valid_days: int = ACTIVATION_CODE_DAYS) -> list[IssuedCode]:
    """One code for each of the school's members nobody ever signed in as (the accounts its
    roster made): those named by `member_numbers`, else all of them, or with
    `only_unclaimed` only those not holding a code that still works. A member's earlier
    code stops working. An account someone has signed in to never gets a code."""
    require_roster_authority(actor, school, denied=_("只有学校管理员可以发放激活码"))
    if not 1 <= valid_days <= 365:
        raise Invalid(_("有效期应为 1 到 365 天"), field="valid_days")
    members = selectors.unclaimed_members(school=school)
    if member_numbers is not None:
        wanted = {number.strip() for number in member_numbers if number.strip()}
        if not wanted:
            raise Invalid(_("请填写学号"), field="member_numbers")
        members = members.filter(member_number__in=wanted)
        missing = sorted(wanted - {user.member_number for user in members})
        if missing:
            raise Invalid(_("这些学号不是本校未激活的成员（不存在或账号已被认领）：%(numbers)s")
                          % {"numbers": "、".join(missing[:20])}, field="member_numbers")
    elif only_unclaimed:
        members = members.filter(has_open_code=False)
    users = list(members)
    now = timezone.now()
    expires_at = now + timedelta(days=valid_days)
    issued, rows = [], []
    for user in users:
        code = _new_code()
        issued.append(IssuedCode(member_number=user.member_number, name=user.display_name,
                                 username=user.username, code=code, expires_at=expires_at))
        rows.append(ActivationCode(school=school, user=user, code_hash=code_hash(code),
                                   issued_by=actor.user, expires_at=expires_at))
    try:
        with transaction.atomic():
            ActivationCode.objects.filter(user__in=users, used_at__isnull=True,
                                          revoked_at__isnull=True).update(revoked_at=now)
            ActivationCode.objects.bulk_create(rows)
    except IntegrityError:  # another administrator issued codes for them meanwhile
        raise Conflict(_("激活码正在由另一位管理员发放，请稍后重试")) from None
    security_event("activation_codes.issued", actor=actor, school=school,
                   detail={"count": len(issued), "only_unclaimed": only_unclaimed,
                           "named": member_numbers is not None})
    return issued


def _claim_refused(error: DomainError, *, reason: str, school: School, member_number: str,
                   keys: tuple[str, ...], code: ActivationCode | None = None) -> DomainError:
    for key in keys:
        failed(key, window_s=_window(key))
    security_event("account.claim_failed", outcome=FAILURE, school=school,
                   target=code.user if code is not None else None,
                   detail={"reason": reason, "member_number": member_number})
    return error


def _window(key: str) -> int:
    return 3600 if key.startswith("claim:ip:") else 900


def claim_account(*, school: School, member_number: str, code: str, username: str,
                  password: str, client_ip: str = "") -> User:
    """The account the school's roster made for this 学号, claimed with its activation
    code: it gets the username and password the student picked, and stays verified.
    Nobody is signed in here; the page does that."""
    member_number = (member_number or "").strip()[:32]
    keys = (f"claim:ip:{client_ip or 'unknown'}", f"claim:member:{school.pk}:{member_number}")
    for key in keys:
        check(key, limit=CLAIM_FAILURES_PER_IP_PER_HOUR if key.startswith("claim:ip:")
              else CLAIM_FAILURES_PER_MEMBER_PER_15_MIN, window_s=_window(key))
    if not member_number:
        raise Invalid(_("请填写学号"), field="member_number")
    if not normalise_code(code):
        raise Invalid(_("请填写激活码"), field="code")
    found = (ActivationCode.objects.select_related("user", "school")
             .filter(code_hash=code_hash(code)).first())

    def refuse(error: DomainError, reason: str) -> DomainError:
        return _claim_refused(error, reason=reason, school=school, member_number=member_number,
                              keys=keys, code=found)

    wrong = Invalid(_("学号或激活码不正确"), field="code")
    if found is None:
        raise refuse(wrong, "unknown code")
    if found.school_id != school.pk:
        raise refuse(Invalid(_("该激活码不是%(school)s发放的，请检查所选学校")
                             % {"school": school.name}, field="school"), "another school")
    if found.user.member_number != member_number or found.user.school_id != school.pk:
        raise refuse(wrong, "member number does not match")
    if found.used_at is not None:
        raise refuse(Conflict(_("该激活码已经使用过，账号已被认领。如果不是你本人认领的，"
                                "请联系学校管理员"), field="code"), "used")
    if found.revoked_at is not None:
        raise refuse(Invalid(_("该激活码已作废：学校发放了新的激活码，请使用最新的一张"),
                             field="code"), "replaced")
    if found.expires_at <= timezone.now():
        raise refuse(Invalid(_("该激活码已过期，请向学校管理员索取新的激活码"), field="code"),
                     "expired")
    user = found.user
    if not selectors.never_logged_in(user) or not user.is_active:
        raise refuse(Conflict(_("该学号对应的账号已被认领或已停用，请直接登录；"
                                "忘记密码可以重设"), field="member_number"), "already claimed")
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise Invalid(_("用户名为 3 到 30 个字母、数字或 _ . -"), field="username")
    if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
        raise Conflict(_("该用户名已被注册"), field="username")
    user.username = username
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        user.refresh_from_db()
        raise Invalid(" ".join(error.messages), field="password") from None
    user.set_password(password)
    now = timezone.now()
    try:
        with transaction.atomic():
            # The code is spent in the same transaction: two claims at once, one wins.
            spent = ActivationCode.objects.filter(
                pk=found.pk, used_at__isnull=True, revoked_at__isnull=True).update(used_at=now)
            if not spent:
                raise Conflict(_("该激活码已经使用过，账号已被认领"), field="code")
            fields = ["username", "password"]
            if user.verified_at is None:  # the roster vouched with the 学号 it gave
                user.verified_at = now
                fields.append("verified_at")
            user.save(update_fields=fields)
            index_later("user", user.pk)
    except IntegrityError:
        raise Conflict(_("该用户名已被注册"), field="username") from None
    security_event("account.claimed", user=user, target=user, school=school,
                   detail={"member_number": member_number})
    return user


# --- verification requests --------------------------------------------------------------


@web_session_only(gettext_lazy("认证申请只能由本人在网页上提交"))
def request_verification(*, actor: Actor, school: School, member_number: str,
                         note: str = "", photo=None) -> VerificationRequest:
    """A student who registered by hand asks `school` to verify them as `member_number`.
    One open request per student; the school's administrators decide."""
    user = actor.require_user()
    if user.is_verified:
        raise Invalid(_("你已通过学校认证"))
    if school is None:
        raise Invalid(_("请选择学校"), field="school")
    if user.school_id not in (None, school.pk):
        raise Invalid(_("你的资料里填写的是另一所学校，请先在个人资料里改为%(school)s")
                      % {"school": school.name}, field="school")
    member_number = (member_number or "").strip()
    if not MEMBER_NUMBER_RE.match(member_number):
        raise Invalid(_("学号/工号为 4 到 32 位字母、数字或 -"), field="member_number")
    note = (note or "").strip()
    if len(note) > 280:
        raise Invalid(_("不能超过 %(n)d 个字") % {"n": 280}, field="note")
    note = screened("note", note, school=school)
    if photo is not None:
        check_image(photo, field="photo", max_bytes=PHOTO_MAX_BYTES)
    if VerificationRequest.objects.filter(user=user,
                                          status=VerificationRequest.Status.PENDING).exists():
        raise Conflict(_("你已有一条待审核的认证申请"))
    hit(f"verification_request:{user.pk}", limit=REQUESTS_PER_USER_PER_DAY, window_s=86400)
    request = VerificationRequest(user=user, school=school, member_number=member_number,
                                  note=note)
    try:
        with transaction.atomic():
            if photo is not None:
                request.photo.save(f"card.{photo.content_type.split('/')[-1]}", photo,
                                   save=False)
            request.save()
    except IntegrityError:
        if request.photo:
            request.photo.storage.delete(request.photo.name)
        raise Conflict(_("你已有一条待审核的认证申请")) from None
    security_event("verification.requested", actor=actor, target=request, school=school,
                   detail={"member_number": member_number})
    return request


@web_session_only(gettext_lazy("认证申请只能由本人在网页上撤回"))
def cancel_verification_request(*, actor: Actor, request: VerificationRequest) -> None:
    user = actor.require_user()
    if request.user_id != user.pk:
        raise NotFound(_("没有这条认证申请"))
    cancelled = VerificationRequest.objects.filter(
        pk=request.pk, status=VerificationRequest.Status.PENDING).update(
        status=VerificationRequest.Status.CANCELLED, decided_at=timezone.now())
    if not cancelled:
        raise Conflict(_("该申请已处理，不能撤回"))
    request.refresh_from_db()


def decide_verification_request(*, actor: Actor, request: VerificationRequest, approve: bool,
                                reason: str = "") -> VerificationRequest:
    """A school administrator approves (the student becomes a verified member, as
    accounts.services.verify_member decides: a 学号 another account holds is refused) or
    rejects with a reason; the student is notified either way."""
    actor.require_scope("school:roster")  # a user's token never has it: refused unread
    try:
        require_roster_authority(actor, request.school,
                                 denied=_("只有学校管理员可以审核认证申请"))
    except PermissionDenied:
        security_event("verification.decide_denied", actor=actor, target=request,
                       school=request.school, outcome=DENIED)
        raise
    reason = (reason or "").strip()
    if not approve:
        if not reason:
            raise Invalid(_("请填写未通过的原因"), field="reason")
        if len(reason) > 280:
            raise Invalid(_("不能超过 %(n)d 个字") % {"n": 280}, field="reason")
        reason = screened("reason", reason, school=request.school)
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = (VerificationRequest.objects.select_for_update()
                      .filter(pk=request.pk, status=VerificationRequest.Status.PENDING).first())
            if locked is None:
                raise Conflict(_("该申请已处理"))
            if approve:
                verify_member(actor=actor, school=request.school,
                              username=request.user.username,
                              member_number=request.member_number)
                locked.status = VerificationRequest.Status.APPROVED
            else:
                locked.status = VerificationRequest.Status.REJECTED
                locked.reason = reason
                notify(recipient_ids=[request.user_id],
                       kind=Notification.Kind.VERIFICATION_REJECTED, actor_id=actor.user_id,
                       event_key=f"verification_rejected:{request.pk}", excerpt=reason)
            locked.decided_by = actor.user
            locked.decided_at = now
            locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    except DomainError as error:
        security_event("verification.decide_failed", actor=actor, target=request,
                       school=request.school, outcome=FAILURE,
                       detail={"approve": approve, "error": error.code})
        raise
    security_event("verification.approved" if approve else "verification.rejected",
                   actor=actor, target=request, school=request.school,
                   detail={"member_number": request.member_number})
    request.refresh_from_db()
    return request
