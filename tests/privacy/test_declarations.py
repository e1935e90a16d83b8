"""Every model that holds a key to a person is in a personal-data declaration (or named as
holding no one's data of their own), so an export or an erasure cannot forget it."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from yiban_core.privacy.registry import declarations, erasures


def models_with_a_user_key() -> set[type[models.Model]]:
    user_model = get_user_model()
    return {model for model in apps.get_models()
            if any(isinstance(field, models.ForeignKey | models.OneToOneField)
                   and field.related_model is user_model
                   for field in model._meta.get_fields() if field.concrete)}


def test_every_model_with_a_user_key_is_declared():
    declared = {model for d in declarations() for model in [*d.models, *d.not_personal]}
    missing = sorted(model._meta.label for model in models_with_a_user_key() - declared)
    assert not missing, f"models with a user key in no personal-data declaration: {missing}"


def test_the_walk_sees_third_party_and_plugin_models():
    labels = {model._meta.label for model in models_with_a_user_key()}
    # The check means something only if it reaches past the project's own apps.
    assert {"feeds.Post", "oauth2_provider.AccessToken", "otp_totp.TOTPDevice",
            "vocational.TrainingRecord", "admin.LogEntry"} <= labels


def test_each_app_declares_once_with_a_title_and_an_export():
    names = [d.app for d in declarations()]
    assert len(names) == len(set(names))
    for declaration in declarations():
        assert str(declaration.title) and callable(declaration.export)
        assert declaration.models, f"{declaration.app} declares no model"


def test_every_declared_app_has_an_erasure():
    """What an app can export about a person, it must also erase at a cancellation."""
    missing = sorted({d.app for d in declarations()} - set(erasures()))
    assert not missing, f"apps that declare personal data but erase nothing: {missing}"
