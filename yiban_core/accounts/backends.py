"""The sign-in backend: Django's ModelBackend, with the signed-in user and their profile
read from the per-person cache on every request (yiban_core/personal_cache.py) instead of
two queries. Anything that changes a user or a profile forgets them (accounts/apps.py,
the services that update rows in bulk).

Sessions made before this backend name Django's ModelBackend, which stays listed after
it so they stay valid; a wrong password here ends the sign-in (PermissionDenied) rather
than asking that backend to check the same password again.
"""

from django.contrib.auth import backends
from django.core.exceptions import PermissionDenied

from yiban_core import personal_cache
from yiban_core.accounts.models import User


class ModelBackend(backends.ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = personal_cache.signed_in_user(
            pk, lambda: User._default_manager.select_related("profile").filter(pk=pk).first())
        return user if user is not None and self.user_can_authenticate(user) else None
