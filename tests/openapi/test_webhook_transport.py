"""Webhook transport: the address that was checked is the address connected to.

Real HTTP(S) servers on 127.0.0.1 stand for the receivers. DNS is the one thing
faked (socket.getaddrinfo for made-up names), to play a name whose answer
changes between the check and the connect.
"""

from __future__ import annotations

import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from openapi_plugins.webhooks import services, transport
from tests.factories import actor_for, make_school
from tests.openapi.helpers import make_school_app
from yiban_core.errors import Invalid


class Server:
    """A local receiver that records what reached it and answers `status` (and `location`)."""

    def __init__(self, *, status: int = 200, location: str = "", tls: ssl.SSLContext | None = None):
        self.status, self.location = status, location
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.requests.append({"host": self.headers["Host"], "path": self.path,
                                        "body": body})
                self.send_response(server.status)
                if server.location:
                    self.send_header("Location", server.location)
                self.end_headers()
                self.wfile.write(b"moved" if server.location else b"ok")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/hooks/yiban"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers():
    started: list[Server] = []

    def start(**kwargs) -> Server:
        started.append(Server(**kwargs))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def dns(monkeypatch):
    """Made-up names answer from `answers` (a list per name, one entry per lookup,
    the last repeated); every other lookup goes to the real resolver."""
    real = socket.getaddrinfo
    answers: dict[str, list[list[str]]] = {}
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        queue = answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers, lookups


def deliver(url: str) -> transport.Outcome:
    return transport.post(url, b'{"event": "post.published"}', {"X-Yiban-Event": "post.published"},
                          timeout_s=5)


def test_a_redirect_is_a_failed_delivery_and_is_not_followed(servers):
    inside = servers()
    outside = servers(status=302, location=inside.url)
    outcome = deliver(outside.url)
    assert outcome.status_code == 302 and not outcome.ok
    assert len(outside.requests) == 1
    assert inside.requests == []


def test_the_connection_goes_to_the_address_that_was_checked(servers, dns):
    receiver = servers()
    answers, lookups = dns
    # Checked: loopback (allowed here, as in development). Asked again, the name
    # would point elsewhere: a rebinding attack's second answer.
    answers["hooks.rebind.test"] = [["127.0.0.1"], ["127.0.0.2"]]
    outcome = deliver(f"http://hooks.rebind.test:{receiver.port}/hooks/yiban?v=1")
    assert outcome.ok, outcome.error
    assert lookups == ["hooks.rebind.test"]
    [request] = receiver.requests
    assert request["host"] == f"hooks.rebind.test:{receiver.port}"
    assert request["path"] == "/hooks/yiban?v=1"


def test_post_to_dials_the_pinned_ip_and_names_the_host(servers):
    receiver = servers()
    status, _answer = transport.post_to("127.0.0.1", f"http://receiver.example.test:{receiver.port}/x",
                                        b"{}", {}, timeout_s=5)
    assert status == 200
    assert receiver.requests[0]["host"] == f"receiver.example.test:{receiver.port}"


@pytest.fixture
def tls_receiver(servers, monkeypatch, tmp_path):
    """An https receiver whose certificate names hooks.example.test (not its IP), from a
    CA the process trusts for this test."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("hooks.example.test").configure_cert(context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    return servers(tls=context)


def test_https_verifies_the_certificate_against_the_name_not_the_ip(tls_receiver, dns):
    answers, _lookups = dns
    answers["hooks.example.test"] = [["127.0.0.1"]]
    outcome = deliver(f"https://hooks.example.test:{tls_receiver.port}/hooks/yiban")
    assert outcome.ok, outcome.error
    assert tls_receiver.requests[0]["host"] == f"hooks.example.test:{tls_receiver.port}"


def test_https_to_a_name_the_certificate_does_not_carry_fails(tls_receiver, dns):
    answers, _lookups = dns
    answers["other.example.test"] = [["127.0.0.1"]]
    outcome = deliver(f"https://other.example.test:{tls_receiver.port}/hooks/yiban")
    assert outcome.status_code is None and "certificate" in outcome.error.lower()
    assert tls_receiver.requests == []


@pytest.mark.parametrize("addresses", [["93.184.215.14", "10.0.0.1"], ["169.254.169.254"],
                                       ["::ffff:10.0.0.1"], ["224.0.0.251"], ["fd00::1"]])
def test_a_name_with_any_private_address_is_refused_before_connecting(dns, addresses):
    answers, _lookups = dns
    answers["hooks.inside.test"] = [addresses]
    outcome = deliver("https://hooks.inside.test/y")
    assert outcome.status_code is None and outcome.error.startswith("refused")


def test_loopback_is_refused_where_the_site_does_not_allow_it(servers, dns, settings):
    receiver = servers()
    settings.DEBUG = False
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER,
                                "ALLOWED_REDIRECT_URI_SCHEMES": ["https"]}
    answers, _lookups = dns
    answers["hooks.local.test"] = [["127.0.0.1"]]
    outcome = deliver(f"http://hooks.local.test:{receiver.port}/y")
    assert outcome.error.startswith("refused")
    assert receiver.requests == []


@pytest.mark.parametrize("url", ["https://224.0.0.1/y", "https://[ff02::1]/y",
                                 "https://[::ffff:10.0.0.8]/y", "https://[64:ff9b::a00:1]/y",
                                 "https://[2002:a00:1::1]/y", "https://0.0.0.0/y"])
def test_multicast_and_wrapped_private_addresses_are_refused_as_targets(db, url):
    app, _secret = make_school_app(make_school(), scopes=("feed:read",))
    with pytest.raises(Invalid) as refused:
        services.subscribe(actor=actor_for(app.application.user), app=app, url=url,
                           events=["post.published"])
    assert refused.value.field == "url"
