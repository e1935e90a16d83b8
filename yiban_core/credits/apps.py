from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "yiban_core.credits"
    label = "credits"
    verbose_name = "网薪"
