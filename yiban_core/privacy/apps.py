from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "yiban_core.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from yiban_core import periodic
        from yiban_core.audit.tasks import PRUNE_EVERY
        from yiban_core.privacy import (  # noqa: F401 (receivers: connected on import)
            access_log,
            closure,
            closure_tasks,
            receivers,
            registry,
            sign_ins,
            tasks,
        )

        registry.autodiscover()
        sign_ins.connect()
        # Account cancellations: a sign-in undoes one; the workers erase those that are due.
        user_logged_in.connect(closure.undo_on_sign_in, dispatch_uid="privacy_closure_undo")
        periodic.register(closure_tasks.erase_due_closures, every=closure_tasks.ERASE_EVERY)
        periodic.register(tasks.expire_exports, every=tasks.EXPIRE_EVERY)
        periodic.register(access_log.prune_access_log, every=PRUNE_EVERY)
