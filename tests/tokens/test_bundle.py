"""web/static/token.js is what `make vendor` builds from web/assets/token.mjs, and is served."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scripts.vendor_assets import BUNDLES, ESBUILD_ARGS

ROOT = Path(__file__).resolve().parents[2]
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"


@pytest.mark.skipif(not ESBUILD.is_file(), reason="node_modules not installed (npm ci)")
def test_the_committed_bundle_is_built_from_the_committed_source(tmp_path: Path) -> None:
    [bundle] = [b for b in BUNDLES if b.output == "web/static/token.js"]
    out = tmp_path / "token.js"
    subprocess.run([str(ESBUILD), str(ROOT / bundle.entry), *ESBUILD_ARGS,  # noqa: S603
                    f"--outfile={out}", "--log-level=warning"], check=True, cwd=ROOT)
    assert out.read_bytes() == (ROOT / bundle.output).read_bytes()


def test_the_bundle_and_its_licences_are_in_static() -> None:
    assert (ROOT / "web/static/token.js").stat().st_size > 10_000  # blindrsa-ts is inside
    for package in ("@cloudflare/blindrsa-ts", "sjcl"):
        note = ROOT / "web/static/vendor" / package / "VERSION-and-LICENSE.txt"
        assert f"package: {package}" in note.read_text()
