from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "yiban_core.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from yiban_core import periodic
        from yiban_core.audit import receivers, tasks

        receivers.connect()
        periodic.register(tasks.prune_audit_log, every=tasks.PRUNE_EVERY)
