"""A local HTTP server (127.0.0.1) that replays recorded API responses, faults included.

Routes are keyed by path and query (parameter order does not matter). Each route holds a list
of replies served in turn, the last one repeating, so that "500 then 200" or "429 then 200"
are two replies. A reply can be slow (timeouts), cut short (truncated bodies) or HTML.

The server is also an HTTP proxy: a request for an absolute URL (``GET http://piaille.fr/…``,
what a client sends to a proxy) is answered from the route of that host, path and query. So
one server plays several hosts, and a crawl through it sees the hosts' real names; the demo
replays its recordings through it (with ``http_proxy`` pointing at it). Tests use it too.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    body: bytes | str | dict | list = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (longer than the client timeout: a timeout)
    cut: int | None = None  # send only this many bytes of the body, announcing them all

    def encoded(self) -> bytes:
        if isinstance(self.body, dict | list):
            return json.dumps(self.body, ensure_ascii=False).encode()
        return self.body.encode() if isinstance(self.body, str) else self.body


def route_key(path: str, query: str | list[tuple[str, str]] = "") -> str:
    """The key of a route: ``path`` (``host/path`` for a host's) and the sorted query.

    >>> route_key("piaille.fr/api/v1/trends/links", "limit=20&b=1")
    'piaille.fr/api/v1/trends/links?b=1&limit=20'
    """
    pairs = parse_qsl(query, keep_blank_values=True) if isinstance(query, str) else query
    return path + "?" + "&".join(f"{k}={v}" for k, v in sorted((k, str(v)) for k, v in pairs))


class ReplayServer:
    """Serve ``routes`` on 127.0.0.1 in a background thread; use it as a context manager."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.dynamic: dict[str, Any] = {}  # path -> function(query pairs) -> Reply
        self.served: dict[str, int] = {}
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.arrivals: list[float] = []  # monotonic time each request arrived, in order
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def add(self, path: str, params: dict[str, Any] | list | None, *replies: Reply) -> None:
        items = params.items() if isinstance(params, dict) else (params or [])
        self.routes[route_key(path, list(items))] = list(replies)

    def add_dynamic(self, path: str, answer) -> None:
        """Answer every request to ``path`` (``host/path``) with ``answer(query pairs)``."""
        self.dynamic[path] = answer

    def count(self, path_prefix: str) -> int:
        return sum(1 for _, target, *_ in self.requests if target.startswith(path_prefix))

    def _next(self, key: str) -> Reply | None:
        with self._lock:
            replies = self.routes.get(key)
            if not replies:
                return None
            index = self.served.get(key, 0)
            self.served[key] = index + 1
            return replies[min(index, len(replies) - 1)]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                server.requests.append((self.command, self.path, dict(self.headers), body))
                server.arrivals.append(time.monotonic())
                path = parts.netloc + parts.path  # a proxied request names its host
                dynamic = server.dynamic.get(path)
                if dynamic is not None:
                    reply = dynamic(parse_qsl(parts.query))
                else:
                    reply = server._next(route_key(path, parts.query))
                reply = reply or Reply(
                    {"error": "NotFound", "message": f"no route for {self.path}"}, status=404
                )
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.encoded()
                try:
                    self.send_response(reply.status)
                    if not any(name.lower() == "content-type" for name in reply.headers):
                        content_type = "application/json"
                        if data[:20].lstrip().lower().startswith((b"<!doctype", b"<html")):
                            content_type = "text/html; charset=utf-8"
                        self.send_header("Content-Type", content_type)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    if reply.cut is not None:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data if reply.cut is None else data[: reply.cut])
                    if reply.cut is not None:
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _answer

        return Handler

    def __enter__(self) -> ReplayServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
