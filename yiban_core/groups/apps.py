from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "yiban_core.groups"
    label = "groups"
    verbose_name = "群组"
