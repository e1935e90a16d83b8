"""The project as an operator runs it: production checks, and daphne serving it."""

import functools
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.self_contained  # its sites run on settings of their own

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@functools.cache
def signing_key() -> str:
    from jwcrypto import jwk

    return jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(
        private_key=True, password=None).decode()


def production_env(**extra):
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50),
               ALLOWED_HOSTS="yiban.example.edu.cn", OIDC_RSA_PRIVATE_KEY=signing_key(),
               **extra)
    return env


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret():
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_the_id_token_signing_key():
    env = production_env()
    del env["OIDC_RSA_PRIVATE_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "OIDC_RSA_PRIVATE_KEY must be set" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_daphne_serves_pages_and_static_files(tmp_path, site_template):
    from tests.live_site import copy_db

    env = {key: value for key, value in os.environ.items()
           if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env["DATABASE_URL"] = f"sqlite:///{copy_db(site_template, tmp_path / 'site.sqlite3')}"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "yiban_core.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"{base}/", timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("daphne did not start")
        html = page.read().decode()
        assert page.status == 200
        assert "易班" in html  # Chinese by default
        stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', html)
        assert stylesheets, "the page links its own stylesheet"
        for href in stylesheets:
            css = urllib.request.urlopen(f"{base}{href}", timeout=5)
            assert css.status == 200 and b"{" in css.read()
    finally:
        server.terminate()
        server.wait(timeout=10)
