from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yiban_core.accounts"
    label = "accounts"
    verbose_name = "账号与学校"
