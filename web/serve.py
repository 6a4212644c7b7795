"""Run the app under uvicorn; no access log, so no client address is ever written.

With several workers uvicorn binds the listening socket itself, created without
``IPPROTO_TCP``; asyncio then skips ``TCP_NODELAY`` on accepted connections and every
response waits ~40 ms for a delayed ACK (Nagle). The socket is re-wrapped as TCP here so
that workers answer as fast as a single process.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable

import uvicorn
from uvicorn.supervisors import Multiprocess

from sentimeter.settings import get_settings


class _TcpConfig(uvicorn.Config):
    """uvicorn's config, with a listening socket that says it is TCP."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
            sock.set_inheritable(True)
        return sock


def quiet_logs(log_level: str) -> None:
    """Logs an operator can act on, nothing more (unless debugging).

    Library deprecation warnings (hundreds of lines at start-up) are hidden, also in worker
    processes (PYTHONWARNINGS). The root logger gets a stderr handler at ``log_level`` before
    anything else configures it: deduce's import calls ``logging.basicConfig(DEBUG, stdout)``
    from the scrubber's loading thread, which is a no-op once the root has a handler.
    """
    if log_level in ("debug", "trace"):
        return
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=log_level.upper(), stream=sys.stderr,
                            format="%(levelname)s: %(name)s: %(message)s")
    logging.getLogger("asyncio").setLevel(logging.WARNING)


def serve_factory(factory: str, *, host: str, port: int, workers: int, log_level: str,
                  on_ready: Callable[[], None] | None = None) -> None:
    """Serve an app factory (``module:function``) with N workers and no access log.

    ``on_ready`` runs once a single-process server is listening, so that what it prints
    comes after the server's own start-up lines.
    """
    quiet_logs(log_level)
    config = _TcpConfig(factory, factory=True, host=host, port=port, workers=workers,
                        access_log=False, log_level=log_level, server_header=False,
                        proxy_headers=False)
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    server = uvicorn.Server(config)
    if on_ready is not None:
        threading.Thread(target=_when_started, args=(server, on_ready), daemon=True).start()
    server.run()


def _when_started(server: uvicorn.Server, callback: Callable[[], None]) -> None:
    while not server.started and not server.should_exit:
        time.sleep(0.05)
    if server.started:
        callback()


def run_server(*, host: str, port: int, workers: int, log_level: str | None = None,
               on_ready: Callable[[], None] | None = None) -> None:
    serve_factory("web.app:create_app", host=host, port=port, workers=workers,
                  log_level=log_level or get_settings().log_level, on_ready=on_ready)
