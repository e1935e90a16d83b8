"""Run a background task worker that survives database blips and reclaims expired claims.

Same options as django-tasks-db's ``db_worker`` except ``--reload``: workers never run
under the autoreloader (see yiban_core/worker.py).
"""

from django_tasks_db.management.commands import db_worker

from yiban_core.worker import ResilientWorker


class Command(db_worker.Command):
    help = "Run a background task worker (database back-off, expired claims run again)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # Accepted for compatibility with db_worker, always off.
        parser.set_defaults(reload=False)

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay,
               max_tasks, worker_id, exclude_queues, **options):
        self.configure_logging(verbosity)
        if options.get("reload"):
            self.stderr.write("task_worker never reloads; --reload ignored.")
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
            excluded_queue_names=excluded)
        worker.configure_signals()
        worker.run()
