"""A real server (uvicorn in a subprocess, on a free port, over a seeded SQLite data dir) and
Debian's chromium driven by playwright. Nothing is downloaded: without /usr/bin/chromium the
browser tests are skipped, and say why.

One server and one seeded data set serve the whole browser session (seeding costs seconds):
a closed Team Thermometer round with published results for the leaders, and an open
Sentimeter round whose one-time codes the officer tests use up, one per test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from analysis.release import close_and_publish
from sentimeter.accounts import create_user
from sentimeter.db import session_scope
from sentimeter.runtime import open_runtime
from sentimeter.settings import Settings
from surveys.org import OrgRow, import_org
from tests.conftest import PASSWORD, PERSONAS, SMALL_ORG, answer_all, open_round_with_codes

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "img"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything here is a browser test; skip it (with the reason) where chromium is missing."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(
                    reason="/usr/bin/chromium is missing (apt-get install chromium; "
                           "`make test` does it)"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A `uvicorn web.app:create_app` subprocess that can be stopped and started again."""

    data_dir: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "SENTIMETER_DATA_DIR": str(self.data_dir),
               "SENTIMETER_BASE_URL": self.url, "SENTIMETER_DATABASE_URL": "",
               "SENTIMETER_MASTER_KEY": "", "SENTIMETER_MASTER_KEY_FILE": ""}
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "uvicorn", "web.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log",
             "--log-level", "warning"], cwd=ROOT, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as reply:  # noqa: S310
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start within 30 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@dataclass
class Seeded:
    server: Server
    codes: list[str]
    closed_round: int

    def code(self) -> str:
        """A fresh one-time code of the open Sentimeter round (each test uses its own)."""
        return self.codes.pop()


def _seed(data_dir: Path) -> tuple[list[str], int]:
    settings = Settings(data_dir=data_dir, base_url="http://127.0.0.1")
    runtime = open_runtime(settings, create=True)
    try:
        with session_scope(runtime.engine) as session:
            import_org(session, [OrgRow(*row) for row in SMALL_ORG])
            for persona in PERSONAS.values():
                create_user(session, email=persona.email, role=persona.role,
                            unit_code=persona.unit, password=PASSWORD)
        counts = {"T-BIG": 14, "T-MID": 10, "T-SMALL": 3, "T-B2A": 11, "T-B2B": 9,
                  "T-E2A": 16, "T-E2B": 8}
        closed, issued = open_round_with_codes(
            runtime, instrument="team-thermometer", codes_per_team=dict(counts))
        answer_all(runtime, issued, "team-thermometer", counts, seed=3)
        with session_scope(runtime.engine) as session:
            close_and_publish(session, runtime.vault, closed)
        _open, fresh = open_round_with_codes(runtime, instrument="sentimeter",
                                             codes_per_team={"T-MID": 12})
        return fresh["T-MID"], closed
    finally:
        runtime.engine.dispose()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    data_dir = tmp_path_factory.mktemp("browser") / "var"
    codes, closed = _seed(data_dir)
    server = Server(data_dir=data_dir)
    server.start()
    yield Seeded(server=server, codes=codes, closed_round=closed)
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A phone-sized page (360 x 740, touch) that speaks Dutch, the default."""
    context = browser.new_context(**PHONE, locale="nl-NL")
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    yield context.new_page()
    context.close()


def assert_no_axe_violations(page: Any) -> None:
    """axe-core (shipped with axe-playwright-python, offline) on WCAG 2.1 A and AA rules."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def assert_fits_width(page: Any) -> None:
    """No horizontal scrolling: the document is no wider than the viewport."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    widest = [] if overflow <= 0 else page.evaluate("""() => [...document.querySelectorAll('*')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px: {widest}"


def login(page: Any, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True, scale="css")
