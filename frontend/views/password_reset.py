"""Password reset by e-mail: Django's own views, with the site's templates and a throttle.

The page says the same whether or not an account has the address (Django sends only to
active accounts with a usable password; a roster's account is claimed at /claim/ instead).
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from frontend.errors import error_page
from yiban_core.errors import RateLimited
from yiban_core.ratelimit import client_ip, hit

RESETS_PER_IP_PER_HOUR = 10
RESETS_PER_ADDRESS_PER_HOUR = 3  # counted whether or not the address is known: says nothing


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "frontend/accounts/password_reset.html"
    email_template_name = "frontend/accounts/password_reset_email.txt"
    subject_template_name = "frontend/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        try:
            hit(f"password_reset:ip:{client_ip(self.request)}", limit=RESETS_PER_IP_PER_HOUR,
                window_s=3600)
            hit(f"password_reset:email:{form.cleaned_data['email'].strip().lower()}",
                limit=RESETS_PER_ADDRESS_PER_HOUR, window_s=3600)
        except RateLimited as error:
            return error_page(self.request, error)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "frontend/accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "frontend/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "frontend/accounts/password_reset_complete.html"
