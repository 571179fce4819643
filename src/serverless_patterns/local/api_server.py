"""The HTTP side of the local API Gateway: a threaded server that never drops what a client sends.

:class:`~serverless_patterns.local.apigateway.ApiGatewayServer` routes; this module reads requests
and writes answers: any verb reaches the router (``TRACE`` too), http.server's own refusals answer
JSON, a body over API Gateway's 10 MB quota is drained, not held, and a burst of clients waits in
the listen backlog instead of being reset.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
"""API Gateway's payload quota, 10 MB (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html)."""
_DRAIN_LIMIT_BYTES = 64 * 1024 * 1024

Handle = Callable[..., tuple[int, list[tuple[str, str]], bytes]]
"""``handle(method, path, headers, body, *, source_ip, content_length) -> (status, headers, body)``."""


def http_server(host: str, port: int, handle: Handle) -> ThreadingHTTPServer:
    """A threaded HTTP/1.1 server on ``host:port`` (0: a free port) that answers every request with ``handle``.

    Examples
    --------
    >>> server = http_server("127.0.0.1", 0, lambda *args, **kwargs: (204, [], b""))
    >>> server.request_queue_size
    1024
    >>> server.server_close()
    """
    return _Server((host, port), _handler_class(handle))


def _handler_class(handle: Handle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # A request line http.server cannot read would be answered as HTTP/0.9: a body without a
        # status line. API Gateway speaks HTTP/1.1 to everyone.
        default_request_version = "HTTP/1.1"

        def _serve(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.send_error(400, "Bad Request")
                return
            if length > MAX_PAYLOAD_BYTES:
                # Answer 413 without holding the body in memory; read what a client sends with it
                # (up to a bound) so it sees the answer rather than a reset connection.
                self._drain(length)
                body = b""
            else:
                body = self.rfile.read(length) if length else b""
            status, headers, payload = handle(
                self.command,
                self.path,
                list(self.headers.items()),
                body,
                source_ip=self.client_address[0],
                content_length=length,
            )
            self._answer(status, headers, payload)

        def _drain(self, length: int) -> None:
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
                if length - remaining > _DRAIN_LIMIT_BYTES:
                    self.close_connection = True
                    break

        def _answer(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def __getattr__(self, name: str) -> Any:
            # Any verb reaches the router (do_TRACE, do_FOO, ...): an unknown one is API Gateway's
            # 403 Missing Authentication Token, not http.server's 501 HTML page.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            # http.server's own refusals (a malformed request line, headers too long) answer JSON, not HTML.
            self.close_connection = True
            body = json.dumps({"message": message or self.responses.get(code, ("Error",))[0]}).encode()
            self.send_response(code, message)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", "") != "HEAD" and code >= 200 and code not in {204, 304}:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


class _Server(ThreadingHTTPServer):
    # socketserver's listen backlog is 5: a burst of concurrent clients saw connection resets.
    request_queue_size = 1024
    daemon_threads = True
