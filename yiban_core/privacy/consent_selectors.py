"""Reads of the published policies and of what each person agreed to.

A policy version is in force from its `published_at`. A person must have agreed to the
newest version of each kind that asks for consent (`requires_consent`), or to a later
one: a version published without it (a typo fixed) asks nobody again. What each kind
requires is cached (it is read on every page view) and forgotten when a version is saved.

Location at check-ins and real-name sharing with an app are consents of their own (PIPL
Arts. 14, 29): live while not withdrawn. A school app acting for its school (client
credentials) reads 学号 under the school's own basis, not a person's consent.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiban_core.actor import Actor
from yiban_core.errors import NotFound
from yiban_core.privacy.models import Consent, PolicyVersion

POLICY_KINDS = (PolicyVersion.Kind.TERMS, PolicyVersion.Kind.PRIVACY)
REQUIRED_CACHE_KEY = "privacy:required-policies"
REQUIRED_CACHE_S = 60  # also the longest a version published for later waits to apply


def published_versions(kind: str) -> QuerySet[PolicyVersion]:
    """The versions of `kind` in force or before, newest first; none from the future."""
    return (PolicyVersion.objects.filter(kind=kind, published_at__lte=timezone.now())
            .order_by("-published_at", "-pk"))


def current_policy(kind: str) -> PolicyVersion | None:
    return published_versions(kind).first()


def get_policy(kind: str, version: str) -> PolicyVersion:
    policy = published_versions(kind).filter(version=version).first()
    if policy is None:
        raise NotFound(_("没有这个版本"))
    return policy


def current_versions() -> dict[str, str]:
    """{kind: version} of the versions in force (what a sign-up agrees to)."""
    found = {}
    for kind in POLICY_KINDS:
        policy = current_policy(kind)
        if policy is not None:
            found[str(kind)] = policy.version
    return found


def required_versions() -> dict[str, list[str]]:
    """{kind: the versions that satisfy it}: the newest version asking for consent and
    every version published after it. A kind with nothing asking for consent is absent."""
    required = cache.get(REQUIRED_CACHE_KEY)
    if required is not None:
        return required
    required = {}
    for kind in POLICY_KINDS:
        versions = list(published_versions(kind).values_list("version", "requires_consent"))
        accepted = []
        for version, requires_consent in versions:  # newest first
            accepted.append(version)
            if requires_consent:
                required[str(kind)] = accepted
                break
    cache.set(REQUIRED_CACHE_KEY, required, REQUIRED_CACHE_S)
    return required


def forget_required_versions() -> None:
    cache.delete(REQUIRED_CACHE_KEY)


def agreed_versions(user) -> dict[str, list[str]]:
    """{kind: versions the person agreed to} (policy consents are never withdrawn)."""
    agreed: dict[str, list[str]] = {}
    rows = (Consent.objects.filter(user=user, purpose__in=POLICY_KINDS,
                                   withdrawn_at__isnull=True)
            .values_list("purpose", "version"))
    for purpose, version in rows:
        agreed.setdefault(purpose, []).append(version)
    return agreed


def missing_policies(agreed: dict[str, list[str]],
                     required: dict[str, list[str]] | None = None) -> list[str]:
    """The kinds whose required version `agreed` does not cover (`required`: what
    required_versions() gave the caller, else read here)."""
    required = required_versions() if required is None else required
    return [kind for kind, accepted in required.items()
            if not set(accepted) & set(agreed.get(kind, ()))]


def policies_to_agree(user) -> list[PolicyVersion]:
    """The versions in force the person still has to agree to (the re-consent page)."""
    missing = missing_policies(agreed_versions(user))
    return [policy for kind in missing if (policy := current_policy(kind)) is not None]


# --- a person's own consents -----------------------------------------------------------


def my_consents(*, actor: Actor) -> QuerySet[Consent]:
    """Everything the person agreed to, newest first (the consents page)."""
    user = actor.require_user()
    return (Consent.objects.filter(user=user).select_related("application")
            .order_by("-granted_at", "-pk"))


def has_location_consent(user) -> bool:
    return Consent.objects.filter(user=user, purpose=Consent.Purpose.LOCATION,
                                  withdrawn_at__isnull=True).exists()


LIVE, WITHDRAWN, NEVER = "live", "withdrawn", "never"


def _app_consent_key(user_id, app_id) -> str:
    return f"privacy:app-consent:{user_id}:{app_id}"


def app_consent_state(user_id: int, app_id: int) -> str:
    """LIVE, WITHDRAWN (given, then withdrawn) or NEVER, for one person and one app. Read
    for every 学号 an app reads, so cached; a grant or a withdrawal forgets it."""
    key = _app_consent_key(user_id, app_id)
    state = cache.get(key)
    if state is None:
        withdrawn = list(Consent.objects.filter(user_id=user_id, application_id=app_id,
                                                purpose=Consent.Purpose.APP_REAL_NAME)
                         .values_list("withdrawn_at", flat=True))
        state = LIVE if None in withdrawn else WITHDRAWN if withdrawn else NEVER
        cache.set(key, state, 60)
    return state


def forget_app_consent(user_id: int, app_id: int) -> None:
    cache.delete(_app_consent_key(user_id, app_id))


def has_app_consent(user, app_id: int) -> bool:
    return app_consent_state(user.pk, app_id) == LIVE


def acts_for_person(actor: Actor) -> bool:
    """An app acting with a person's token (not a web session, not a school app)."""
    return actor.scopes is not None and actor.user is not None and actor.app_id is not None


def may_read_real_name(actor: Actor) -> bool:
    """`profile:verified`, and for a person's app that person's live consent. A web
    session is the person themself; a school app acts under the school's own basis."""
    if not actor.has_scope("profile:verified"):
        return False
    if not acts_for_person(actor):
        return True
    return has_app_consent(actor.user, actor.app_id)


def withdrew_real_name(actor: Actor) -> bool:
    """The person withdrew this app's real-name consent and has not given it again."""
    return acts_for_person(actor) and app_consent_state(actor.user_id, actor.app_id) == WITHDRAWN
