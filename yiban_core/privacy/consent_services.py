"""Every change to consents: agreeing to the policies (at sign-up, and again when a new
version asks for it), allowing location at check-ins, sharing one's real name with an
app, and withdrawing the last two.

The terms and the privacy policy cannot be withdrawn on their own: they are what the
account stands on, so not agreeing any more is cancelling the account. Withdrawing is
a time on the record, never a deletion (what was agreed, and when, stays), and it
stops the processing at once: location check-ins are refused from then on, and the
app's tokens of that person lose `profile:verified` (narrowed, so the app keeps what
else it was granted; its next authorization asks the person again).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oauth2_provider.models import AccessToken, Grant

from yiban_core import request_id
from yiban_core.actor import Actor, web_session_only
from yiban_core.audit import services as audit
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.ids import parse_id
from yiban_core.privacy import consent_selectors as selectors
from yiban_core.privacy.access_log import record_privacy_act, record_refused
from yiban_core.privacy.models import Consent

REAL_NAME_SCOPE = "profile:verified"
WITHDRAWABLE = (Consent.Purpose.LOCATION, Consent.Purpose.APP_REAL_NAME)


class ConsentRequired(PermissionDenied):
    """Refused for want of a live consent. The refusal goes to the person's access log
    and the security log once the refusing transaction is over (after_rollback)."""

    def __init__(self, message: str, *, person, action: str, actor: Actor | None = None,
                 field: str | None = None, detail: dict | None = None):
        super().__init__(message, field=field)
        self.after_rollback = self._record
        self._refusal = (person, action, actor, detail)

    def _record(self) -> None:
        self.after_rollback = None  # once, whoever shows the error
        person, action, actor, detail = self._refusal
        record_refused(person, action, actor=actor, detail=detail)


def _log(user, action: str, detail: dict) -> None:
    """The person's own access log keeps their consent changes (kind 隐私操作)."""
    record_privacy_act(user, action, detail=detail)


# --- the terms and the privacy policy -----------------------------------------------------


def check_policy_agreement(agreed: Mapping[str, str] | None,
                           kinds: set[str] | None = None) -> dict[str, str]:
    """The versions a person agreed to, checked against those in force: every published
    kind (or those of `kinds`), at its current version (a version published while the
    page was open is read first). Nothing to agree to while nothing is published."""
    current = {kind: version for kind, version in selectors.current_versions().items()
               if kinds is None or kind in kinds}
    agreed = {str(k): str(v) for k, v in (agreed or {}).items() if v}
    if not current:
        return {}
    if not agreed:
        raise Invalid(_("请阅读并同意《用户协议》和《隐私政策》"), field="policies")
    if any(agreed.get(kind) != version for kind, version in current.items()):
        raise Invalid(_("《用户协议》或《隐私政策》刚刚更新，请阅读新版本后再同意"),
                      field="policies")
    return current


def record_policy_consents(user, versions: Mapping[str, str]) -> None:
    """Consent rows for checked versions (check_policy_agreement), in the caller's
    transaction: a sign-up and its consents are stored together."""
    now = timezone.now()
    Consent.objects.bulk_create(
        Consent(user=user, purpose=kind, version=version, granted_at=now)
        for kind, version in versions.items())
    if versions:
        _log(user, "consent.policies", dict(versions))


@web_session_only(gettext_lazy("只能由本人在网页上同意"))
def agree_to_policies(*, actor: Actor, agreed: Mapping[str, str]) -> None:
    """The re-consent page's 同意: the versions in force the person had not agreed to."""
    user = actor.require_user()
    have = selectors.agreed_versions(user)
    pending = {kind for kind, version in selectors.current_versions().items()
               if version not in have.get(kind, ())}
    new = check_policy_agreement(agreed, pending) if pending else {}
    with transaction.atomic():
        record_policy_consents(user, new)
        if new:
            audit.record("privacy.consent", by=actor, target=user, detail=new)


# --- location at check-ins ----------------------------------------------------------------


@web_session_only(gettext_lazy("位置授权只能由本人在网页上同意"))
def allow_location(*, actor: Actor) -> Consent:
    """The check-in page's separate consent (PIPL Art. 29): kept until withdrawn."""
    user = actor.require_user()
    with transaction.atomic():
        consent = (Consent.objects.select_for_update()
                   .filter(user=user, purpose=Consent.Purpose.LOCATION,
                           withdrawn_at__isnull=True).first())
        if consent is not None:
            return consent
        consent = Consent.objects.create(user=user, purpose=Consent.Purpose.LOCATION)
        _log(user, "consent.location", {})
        audit.record("privacy.consent", by=actor, target=user, detail={"purpose": "location"})
    return consent


def require_location_consent(user, *, by: Actor) -> None:
    """Before a check-in that asks for the place: the person's live consent, else a
    refusal that names where to give it (nothing is stored). `by`: who tried (an app)."""
    if not selectors.has_location_consent(user):
        raise ConsentRequired(
            _("这次签到需要使用你的位置，请先在签到页面同意“签到时使用位置”（可随时在"
              "“设置 → 隐私 → 同意记录”中撤回）"),
            person=user, action="location.no_consent", actor=by, field="location")


# --- real name and 学号 for an app ---------------------------------------------------------


def record_app_consent(*, user, application) -> None:
    """The person allowed `application` to read their real name and 学号 (the OAuth
    consent page granted `profile:verified`). One live consent per app."""
    with transaction.atomic():
        live = (Consent.objects.select_for_update()
                .filter(user=user, purpose=Consent.Purpose.APP_REAL_NAME,
                        application=application, withdrawn_at__isnull=True))
        if live.exists():
            return
        Consent.objects.create(user=user, purpose=Consent.Purpose.APP_REAL_NAME,
                               application=application)
        _log(user, "consent.app_real_name", {"app": application.name})
        transaction.on_commit(lambda: selectors.forget_app_consent(user.pk, application.pk))
    selectors.forget_app_consent(user.pk, application.pk)


def _without_real_name(scope: str) -> str:
    return " ".join(s for s in scope.split() if s != REAL_NAME_SCOPE)


def narrow_app_tokens(*, user, app_id: int) -> None:
    """The app's tokens and unused codes of this person lose `profile:verified`; a
    refresh keeps the narrowed scope (the new token takes the old one's)."""
    for model in (AccessToken, Grant):
        rows = (model.objects.select_for_update()
                .filter(user=user, application_id=app_id, scope__contains=REAL_NAME_SCOPE))
        for row in rows:
            row.scope = _without_real_name(row.scope)
            row.save(update_fields=["scope"])


def real_name_allowed(actor: Actor) -> bool:
    """Whether the actor may read real names and 学号 (consent_selectors.may_read_real_name).
    Each attempt of an app after its person withdrew (each request: a list reads many
    fields) is refused into their access log and the security log."""
    if selectors.may_read_real_name(actor):
        return True
    attempt = request_id.get() or "outside-a-request"
    if selectors.withdrew_real_name(actor) and cache.add(
            f"privacy:withdrawn-read:{actor.user_id}:{actor.app_id}:{attempt}", 1, 300):
        record_refused(actor.user, "read.withdrawn", actor=actor)
    return False


# --- withdrawal -------------------------------------------------------------------------


@web_session_only(gettext_lazy("只能由本人在网页上撤回"))
def withdraw_consent(*, actor: Actor, consent_id) -> Consent:
    user = actor.require_user()
    pk = parse_id(consent_id)
    with transaction.atomic():
        consent = (Consent.objects.select_for_update(of=("self",)).select_related("application")
                   .filter(pk=pk, user=user).first() if pk else None)
        if consent is None:
            raise NotFound(_("没有这条同意记录"))
        if consent.purpose not in WITHDRAWABLE:
            raise Invalid(_("《用户协议》和《隐私政策》是使用账号的前提，不能单独撤回；"
                            "不再同意时，请注销账号"))
        if consent.withdrawn_at is not None:
            raise Conflict(_("已经撤回过了"))
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        if consent.purpose == Consent.Purpose.APP_REAL_NAME:
            narrow_app_tokens(user=user, app_id=consent.application_id)
            app_id = consent.application_id
            selectors.forget_app_consent(user.pk, app_id)  # and again once it is committed
            transaction.on_commit(lambda: selectors.forget_app_consent(user.pk, app_id))
        detail = {"purpose": consent.purpose,
                  **({"app": consent.application.name} if consent.application else {})}
        _log(user, "consent.withdrawn", detail)
        audit.record("privacy.consent_withdrawn", by=actor, target=user, detail=detail)
    return consent
