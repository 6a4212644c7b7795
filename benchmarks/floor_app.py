"""The framework's floor: a bare Litestar endpoint that only parses the JSON body.

Served by uvicorn with the same options as Sentimeter (``uvicorn
benchmarks.floor_app:create_app --factory``), it shows what the framework and server cost
on this machine, so Sentimeter's throughput can be read as a share of it.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Litestar, Request, Response, post


@post("/api/v1/responses", status_code=201)
async def respond(request: Request[Any, Any, Any]) -> Response[Any]:
    body = json.loads(await request.body())
    if not isinstance(body, dict) or not isinstance(body.get("token"), str):
        return Response({"status_code": 422}, status_code=422)
    return Response({"status": "stored"}, status_code=201)


def create_app() -> Litestar:
    return Litestar(route_handlers=[respond], debug=False)


if __name__ == "__main__":  # served exactly like Sentimeter: same uvicorn setup and workers
    import argparse

    from web.serve import serve_factory

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()
    serve_factory("benchmarks.floor_app:create_app", host="127.0.0.1", port=options.port,
                  workers=options.workers, log_level="warning")
