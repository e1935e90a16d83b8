"""GraphQL enums made from the models' Django choices, so the two never drift apart."""

from __future__ import annotations

import graphene
from django.db.models import TextChoices


def choices_enum(name: str, choices: type[TextChoices], description: str) -> type[graphene.Enum]:
    """A GraphQL enum whose names are the choices' names (CLASS) and values the stored values.

    Built on the TextChoices class itself, so a resolver may return either the
    stored string ("class") or the member (Group.Kind.CLASS), as models hold both.
    """
    return graphene.Enum.from_enum(choices, name=name, description=description)


def enum_value(value):
    """An enum argument as the stored string, whichever way graphene hands it over."""
    return getattr(value, "value", value)
