"""`venuebus health URL`, the containers' healthcheck: exit 0 only when the endpoint
answers well."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from cli.health import health


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200 if self.path == "/metrics" else 503)
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args: str):
    return CliRunner().invoke(health, ["--timeout", "2", *args])


def test_a_2xx_answer_is_healthy(server):
    assert run(f"http://{server}/metrics").exit_code == 0


def test_an_error_status_or_no_answer_is_unhealthy(server):
    result = run(f"http://{server}/readyz")
    assert result.exit_code == 1 and "HTTP 503" in result.output
    assert run(f"http://127.0.0.1:{closed_port()}/metrics").exit_code == 1


def test_a_tcp_address_is_healthy_while_it_accepts_connections(server):
    assert run(f"tcp://{server}").exit_code == 0
    assert run(f"tcp://127.0.0.1:{closed_port()}").exit_code == 1


def test_a_target_that_is_not_an_address_is_a_usage_error():
    for target in ("127.0.0.1:9101", "ftp://host/x", "tcp://host", "file:///etc/passwd"):
        assert run(target).exit_code == 2, target
