"""moto itself: its version, its threaded server, and the guard in front of every request it serves."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from serverless_patterns.local._moto import patches
from serverless_patterns.local.errors import LocalCloudError

_log = logging.getLogger(__name__)

SUPPORTED_MOTO = ("5.2.",)
"""moto versions the local cloud is tested with (it patches moto internals)."""


def check_moto_version(version: str | None = None) -> str:
    """Fail with a clear message unless the installed moto is a tested version; return the version.

    Examples
    --------
    >>> check_moto_version("5.2.5")
    '5.2.5'
    >>> try:
    ...     check_moto_version("6.0.0")
    ... except LocalCloudError as error:
    ...     print(error)
    the local cloud is tested with moto 5.2.x, found moto 6.0.0: install "moto[server]>=5.2.5,<5.3"
    """
    if version is None:
        import moto

        version = str(moto.__version__)
    if not version.startswith(SUPPORTED_MOTO):
        raise LocalCloudError(
            f'the local cloud is tested with moto 5.2.x, found moto {version}: install "moto[server]>=5.2.5,<5.3"'
        )
    return version


class MotoServer:
    """moto's ``ThreadedMotoServer`` on 127.0.0.1 and a free port, started at once.

    Examples
    --------
    >>> server = MotoServer()
    >>> server.endpoint_url.startswith("http://127.0.0.1:")
    True
    >>> server.stop()
    """

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        """Where the server answers."""

    def stop(self) -> None:
        """Stop the server, at once.

        moto's ``stop`` asks werkzeug's serving loop to end and waits for it; the loop notices only when
        a connection arrives or at its next poll, every 0.5 s. So while the stop waits, a connection a
        few milliseconds apart wakes the loop (it accepts the connection, which closes without a request).
        """
        stopping = threading.Thread(target=self._server.stop, name="moto-server-stop", daemon=True)
        stopping.start()
        address = self._server.get_host_and_port()
        while stopping.is_alive():
            with contextlib.suppress(OSError), socket.create_connection(address, timeout=0.1):
                pass
            stopping.join(0.01)


WsgiGuard = Callable[[dict[str, Any]], "tuple[str, list[tuple[str, str]], bytes] | None"]
"""Called with each WSGI environ before moto sees it: ``None`` lets it through, else the response."""

_guard_lock = threading.Lock()
_guard: WsgiGuard | None = None


def install_request_guard(guard: WsgiGuard) -> None:
    """Put ``guard`` in front of every moto server in this process (one guard at a time; a new one replaces it).

    moto's server is a WSGI application (``DomainDispatcherApplication``); its ``__call__`` is
    the one entry of every request, whatever the service, so the guard wraps it there.

    Examples
    --------
    >>> install_request_guard(lambda environ: None)
    >>> uninstall_request_guard()
    """
    global _guard  # noqa: PLW0603 - one guard per process, as moto has one server app class

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def __call__(app: Any, environ: dict[str, Any], start_response: Any) -> Any:  # noqa: N807
            guard = _guard
            if guard is not None:
                denied = guard(environ)
                if denied is not None:
                    status, headers, body = denied
                    start_response(status, [*headers, ("Content-Length", str(len(body)))])
                    return [body]
            return original(app, environ, start_response)

        return __call__

    with _guard_lock:
        patches.replace_method("server.call", __name__, make)
        _guard = guard


def uninstall_request_guard() -> None:
    """Give moto's server application back its own ``__call__``."""
    global _guard  # noqa: PLW0603
    with _guard_lock:
        patches.uninstall("server.call", __name__)
        _guard = None
