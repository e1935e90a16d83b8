"""Run the site: one daphne process and task-queue workers, stopped together.

Production runs one daphne per core behind a load balancer, and workers on as
many hosts as needed; this command is the same thing on one machine.
"""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site with daphne and run the background task workers."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="task-queue workers")

    def handle(self, *, host, port, workers, **options):
        python = sys.executable
        commands = [
            [python, "-m", "daphne", "-b", host, "-p", str(port), "yiban_core.asgi:application"],
            *[[python, "manage.py", "db_worker", "--worker-id", f"worker-{i}"]
              for i in range(workers)],
        ]
        processes = [subprocess.Popen(command) for command in commands]
        self.stdout.write(f"Serving on http://{host}:{port}/ with {workers} task worker(s). "
                          "Ctrl+C stops all.")

        def stop(*_args):
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        failed = [p.returncode for p in processes if p.returncode not in (0, -15, None)]
        if failed:
            sys.exit(1)
