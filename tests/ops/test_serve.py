"""`manage.py serve` as a load balancer's rolling restart meets it: a worker that dies is
started again, SIGTERM closes websockets with 1012 (reconnect) and exits within seconds."""

import asyncio
import os
import signal
import sys
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.live_site import ROOT, LiveSite, copy_db, free_port, wait_for_port
from tests.ops.processes import Watched

pytestmark = [pytest.mark.slow, pytest.mark.self_contained]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_restarts_a_dead_worker_and_stops_gracefully_on_sigterm(site_template, tmp_path):
    site = LiveSite(copy_db(site_template, tmp_path / "site.sqlite3"))
    session = site.act("seed")["users"]["alice_li"]["session"]
    port = free_port()
    serve = Watched([sys.executable, "manage.py", "serve", "--port", str(port)],
                    cwd=ROOT, env=site.env)
    try:
        wait_for_port(port, serve.process, timeout=60)
        worker_pid = int(serve.wait_for(r"started worker-0 \(pid (\d+)\)").group(1))
        daphne_pid = int(serve.wait_for(r"started daphne \(pid (\d+)\)").group(1))

        os.kill(worker_pid, signal.SIGKILL)
        serve.wait_for(rf"worker-0 \(pid {worker_pid}\) exited with -9.*restarting", timeout=10)
        new_pid = int(serve.wait_for(rf"started worker-0 \(pid (?!{worker_pid}\))(\d+)\)",
                                     timeout=10).group(1))
        assert pid_alive(new_pid)

        async def scenario() -> tuple[int, float]:
            async with connect(f"ws://127.0.0.1:{port}/ws/live/", open_timeout=20,
                               additional_headers={"Cookie": f"sessionid={session}"},
                               origin=f"http://127.0.0.1:{port}") as ws:
                await asyncio.wait_for(ws.recv(), 20)  # the hello: the socket is live
                serve.process.send_signal(signal.SIGTERM)
                sent = time.monotonic()
                try:
                    async with asyncio.timeout(6):
                        while True:
                            await ws.recv()
                except ConnectionClosed as closed:
                    return (closed.rcvd.code if closed.rcvd else None), sent
                except TimeoutError:
                    return "still open", sent

        code, sent = asyncio.run(scenario())
        assert code == 1012, serve.output
        assert serve.process.wait(timeout=8) == 0
        assert time.monotonic() - sent < 8
        for pid in (daphne_pid, new_pid):
            assert not pid_alive(pid), serve.output
    finally:
        serve.stop()
