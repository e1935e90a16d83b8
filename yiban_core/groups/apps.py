from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "yiban_core.groups"
    label = "groups"
    verbose_name = "群组"

    def ready(self):
        from yiban_core import events, personal_cache

        # Joining or leaving changes what the page frame shows a person (invitations,
        # the moderation queue's link for a manager): yiban_core/personal_cache.py.
        events.subscribe(events.MembershipsChanged, lambda event: personal_cache.forget(
            member.user_id for member in (*event.joined, *event.left)), durable=True)
