"""Shortener resolution over real HTTP, against a server on 127.0.0.1."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from graph.resources import http_resolver

REDIRECTS = {
    "/s/abc": "/hop",  # a shortener redirecting through a second hop
    "/hop": "/course/view.php?id=42&utm_source=short",
    "/get-only": "/course/view.php?id=7",  # refuses HEAD, like some shorteners
}


class Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []

    def _answer(self, with_body: bool) -> None:
        self.seen.append((self.command, self.path))
        if self.path == "/get-only" and self.command == "HEAD":
            self.send_response(405)
            self.end_headers()
        elif self.path in REDIRECTS:
            self.send_response(301)
            self.send_header("Location", REDIRECTS[self.path])
            self.end_headers()
        elif self.path.startswith("/course/"):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            if with_body:
                self.wfile.write(b"ok")
        else:
            self.send_response(404)
            self.end_headers()

    def do_HEAD(self):
        self._answer(with_body=False)

    def do_GET(self):
        self._answer(with_body=True)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.seen = []
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_follows_every_redirect_with_head(server):
    resolve = http_resolver(timeout=5)
    assert resolve(f"{server}/s/abc") == f"{server}/course/view.php?id=42&utm_source=short"
    assert {method for method, _ in Handler.seen} == {"HEAD"}


def test_falls_back_to_get_when_head_is_refused(server):
    assert http_resolver(timeout=5)(f"{server}/get-only") == f"{server}/course/view.php?id=7"
    assert Handler.seen[0] == ("HEAD", "/get-only")
    assert ("GET", "/get-only") in Handler.seen


def test_sends_the_configured_user_agent(server):
    agents = []
    original = Handler._answer

    def record(self, with_body):
        agents.append(self.headers["User-Agent"])
        original(self, with_body)

    Handler._answer = record
    try:
        http_resolver(timeout=5, user_agent="essaim-test (+https://example.org)")(f"{server}/hop")
    finally:
        Handler._answer = original
    assert set(agents) == {"essaim-test (+https://example.org)"}


def test_dead_links_and_closed_ports_raise(server):
    resolve = http_resolver(timeout=2)
    with pytest.raises(OSError):
        resolve(f"{server}/missing")
    with pytest.raises(OSError):
        resolve("http://127.0.0.1:9/unreachable")
