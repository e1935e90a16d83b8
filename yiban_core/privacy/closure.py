"""Account cancellation (注销) with a grace period, and the erasure that follows it.

- `request_closure`: in a web session only, with the password again (an account without a
  usable password, made by a roster or signed in only through the school's SSO, proves
  itself by a sign-in within the last FRESH_SIGN_IN minutes instead). The person's other
  sessions end and every OAuth token of theirs is revoked at once, so apps stop reading;
  they are told by e-mail when they have one. A site admin, and the last administrator of
  a school, are refused until the role is handed over: an erased account cannot run the
  site or a school, and nobody else could then take the school's roster over.
- Signing in during the grace period, in any way (password, SSO, an activation code: all
  go through django.contrib.auth's `login`, whose signal `undo_on_sign_in` hears), undoes
  it; so does 撤销注销 in settings.
- `erase_due`: the periodic task carries out the closures whose grace period is over, each
  person in a transaction of their own: every app's erasure (yiban_core/privacy/registry.py),
  then the account row itself is anonymised, not deleted, so that what the person chose to
  keep, and other people's records that name them (a check-in they ran, a training record
  they signed), read 已注销用户. The school's audit log gets `account.closed` with the
  school and nobody's name; its earlier entries are append-only and stay as they are.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from yiban_core import personal_cache
from yiban_core.accounts.models import School, User
from yiban_core.actor import Actor, web_session_only
from yiban_core.audit import services as audit
from yiban_core.errors import Conflict, Invalid, PermissionDenied
from yiban_core.privacy import registry
from yiban_core.privacy.access_log import record_privacy_act, record_refused
from yiban_core.privacy.models import AccountClosure
from yiban_core.ratelimit import check, failed
from yiban_core.search.services import index_later

log = logging.getLogger(__name__)

GRACE_PERIOD = timedelta(days=15)
FRESH_SIGN_IN = timedelta(minutes=10)  # how recent a sign-in stands in for a password
WRONG_PASSWORDS_PER_15_MIN = 5
ERASED_NAME = "已注销用户"  # stored as the name itself: kept content reads it in every language
# Erasures run apps on top first, then the core; these last, in this order: groups before
# points (a membership that ends moves the person's points on the group's boards), points
# after every app that reverses points, then the person's notifications, their privacy
# records and their account.
RUN_LAST = ["groups", "credits", "notifications", "privacy", "accounts"]


def pending_closure(user) -> AccountClosure | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return AccountClosure.objects.filter(user=user,
                                         status=AccountClosure.Status.PENDING).first()


def refusal(user) -> str | None:
    """Why this account may not be cancelled now, or None: pages show it before the form."""
    if user.is_site_admin or user.is_staff:
        return _("站点管理员账号不能注销：请先请另一位站点管理员取消你的管理员身份。")
    for school in School.objects.filter(administrators=user):
        if not school.administrators.exclude(pk=user.pk).filter(is_active=True).exists():
            return _("你是%(school)s唯一的学校管理员：请先添加另一位管理员，再申请注销。") % {
                "school": school.name}
    return None


def _check_identity(user, password: str) -> None:
    if user.has_usable_password():
        # A stolen session must not become a way to guess the password.
        check(f"closure-password:{user.pk}", limit=WRONG_PASSWORDS_PER_15_MIN, window_s=900)
        if not user.check_password(password or ""):
            failed(f"closure-password:{user.pk}", window_s=900)
            raise Invalid(_("密码不正确"), field="password")
        return
    if user.last_login is None or user.last_login < timezone.now() - FRESH_SIGN_IN:
        raise PermissionDenied(_("你的账号没有密码：请退出后重新登录（如通过学校统一身份认证），"
                                 "再在 %(n)d 分钟内申请注销。")
                               % {"n": FRESH_SIGN_IN.seconds // 60})


@web_session_only(gettext_lazy("只能由本人在网页上申请注销账号"))
def request_closure(*, actor: Actor, password: str, content: str,
                    session_key: str | None = None) -> AccountClosure:
    """Cancel the actor's account after GRACE_PERIOD; `content` says whether what they
    published is deleted or kept as 已注销用户. The session `session_key` (the page's own)
    stays signed in, to show the pending state; every other one ends."""
    user = actor.require_user()
    if content not in AccountClosure.Content.values:
        raise Invalid(_("请选择如何处理你发布的内容"), field="content")
    existing = pending_closure(user)
    if existing is not None:
        record_refused(user, "closure.twice", actor=actor, detail={"closure": existing.pk})
        raise Conflict(_("你已经申请过注销，账号将于 %(when)s 注销；登录即可撤销。")
                       % {"when": timezone.localtime(existing.erase_after)
                          .strftime("%Y-%m-%d %H:%M")})
    reason = refusal(user)
    if reason:
        raise PermissionDenied(reason)
    _check_identity(user, password)
    now = timezone.now()
    with transaction.atomic():
        # Locked: two requests at once make one closure (and the unique index says so too).
        User.objects.select_for_update().filter(pk=user.pk).first()
        if pending_closure(user) is not None:
            raise Conflict(_("你已经申请过注销"))
        closure = AccountClosure.objects.create(user=user, content=content,
                                                requested_at=now,
                                                erase_after=now + GRACE_PERIOD)
        revoke_tokens(user)
        record_privacy_act(user, "closure.requested", detail={"content": content})
        if user.email:
            from yiban_core.privacy.closure_tasks import mail_closure_notice

            mail_closure_notice.enqueue(closure_id=closure.pk, what="requested")
        end_sessions(user, keep=session_key)
    return closure


def revoke_tokens(user) -> None:
    """Every OAuth token and grant of the person, whatever app holds it: apps stop reading
    at once (a refresh token is revoked, not deleted: its reuse is then detected)."""
    for refresh in RefreshToken.objects.filter(user=user, revoked__isnull=True):
        refresh.revoke()
    AccessToken.objects.filter(user=user).delete()
    IDToken.objects.filter(user=user).delete()
    Grant.objects.filter(user=user).delete()


def end_sessions(user, *, keep: str | None = None) -> int:
    """End every web session of `user` but `keep`; how many. Sessions are not indexed by
    user, so the live ones are read: a cancellation is rare, and must not miss one."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now()).only("session_key",
                                                                       "session_data")
    for session in live.iterator(chunk_size=500):
        if session.session_key == keep:
            continue
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            store(session_key=session.session_key).delete()  # and its cached copy
            ended += 1
    return ended


def _undo(user, *, how: str) -> AccountClosure | None:
    with transaction.atomic():
        closure = (AccountClosure.objects.select_for_update()
                   .filter(user=user, status=AccountClosure.Status.PENDING).first())
        if closure is None:
            return None
        closure.status = AccountClosure.Status.UNDONE
        closure.ended_at = timezone.now()
        closure.save(update_fields=["status", "ended_at"])
        record_privacy_act(user, "closure.undone", detail={"by": how})
        if user.email:
            from yiban_core.privacy.closure_tasks import mail_closure_notice

            mail_closure_notice.enqueue(closure_id=closure.pk, what="undone")
    return closure


@web_session_only(gettext_lazy("只能由本人在网页上撤销注销"))
def cancel_closure(*, actor: Actor) -> AccountClosure:
    """撤销注销: the explicit button (signing in does the same)."""
    user = actor.require_user()
    closure = _undo(user, how="button")
    if closure is None:
        raise Conflict(_("你没有待注销的申请"))
    return closure


def undo_on_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in: a sign-in during the grace period undoes the cancellation, with a
    word on the next page."""
    if user is None or not AccountClosure.objects.filter(
            user=user, status=AccountClosure.Status.PENDING).exists():
        return
    if _undo(user, how="sign_in") is not None and request is not None:
        from django.contrib import messages

        messages.success(request, _("注销已撤销，欢迎回来。"), fail_silently=True)


# --- erasure --------------------------------------------------------------------------


def ordered_erasures() -> list[tuple[str, registry.Erase]]:
    found = registry.erasures()
    first = [app for app in reversed(list(found)) if app not in RUN_LAST]
    return [(app, found[app]) for app in first + [a for a in RUN_LAST if a in found]]


def erase_due(*, now=None, limit: int = 100) -> int:
    """Carry out the closures whose grace period is over; how many. Each person in a
    transaction of their own, so one failing (logged, tried again next run) stops no one
    else; running it twice erases no one twice."""
    now = now or timezone.now()
    due = list(AccountClosure.objects.filter(status=AccountClosure.Status.PENDING,
                                             erase_after__lte=now)
               .order_by("erase_after").values_list("pk", flat=True)[:limit])
    erased = 0
    for pk in due:
        try:
            erased += erase(pk, now=now)
        except Exception:
            log.exception("erasing closure %s failed; it is tried again on the next run", pk)
    return erased


def erase(closure_id: int, *, now=None) -> bool:
    now = now or timezone.now()
    with transaction.atomic():
        closure = (AccountClosure.objects.select_for_update()
                   .filter(pk=closure_id, status=AccountClosure.Status.PENDING,
                           erase_after__lte=now).first())
        if closure is None:  # undone, or already erased by another worker
            return False
        user = User.objects.select_for_update().get(pk=closure.user_id)
        keep = closure.content == AccountClosure.Content.KEEP
        school_id = user.school_id
        for _app, erase_app in ordered_erasures():
            erase_app(user, keep)
        anonymise(user)
        closure.status = AccountClosure.Status.ERASED
        closure.ended_at = now
        closure.save(update_fields=["status", "ended_at"])
        # That it happened, for the school; not who (no actor, no name, no target).
        audit.record("account.closed", school=school_id, ip=None,
                     detail={"content": closure.content})
    return True


def anonymise(user: User) -> None:
    """The account row stays (kept content and other people's records point at it) with
    nothing of the person left; it can never sign in again. The school is dropped too:
    with kept posts it would narrow down who wrote them. (The profile is the accounts
    app's erasure.)"""
    user.username = f"deleted-{secrets.token_hex(8)}"
    user.display_name = ERASED_NAME
    user.first_name = user.last_name = user.email = ""
    user.member_number = None
    user.verified_at = None
    user.school = None
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.follower_count = user.following_count = 0
    user.set_unusable_password()
    user.save()
    index_later("user", user.pk)  # an inactive account leaves the search index
    personal_cache.forget([user.pk])
