"""Run the app under uvicorn; no access log, so no client address is ever written.

With several workers uvicorn binds the listening socket itself, created without
``IPPROTO_TCP``; asyncio then skips ``TCP_NODELAY`` on accepted connections and every
response waits ~40 ms for a delayed ACK (Nagle). The socket is re-wrapped as TCP here so
that workers answer as fast as a single process.
"""

from __future__ import annotations

import socket

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


def serve_factory(factory: str, *, host: str, port: int, workers: int, log_level: str) -> None:
    """Serve an app factory (``module:function``) with N workers and no access log."""
    config = _TcpConfig(factory, factory=True, host=host, port=port, workers=workers,
                        access_log=False, log_level=log_level, server_header=False,
                        proxy_headers=False)
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


def run_server(*, host: str, port: int, workers: int) -> None:
    serve_factory("web.app:create_app", host=host, port=port, workers=workers,
                  log_level=get_settings().log_level)
