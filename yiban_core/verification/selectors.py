"""Every read of activation codes and verification requests."""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiban_core.accounts.models import School, User
from yiban_core.accounts.rules import minor_q, require_roster_authority
from yiban_core.accounts.selectors import is_school_admin, pinyin_keys
from yiban_core.actor import Actor
from yiban_core.errors import Invalid, NotFound, PermissionDenied
from yiban_core.privacy import consent_services as consents
from yiban_core.verification.models import ActivationCode, VerificationRequest

# Never signed in: the roster made the account with no usable password, and nobody
# has logged in to it since (a claim sets both).
NEVER_LOGGED_IN = Q(last_login__isnull=True, password__startswith=UNUSABLE_PASSWORD_PREFIX)


def never_logged_in(user: User) -> bool:
    return user.last_login is None and not user.has_usable_password()


def open_codes() -> QuerySet[ActivationCode]:
    """Codes that still work: neither used, replaced nor expired."""
    return ActivationCode.objects.filter(used_at__isnull=True, revoked_at__isnull=True,
                                         expires_at__gt=timezone.now())


def unclaimed_members(*, school: School) -> QuerySet[User]:
    """The school's verified members nobody ever signed in as: who may get a code."""
    return (User.objects.filter(NEVER_LOGGED_IN, school=school, member_number__isnull=False,
                                verified_at__isnull=False, is_active=True)
            .annotate(has_open_code=Exists(open_codes().filter(user=OuterRef("pk"))))
            .order_by("member_number"))


def activation_summary(*, actor: Actor, school: School) -> dict[str, int]:
    """What the school's codes page shows: members never signed in, of them those holding
    a code that still works, and accounts claimed with a code."""
    require_roster_authority(actor, school)
    unclaimed = unclaimed_members(school=school)
    return {
        "unclaimed": unclaimed.count(),
        "with_open_code": unclaimed.filter(has_open_code=True).count(),
        "claimed": ActivationCode.objects.filter(school=school, used_at__isnull=False).count(),
    }


def may_see_request(*, actor: Actor, request: VerificationRequest) -> bool:
    """The student who asked, and the school's administrators."""
    if actor.user is None:
        return False
    return actor.user.pk == request.user_id or is_school_admin(actor.user, request.school)


def my_verification_request(*, actor: Actor) -> VerificationRequest | None:
    """The signed-in student's latest request (an open one if there is one)."""
    actor.require_scope("profile:verified")
    user = actor.require_user()
    if not consents.real_name_allowed(actor):
        raise PermissionDenied(_("你没有同意（或已撤回）向该应用提供实名和学号/工号"))
    return (VerificationRequest.objects.filter(user=user).select_related("school")
            .order_by("-created_at", "-pk").first())


def verification_queue(*, actor: Actor, school: School,
                       status: str = VerificationRequest.Status.PENDING
                       ) -> QuerySet[VerificationRequest]:
    """A school's requests, for its administrators (or its app with `school:roster`):
    the oldest open one first."""
    require_roster_authority(actor, school, denied=_("只有学校管理员可以查看认证申请"))
    return (VerificationRequest.objects.filter(school=school, status=status)
            .select_related("user", "user__profile", "school").order_by("created_at", "pk"))


def get_request(*, actor: Actor, pk) -> VerificationRequest:
    """A request the actor may see, else NotFound (the same as a request that is not)."""
    request = (VerificationRequest.objects.select_related("user", "school")
               .filter(pk=pk).first())
    if request is None:
        raise NotFound(_("没有这条认证申请"))
    if actor.user is None and actor.school is not None and actor.school.pk == request.school_id \
            and actor.has_scope("school:roster"):
        return request  # the school's app
    if actor.user is not None and consents.real_name_allowed(actor) \
            and may_see_request(actor=actor, request=request):
        return request
    raise NotFound(_("没有这条认证申请"))


# --- the school-admin console's member list -------------------------------------------------

MEMBER_FILTERS = ("verified", "claimed", "never", "minor")
MEMBER_SEARCH_POOL = 3000  # names read to match pinyin in Python, per search


def _member_status_q(status: str) -> Q:
    if status == "verified":
        return Q(verified_at__isnull=False)
    if status == "claimed":  # someone has signed in to it (or set its password)
        return ~NEVER_LOGGED_IN
    if status == "minor":  # in minors mode (marked, or by the birth date)
        return minor_q()
    return NEVER_LOGGED_IN


def school_members(*, actor: Actor, school: School, query: str = "",
                   status: str = "") -> QuerySet[User]:
    """The school's own members for its administrators, ordered by 学号 then id: those
    matching `query` (the start of the name, the username or the 学号; an ASCII query
    also the name's pinyin, full or initials, among a bounded pool) and `status`
    (verified, claimed: has signed in, never: never signed in, minor: in minors mode)."""
    require_roster_authority(actor, school)
    if status and status not in MEMBER_FILTERS:
        raise Invalid(_("没有这种筛选"), field="status")
    qs = User.objects.filter(school=school, is_active=True)
    if status:
        qs = qs.filter(_member_status_q(status))
    query = (query or "").strip()[:40]
    if query:
        match = (Q(display_name__startswith=query) | Q(username__istartswith=query)
                 | Q(member_number__startswith=query))
        if query.isascii() and query.isalpha():
            q = query.lower()
            pool = qs.values_list("pk", "display_name").order_by("pk")[:MEMBER_SEARCH_POOL]
            by_pinyin = [pk for pk, name in pool
                         if any(key.startswith(q) for key in pinyin_keys(name))]
            match |= Q(pk__in=by_pinyin)
        qs = qs.filter(match)
    return qs.select_related("profile").order_by("member_number", "pk")


def member_counts(*, actor: Actor, school: School) -> dict[str, int]:
    """The console's overview: members, verified, claimed, never signed in, open requests."""
    require_roster_authority(actor, school)
    members = User.objects.filter(school=school, is_active=True)
    never = members.filter(NEVER_LOGGED_IN).count()
    total = members.count()
    return {
        "members": total,
        "verified": members.filter(verified_at__isnull=False).count(),
        "claimed": total - never,
        "never": never,
        "open_requests": VerificationRequest.objects.filter(
            school=school, status=VerificationRequest.Status.PENDING).count(),
    }
