from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "yiban_core.groups"
    label = "groups"
    verbose_name = "群组"

    def ready(self):
        from django.db.models.signals import post_save

        from yiban_core import events, personal_cache
        from yiban_core.groups.models import Group

        # Joining or leaving changes what the page frame shows a person (invitations,
        # the moderation queue's link for a manager): yiban_core/personal_cache.py.
        events.subscribe(events.MembershipsChanged, lambda event: personal_cache.forget(
            member.user_id for member in (*event.joined, *event.left)), durable=True)
        # Their groups, too (groups.selectors.my_groups): a renamed or archived group.
        post_save.connect(_group_saved, sender=Group, dispatch_uid="group-saved-forget")


def _group_saved(sender, instance, created, **kwargs):
    from yiban_core.groups.services import forget_members

    if not created:  # a new group's members join after it is saved
        forget_members(instance.pk)
