"""The cached set of policy versions each page view checks is forgotten when a version
is saved or removed (only this app's own cache)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from yiban_core.privacy.consent_selectors import forget_required_versions
from yiban_core.privacy.models import PolicyVersion


@receiver([post_save, post_delete], sender=PolicyVersion)
def policy_changed(sender, **kwargs) -> None:
    forget_required_versions()
