"""docs/api.md covers the whole JSON API: every /api/v1 route of the app is in its table."""

from __future__ import annotations

import re
from pathlib import Path

from litestar import Litestar

DOC = (Path(__file__).parent.parent / "docs" / "api.md").read_text(encoding="utf-8")


def test_every_api_route_is_in_docs_api_md(tmp_path: Path) -> None:
    from sentimeter.runtime import open_runtime
    from sentimeter.settings import Settings
    from web.app import create_app

    app: Litestar = create_app(runtime=open_runtime(Settings(data_dir=tmp_path / "var"),
                                                    create=True))
    routes = {re.sub(r":\w+}", "}", route.path) for route in app.routes
              if route.path.startswith("/api/v1/")}
    missing = sorted(path for path in routes if f" {path}" not in DOC)
    assert routes and missing == []
