"""Run the app under uvicorn; no access log, so no client address is ever written."""

from __future__ import annotations

import uvicorn

from sentimeter.settings import get_settings


def run_server(*, host: str, port: int, workers: int) -> None:
    uvicorn.run("web.app:create_app", factory=True, host=host, port=port, workers=workers,
                access_log=False, log_level=get_settings().log_level, server_header=False,
                proxy_headers=False)
