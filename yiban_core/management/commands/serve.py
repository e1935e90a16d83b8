"""Run the site: one daphne process and task-queue workers, supervised.

Production runs one daphne per core behind a load balancer, and workers on as many hosts
as needed; this command is the same thing on one machine. On the embedded default (no
Redis) the workers are threads of the daphne process instead (TASK_WORKERS_IN_WEB_PROCESS):
the in-memory channel layer does not cross processes, and a task's live events must reach
the sockets (yiban_core/worker_threads.py). A child that exits is started
again (with back-off, each restart logged); SIGTERM or SIGINT stops every child gracefully
(daphne closes websockets with 1012 and finishes requests in flight) and then exits 0.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand

log = logging.getLogger("yiban_core.serve")

RESTART_FIRST_S = 0.5
RESTART_MAX_S = 30.0
STABLE_S = 30.0  # a child that ran this long starts again without waiting
STOP_TIMEOUT_S = 10.0


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started: float = 0.0
    delay: float = 0.0
    restart_at: float | None = None
    restarts: int = field(default=0)

    def start(self) -> None:
        # Its own process group: a Ctrl+C at the terminal reaches serve alone, which stops
        # each child once, in order.
        self.process = subprocess.Popen(self.command, process_group=0)
        self.started = time.monotonic()
        self.restart_at = None
        log.info("started %s (pid %d)", self.name, self.process.pid)

    def check(self, now: float) -> None:
        """Start again a child that exited, once its back-off has passed."""
        if self.restart_at is None:
            code = self.process.poll()
            if code is None:
                return
            ran = now - self.started
            self.delay = 0.0 if ran >= STABLE_S else min(
                RESTART_MAX_S, self.delay * 2 or RESTART_FIRST_S)
            self.restart_at = now + self.delay
            log.warning("%s (pid %d) exited with %s after %.1fs; restarting in %.1fs",
                        self.name, self.process.pid, code, ran, self.delay)
        if now >= self.restart_at:
            self.restarts += 1
            self.start()


class Command(BaseCommand):
    help = "Serve the site with daphne and run the background task workers, supervised."
    # Worker processes run the system checks as they start; the supervisor need not wait on
    # them (it runs them itself when the workers are threads of daphne).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="task-queue workers")

    def handle(self, *, host, port, workers, **options):
        python = sys.executable
        in_process = settings.TASK_WORKERS_IN_WEB_PROCESS
        daphne = [python, "-m", "yiban_core.daphne_server", "-b", host, "-p", str(port)]
        if in_process:
            self.check()
            daphne += ["--task-workers", str(workers)]
        children = [Child("daphne", [*daphne, "yiban_core.asgi:application"])]
        if not in_process:
            children += [Child(f"worker-{i}", [python, "manage.py", "task_worker",
                                               "--worker-id", f"worker-{i}"])
                         for i in range(workers)]
        stopping = []

        def request_stop(signum, _frame):
            stopping.append(signum)

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        for child in children:
            child.start()
        where = " inside the web process" if in_process else ""
        self.stdout.write(f"Serving on http://{host}:{port}/ with {workers} task worker(s)"
                          f"{where}. Ctrl+C stops all.")
        while not stopping:
            now = time.monotonic()
            for child in children:
                child.check(now)
            time.sleep(0.2)
        log.info("%s: stopping children", signal.strsignal(stopping[0]))
        self.stop(children)

    @staticmethod
    def stop(children: list[Child]) -> None:
        running = [c.process for c in children if c.process and c.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("pid %d did not stop in %.0fs, killed", process.pid, STOP_TIMEOUT_S)
                process.kill()
                process.wait()
