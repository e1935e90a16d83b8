"""daphne with a graceful stop, for rolling restarts: ``python -m yiban_core.daphne_server``
takes daphne's own arguments, and ``--task-workers N`` to run N task workers as threads of
this process (the embedded default, where live events cannot leave the process:
yiban_core/worker_threads.py).

On SIGTERM or SIGINT the server stops listening, closes every websocket with 1012 (Service
Restart: the page's live.js reconnects, to another process behind the load balancer), lets
requests in flight finish for up to ``SHUTDOWN_GRACE_S`` seconds, then exits. Stock daphne
waits on every application to die, and one stuck in a thread kept it up for minutes.
Task workers in the process stop taking tasks at once and get up to ``TASK_SHUTDOWN_GRACE_S``
seconds to finish the one in hand (serve kills a child after 10 s).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time

from daphne.cli import CommandLineInterface  # installs the asyncio reactor first
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import defer, reactor

log = logging.getLogger("yiban_core.daphne_server")

SERVICE_RESTART = 1012
GRACE_S = float(os.environ.get("SHUTDOWN_GRACE_S", "5"))
TASK_GRACE_S = float(os.environ.get("TASK_SHUTDOWN_GRACE_S", "8"))
# What is left after the grace: cancelled, given this long to unwind, then the process ends.
CANCEL_WAIT_S = 1.0


class GracefulServer(Server):
    task_workers = 0  # set from --task-workers

    def run(self):
        self.ports = []
        self.draining = False
        self.workers = None
        self.signal_handlers = False  # ours below, not Twisted's
        reactor.callWhenRunning(self.install_signal_handlers)
        if self.task_workers:
            reactor.callWhenRunning(self.start_workers)
        super().run()

    def start_workers(self):
        # Django is set up by now: the application was imported before the server was made.
        from yiban_core.worker_threads import InProcessWorkers

        self.workers = InProcessWorkers(self.task_workers)
        self.workers.start()

    def install_signal_handlers(self):
        loop = reactor._asyncioEventloop
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.drain, signum)

    def listen_success(self, port):
        self.ports.append(port)
        super().listen_success(port)

    def drain(self, signum):
        if self.draining:
            log.warning("%s again: stopping now", signal.strsignal(signum))
            self.stop()
            return
        self.draining = True
        log.info("%s: closing websockets, finishing requests in flight",
                 signal.strsignal(signum))
        for port in self.ports:
            port.stopListening()
        for protocol, details in list(self.connections.items()):
            if isinstance(protocol, WebSocketProtocol) and "disconnected" not in details:
                # 1012 is registered with IANA, but autobahn's sendClose() lets applications
                # send only 1000 and 3000-4999: write the frame one level down.
                protocol.sendCloseFrame(code=SERVICE_RESTART, reasonUtf8=b"server restart",
                                        isReply=False)
        if self.workers is not None:
            self.workers.stop()
        now = time.monotonic()
        self.wait_for_work(now + GRACE_S, now + TASK_GRACE_S)

    def wait_for_work(self, requests_deadline, tasks_deadline):
        """Stop once requests in flight and the workers' tasks are done, or their time is up."""
        now = time.monotonic()
        in_flight = [p for p, d in self.connections.items() if "disconnected" not in d]
        working = self.workers.alive() if self.workers is not None else []
        if (in_flight and now < requests_deadline) or (working and now < tasks_deadline):
            reactor.callLater(0.1, self.wait_for_work, requests_deadline, tasks_deadline)
            return
        if in_flight:
            log.warning("%d connection(s) still open after %.0fs, cut", len(in_flight), GRACE_S)
        if working:
            log.warning("task worker(s) %s still busy after %.0fs, cut: their tasks run again "
                        "after the lease", ", ".join(working), TASK_GRACE_S)
        self.stop()

    def kill_all_applications(self):
        """Cancel what is left, but wait for it a bounded time, not for ever."""
        pending = [d["application_instance"] for d in self.connections.values()
                   if "application_instance" in d and not d["application_instance"].done()]
        for instance in pending:
            instance.cancel()
        if not pending:
            return None
        done = defer.Deferred()
        timer = reactor.callLater(CANCEL_WAIT_S, lambda: done.called or done.callback(None))

        def finished(_):
            if timer.active():
                timer.cancel()
            if not done.called:
                done.callback(None)

        gathered = defer.DeferredList([defer.Deferred.fromFuture(i) for i in pending],
                                      consumeErrors=True)
        gathered.addBoth(finished)
        return done


class GracefulCommandLine(CommandLineInterface):
    server_class = GracefulServer

    def run(self, args):
        ours = argparse.ArgumentParser(add_help=False)
        ours.add_argument("--task-workers", type=int, default=0)
        options, daphne_args = ours.parse_known_args(args)
        self.server_class.task_workers = max(0, options.task_workers)
        super().run(daphne_args)


def main():
    GracefulCommandLine().run(sys.argv[1:])
    # Threads still blocked inside an application (a sync call that never returns) would
    # keep the interpreter from exiting: the server is done, so end the process now.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
