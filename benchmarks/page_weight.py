"""Page weight: bytes an officer's phone downloads for the answer page; no JavaScript needed.

The answer page of a Sentimeter and of a Team Thermometer round is fetched through the
real app with a valid one-time code; every stylesheet, script, image and icon it links is
fetched too (optional scripts included). Target: under 30 KB in all, and the form posts
without JavaScript.

    python -m benchmarks.page_weight
"""

from __future__ import annotations

import gzip
import logging
import re
import tempfile
from pathlib import Path

from litestar.testing import TestClient

from benchmarks.common import fresh_settings, synthetic_force, write_section
from sentimeter.db import session_scope
from sentimeter.runtime import open_runtime
from surveys.codes import issue_codes
from surveys.org import import_org
from surveys.rounds import create_round, open_round

COMMAND = "python -m benchmarks.page_weight"
TARGET = 30 * 1024
_ASSET = re.compile(r"""<(?:link|script|img)\b[^>]*?(?:href|src)=["']([^"']+)["']""", re.I)


def measure() -> list[tuple[str, int, int, list[tuple[str, int]], bool]]:
    """(instrument, total bytes, gzip bytes, [(url, bytes)], has_script) per answer page."""
    from web.app import create_app

    results = []
    with tempfile.TemporaryDirectory() as tmp, fresh_settings("sqlite", Path(tmp)) as settings:
        runtime = open_runtime(settings)
        org = synthetic_force(500)
        team = next(row.code for row in org if row.level == "team")
        tokens = {}
        with session_scope(runtime.engine) as session:
            import_org(session, org)
            for instrument in ("sentimeter", "team-thermometer"):
                round_ = create_round(session, instrument=instrument, unit_code="NP", k=5)
                assert round_.id is not None
                open_round(session, round_.id)
                tokens[instrument] = issue_codes(session, runtime.vault, round_id=round_.id,
                                                 unit_code=team, count=1)[0]
        with TestClient(app=create_app(runtime=runtime)) as client:
            for instrument, token in tokens.items():
                page = client.get(f"/s/{token}")
                assert page.status_code == 200, page.status_code
                parts = [(f"/s/{token}", page.content)]
                for url in dict.fromkeys(_ASSET.findall(page.text)):
                    if url.startswith("/"):
                        parts.append((url, client.get(url).content))
                total = sum(len(body) for _, body in parts)
                zipped = sum(len(gzip.compress(body)) for _, body in parts)
                # a script may enhance the page, but the form must work without it
                has_script = not re.search(r"<form\b[^>]*method=[\"']post", page.text, re.I)
                results.append((instrument, total, zipped,
                                [(u if not u.startswith("/s/") else "/s/{code}", len(b))
                                 for u, b in parts], has_script))
        runtime.engine.dispose()
    return results


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    lines = ["| answer page | bytes incl. CSS and optional JS (uncompressed) | gzip | "
             "form works without JS | target < 30 KB |",
             "| --- | --- | --- | --- | --- |"]
    details = []
    for instrument, total, zipped, parts, has_script in measure():
        lines.append(f"| {instrument} | {total:,} | {zipped:,} | "
                     f"{'no' if has_script else 'yes'} | "
                     f"{'met' if total < TARGET and not has_script else 'MISSED'} |")
        details.append(f"- {instrument}: " + ", ".join(f"`{u}` {n:,} B" for u, n in parts))
    section = "\n".join(lines) + "\n\nWhat is fetched:\n\n" + "\n".join(details)
    print(section)
    write_section("page_weight", "Page weight", section, COMMAND)


if __name__ == "__main__":
    main()
