"""Which school sign-ins there are (public: the login page lists them)."""

from django.db.models import QuerySet

from yiban_core.sso.models import SchoolIdentityProvider


def enabled_providers() -> QuerySet[SchoolIdentityProvider]:
    return (SchoolIdentityProvider.objects.filter(enabled=True).select_related("school")
            .order_by("school__name", "pk"))


def enabled_provider(school_id: int | None) -> SchoolIdentityProvider | None:
    if school_id is None:
        return None
    return enabled_providers().filter(school_id=school_id).first()


def provider_of(school_id: int) -> SchoolIdentityProvider | None:
    """A school's provider, enabled or not (its settings page)."""
    return SchoolIdentityProvider.objects.filter(school_id=school_id).first()
