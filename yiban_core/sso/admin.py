from django import forms
from django.contrib import admin

from yiban_core.errors import DomainError
from yiban_core.sso.models import SchoolIdentityProvider, SsoIdentity
from yiban_core.sso.services import clean_provider


class ProviderForm(forms.ModelForm):
    # Never rendered back; left blank, the stored secret stays.
    oidc_client_secret = forms.CharField(
        label="客户端密钥", required=False, widget=forms.PasswordInput(render_value=False),
        help_text="留空则保留已保存的密钥")

    class Meta:
        model = SchoolIdentityProvider
        fields = ["school", "kind", "enabled", "display_name", "cas_server_url", "cas_version",
                  "oidc_discovery_url", "oidc_client_id", "oidc_client_secret", "oidc_scopes",
                  "member_number_attribute"]

    def clean(self):
        data = super().clean()
        provider = self.instance
        secret = data.get("oidc_client_secret") or provider.oidc_client_secret
        for name, value in data.items():
            setattr(provider, name, value)
        provider.oidc_client_secret = secret
        try:
            clean_provider(provider)  # the same checks as the school's own page
        except DomainError as error:
            field = error.field if error.field in self.fields else None
            raise forms.ValidationError({field: error.message} if field else error.message) \
                from None
        # What is saved is what the checks normalised (a CAS URL ends with "/" ...).
        return {**data, **{name: getattr(provider, name) for name in data if name != "school"}}


@admin.register(SchoolIdentityProvider)
class SchoolIdentityProviderAdmin(admin.ModelAdmin):
    form = ProviderForm
    list_display = ["school", "kind", "enabled", "cas_server_url", "oidc_discovery_url"]
    list_filter = ["kind", "enabled"]
    search_fields = ["school__name"]
    autocomplete_fields = ["school"]


@admin.register(SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    list_display = ["provider", "subject", "user", "created_at", "last_login_at"]
    search_fields = ["subject", "user__username", "user__member_number"]
    raw_id_fields = ["user"]
    readonly_fields = ["provider", "subject", "user", "created_at", "last_login_at"]
