"""Copy the front-end assets Sentimeter serves from node_modules into web/static/vendor/.

The app loads nothing from another origin (CSP default-src 'self'), so third-party CSS is
installed from npm at build time (`npm ci`) and committed under web/static/vendor/<package>/,
together with its licence text and a note naming package, version and licence.

Scripts are bundled the same way: ``BUNDLES`` names an entry module under web/assets/ that
esbuild (installed by `npm ci`) bundles with its npm dependencies into web/static/; the
dependencies' licence texts go to web/static/vendor/<package>/ beside a note.

Usage: python scripts/vendor_assets.py  (from the repository root, after `npm ci`)
Idempotent: files whose content is already in place are left alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTE_NAME = "VERSION-and-LICENSE.txt"


@dataclass(frozen=True)
class Vendored:
    """One npm package and the files of it that the app serves."""

    package: str
    files: tuple[str, ...]
    licence_file: str = "LICENSE.md"


# Only packages under an open licence that allows redistribution belong here.
# (@utrecht/design-tokens is proprietary to Gemeente Utrecht; web/static/theme.css defines
# our own neutral tokens instead.)
VENDORED: tuple[Vendored, ...] = (
    Vendored(package="@utrecht/component-library-css", files=("dist/index.css",)),
)


@dataclass(frozen=True)
class Bundle:
    """A browser script of ours, bundled with the npm packages it imports."""

    entry: str
    output: str
    packages: tuple[Vendored, ...]


# The personal-token page (issue #13): RFC 9474 blinding by @cloudflare/blindrsa-ts, which
# uses sjcl for big-integer arithmetic. Only licence files are copied for these packages.
BUNDLES: tuple[Bundle, ...] = (
    Bundle(entry="web/assets/token.mjs", output="web/static/token.js",
           packages=(Vendored(package="@cloudflare/blindrsa-ts", files=(),
                              licence_file="LICENSE.txt"),
                     Vendored(package="sjcl", files=(), licence_file="LICENSE.txt"))),
)
ESBUILD_ARGS = ("--bundle", "--minify", "--format=iife", "--target=es2020",
                "--legal-comments=eof")


class VendorError(Exception):
    """A problem a person can fix, reported as one clear message."""


def read_manifest(package_dir: Path) -> dict[str, str]:
    """Return the package's name, version and licence from its package.json."""
    manifest = package_dir / "package.json"
    if not manifest.is_file():
        raise VendorError(f"{manifest} is missing: run `npm ci` first.")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {
        "name": str(data["name"]),
        "version": str(data["version"]),
        "license": str(data.get("license", "UNKNOWN")),
    }


def write_if_changed(target: Path, content: bytes) -> bool:
    """Write content to target unless it already holds exactly that; say whether it wrote."""
    if target.is_file() and target.read_bytes() == content:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return True


def note_text(manifest: dict[str, str], files: tuple[str, ...], licence_file: str) -> str:
    """The note kept beside vendored files so reviewers see where they came from."""
    lines = [
        f"package: {manifest['name']}",
        f"version: {manifest['version']}",
        f"license: {manifest['license']}",
        "source: npm registry, installed by `npm ci` from package-lock.json",
        f"licence text: {licence_file}",
        "files:",
        *(f"  {Path(name).name} (from {name})" for name in files),
        "Regenerate with: python scripts/vendor_assets.py",
    ]
    return "\n".join(lines) + "\n"


def vendor_package(item: Vendored, root: Path) -> list[str]:
    """Copy one package's files, licence and note; return one report line per file."""
    package_dir = root / "node_modules" / item.package
    manifest = read_manifest(package_dir)
    target_dir = root / "web" / "static" / "vendor" / item.package
    report: list[str] = []
    for name in (*item.files, item.licence_file):
        source = package_dir / name
        if not source.is_file():
            raise VendorError(f"{source} is missing: is {item.package} installed correctly?")
        target = target_dir / Path(name).name
        changed = write_if_changed(target, source.read_bytes())
        report.append(f"{'copied' if changed else 'unchanged'}  {target.relative_to(root)}")
    note_path = target_dir / NOTE_NAME
    note = note_text(manifest, item.files, item.licence_file).encode("utf-8")
    changed = write_if_changed(note_path, note)
    report.append(f"{'wrote' if changed else 'unchanged'}  {note_path.relative_to(root)}")
    return report


def build_bundle(item: Bundle, root: Path) -> list[str]:
    """Bundle one entry module with esbuild, and vendor its packages' licences and notes."""
    esbuild = root / "node_modules" / ".bin" / "esbuild"
    if not esbuild.is_file():
        raise VendorError(f"{esbuild} is missing: run `npm ci` first.")
    target = root / item.output
    before = target.read_bytes() if target.is_file() else b""
    subprocess.run([str(esbuild), str(root / item.entry), *ESBUILD_ARGS,  # noqa: S603
                    f"--outfile={target}", "--log-level=warning"], check=True, cwd=root)
    changed = target.read_bytes() != before
    report = [f"{'bundled' if changed else 'unchanged'}  {target.relative_to(root)}"]
    for package in item.packages:
        report += vendor_package(package, root)
    return report


def main(root: Path = ROOT) -> int:
    """Vendor every package in VENDORED; exit status 1 with a message when that is impossible."""
    node_modules = root / "node_modules"
    if not node_modules.is_dir():
        print(
            f"error: {node_modules} not found. Run `npm ci` in {root} first "
            "(it installs the exact versions pinned in package-lock.json).",
            file=sys.stderr,
        )
        return 1
    try:
        for item in VENDORED:
            for line in vendor_package(item, root):
                print(line)
        for bundle in BUNDLES:
            for line in build_bundle(bundle, root):
                print(line)
    except (VendorError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
