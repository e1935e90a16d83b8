"""`manage.py serve --port N` (what bin/demo runs) serves on N with one web process and
exactly one task worker, and nothing under it reloads: a second worker or a reloader
parent would show up as an extra process in its tree. Also bin/demo's own arguments,
checked before it installs anything."""

import os
import subprocess
import sys
import urllib.request

import pytest

from tests.live_site import ROOT, LiveSite, copy_db, free_port, wait_for_port
from tests.ops.processes import Watched

DEMO = ROOT / "bin" / "demo"


def descendants(root: int) -> dict[int, str]:
    """pid -> command line of every process below `root`."""
    rows = subprocess.run(["ps", "-ww", "-e", "-o", "pid=,ppid=,args="], capture_output=True,
                          text=True, check=True).stdout.splitlines()
    children: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        pid, ppid, args = row.split(None, 2)
        children.setdefault(int(ppid), []).append((int(pid), args))
    found, todo = {}, [root]
    while todo:
        for pid, args in children.get(todo.pop(), []):
            if "ps -ww -e" not in args:
                found[pid] = args
                todo.append(pid)
    return found


@pytest.mark.slow
@pytest.mark.self_contained
def test_serve_listens_on_its_port_with_one_worker_and_no_reloader(site_template, tmp_path):
    site = LiveSite(copy_db(site_template, tmp_path / "site.sqlite3"))
    port = free_port()
    serve = Watched([sys.executable, "manage.py", "serve", "--port", str(port)],
                    cwd=ROOT, env=site.env)
    try:
        wait_for_port(port, serve.process, timeout=60)
        serve.wait_for(r"worker worker-0 started")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as reply:
            assert reply.status == 200
        assert f"Serving on http://127.0.0.1:{port}/ with 1 task worker" in serve.output

        tree = descendants(serve.process.pid)
        workers = [args for args in tree.values() if "task_worker" in args]
        web = [args for args in tree.values() if "daphne" in args]
        assert len(workers) == 1, tree
        assert len(web) == 1 and f"-p {port}" in web[0], tree
        assert "--reload" not in workers[0]
        # Two children and no grandchildren: an autoreloader runs its server as a child.
        assert len(tree) == 2, tree
    finally:
        serve.stop()


def run_demo(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "PORT"} | env
    return subprocess.run(["bash", str(DEMO), *args], capture_output=True, text=True,
                          env=environ, timeout=20)


def test_demo_help_names_the_port_option():
    done = run_demo("--help")
    assert done.returncode == 0
    assert "--port" in done.stdout and "PORT=" in done.stdout


@pytest.mark.parametrize(("args", "env"), [
    (("--port", "eighty"), {}),
    (("--port",), {}),
    (("--port", "70000"), {}),
    ((), {"PORT": "0"}),
    (("--bind", "0.0.0.0"), {}),
])
def test_demo_refuses_a_bad_port_or_argument_before_installing_anything(args, env):
    venv_before = (ROOT / ".venv").exists()
    done = run_demo(*args, **env)
    assert done.returncode == 2
    assert "bin/demo:" in done.stderr and "--port" in done.stderr
    assert "Installing" not in done.stdout
    assert (ROOT / ".venv").exists() == venv_before


@pytest.mark.parametrize(("args", "env", "port"), [
    ((), {}, "8000"),
    (("--port", "8001"), {}, "8001"),
    (("--port=8002",), {}, "8002"),
    ((), {"PORT": "8003"}, "8003"),
    (("--port", "8004"), {"PORT": "8003"}, "8004"),
])
def test_demo_says_each_step_and_serves_on_the_port_asked(tmp_path, args, env, port):
    # A copy of bin/demo over a stand-in .venv whose pip and python record their arguments:
    # the steps and the serve command line, without installing anything.
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "demo"
    script.write_text(DEMO.read_text())
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    for tool in ("pip", "python"):
        (venv / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "$(dirname "$0")/calls"\n')
        (venv / tool).chmod(0o755)
    environ = {k: v for k, v in os.environ.items() if k != "PORT"} | env
    done = subprocess.run(["bash", str(script), *args], capture_output=True, text=True,
                          env=environ, timeout=20)
    assert done.returncode == 0, done.stderr
    steps = [line for line in done.stdout.splitlines() if line.startswith("==> ")]
    assert [s.split()[1] for s in steps] == ["Installing", "Migrating", "Seeding", "Serving"]
    assert f"http://127.0.0.1:{port}/" in steps[-1]
    calls = (venv / "calls").read_text().splitlines()
    assert calls[-1] == f"python manage.py serve --host 127.0.0.1 --port {port} --workers 1"
    assert "python manage.py seed_demo" in calls
