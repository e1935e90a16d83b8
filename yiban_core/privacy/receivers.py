"""The cached set of policy versions each page view checks is forgotten when a version
is saved or removed (only this app's own cache); what a person agreed to is read into
their session when they sign in."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from yiban_core.privacy.consent_selectors import forget_required_versions, required_versions
from yiban_core.privacy.models import PolicyVersion


@receiver([post_save, post_delete], sender=PolicyVersion)
def policy_changed(sender, **kwargs) -> None:
    forget_required_versions()


@receiver(user_logged_in)
def remember_what_was_agreed(sender, request, user, **kwargs) -> None:
    """Read once at sign-in what the person agreed to, so page views cost no query."""
    if request is not None and hasattr(request, "session"):
        from yiban_core.privacy.middleware import remember_agreed

        remember_agreed(request, user)
        required_versions()
