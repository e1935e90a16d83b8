from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yiban_core.accounts"
    label = "accounts"
    verbose_name = "账号与学校"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_save

        from yiban_core.accounts.models import School, User

        # The page frame's reads about a person are cached per person
        # (yiban_core/personal_cache.py): the admin site, too, makes someone a site admin
        # or a school's administrator.
        m2m_changed.connect(_administrators_changed, sender=School.administrators.through,
                            dispatch_uid="school-administrators-forget")
        post_save.connect(_user_saved, sender=User, dispatch_uid="user-saved-forget")


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
