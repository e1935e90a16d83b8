from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yiban_core.accounts"
    label = "accounts"
    verbose_name = "账号与学校"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from yiban_core import events, personal_cache
        from yiban_core.accounts.models import Profile, School, User

        # The page frame's reads about a person are cached per person
        # (yiban_core/personal_cache.py): the admin site, too, makes someone a site admin
        # or a school's administrator.
        m2m_changed.connect(_administrators_changed, sender=School.administrators.through,
                            dispatch_uid="school-administrators-forget")
        post_save.connect(_user_saved, sender=User, dispatch_uid="user-saved-forget")
        post_save.connect(_profile_saved, sender=Profile, dispatch_uid="profile-saved-forget")
        # The school menus' names (accounts.selectors.school_names).
        post_save.connect(_school_changed, sender=School, dispatch_uid="school-saved-names")
        post_delete.connect(_school_changed, sender=School, dispatch_uid="school-deleted-names")
        # The signed-in user is cached with their counts and school (accounts/backends.py).
        events.subscribe(events.FollowChanged, lambda event: personal_cache.forget(
            [event.follower_id, event.followee_id]), durable=True)
        events.subscribe(events.BlockChanged, lambda event: personal_cache.forget(
            [event.blocker_id]), durable=True)  # accounts.selectors.blocked_ids
        events.subscribe(events.PeopleChanged,
                         lambda event: personal_cache.forget(event.user_ids), durable=True)


def _administrators_changed(sender, instance, action, reverse, pk_set, **kwargs):
    from yiban_core import personal_cache

    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if reverse:  # `instance` is the user whose schools changed
        personal_cache.forget([instance.pk])
    elif action == "pre_clear":
        personal_cache.forget(instance.administrators.values_list("pk", flat=True))
    else:
        personal_cache.forget(pk_set or ())


def _user_saved(sender, instance, **kwargs):
    from yiban_core import personal_cache

    personal_cache.forget([instance.pk])


def _profile_saved(sender, instance, **kwargs):
    from yiban_core import personal_cache

    personal_cache.forget([instance.user_id])


def _school_changed(sender, instance, created=False, **kwargs):
    from yiban_core import personal_cache
    from yiban_core.accounts.models import User
    from yiban_core.accounts.selectors import forget_school_names

    forget_school_names()
    if not created:  # its name beside its members (the signed-in user, the boards' rows)
        personal_cache.forget(User.objects.filter(school=instance).values_list("pk", flat=True))
