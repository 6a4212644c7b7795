"""The scrubber's tables are loaded once per process, say how far the load got, and are
built at install time unless this install already has them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from surveys import deduce_tables
from surveys.deduce_tables import TableLoader

ROOT = Path(__file__).resolve().parents[2]


class Gate:
    """A build that blocks until released, counting its calls."""

    def __init__(self, value: object = "tables", fail_first: bool = False) -> None:
        self.release = threading.Event()
        self.calls = 0
        self.value = value
        self.fail_first = fail_first

    def __call__(self) -> object:
        self.calls += 1
        assert self.release.wait(10)
        if self.fail_first and self.calls == 1:
            raise OSError("disk full")
        return self.value


def test_a_loader_reports_loading_until_its_background_load_is_done() -> None:
    build = Gate()
    loader = TableLoader(build)
    assert loader.state() == "idle"
    thread = loader.start()
    assert loader.state() == "loading"
    assert loader.start() is thread and thread.daemon
    build.release.set()
    thread.join(5)
    assert loader.state() == "ready" and loader.get() == "tables"


def test_callers_arriving_during_the_load_wait_for_it_instead_of_loading_again() -> None:
    build = Gate()
    loader = TableLoader(build)
    loader.start()
    seen: list[object] = []
    waiting = [threading.Thread(target=lambda: seen.append(loader.get())) for _ in range(3)]
    for thread in waiting:
        thread.start()
    time.sleep(0.2)
    assert seen == [] and loader.state() == "loading"
    build.release.set()
    for thread in waiting:
        thread.join(5)
    assert seen == ["tables"] * 3 and build.calls == 1


def test_a_failed_load_is_reported_and_tried_again_by_the_next_caller() -> None:
    build = Gate(fail_first=True)
    build.release.set()
    loader = TableLoader(build)
    loader.start().join(5)
    assert loader.state() == "failed"
    assert loader.get() == "tables" and loader.state() == "ready" and build.calls == 2


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A deduce ``data/lookup`` directory with two word lists and an empty cache."""
    lookup = tmp_path / "deduce" / "data" / "lookup"
    (lookup / "src" / "names").mkdir(parents=True)
    (lookup / "src" / "names" / "items.txt").write_text("Jan\n")
    (lookup / "cache").mkdir()
    monkeypatch.setattr(deduce_tables, "package_lookup_dir", lambda: lookup)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    return lookup


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_tables_count_as_built_only_when_newer_than_every_word_list(fake_package: Path) -> None:
    assert not deduce_tables.tables_built()
    pickle = fake_package / "cache" / "lookup_structs.pickle"
    pickle.write_bytes(b"tables")
    _age(pickle, 60)
    assert not deduce_tables.tables_built()  # a reinstall rewrote the word lists since
    _age(fake_package / "src" / "names" / "items.txt", 120)
    _age(fake_package / "src" / "names", 120)
    assert deduce_tables.tables_built()


def test_a_read_only_install_keeps_its_tables_in_the_user_cache(
        fake_package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert deduce_tables.cache_dir() == fake_package
    # root may write anywhere, so the read-only directory is what os.access says
    monkeypatch.setattr(deduce_tables.os, "access", lambda path, mode: False)
    assert deduce_tables.cache_dir() == tmp_path / "user-cache" / "sentimeter" / "deduce"


def test_build_tables_builds_once_and_says_so(
        fake_package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def build() -> str:
        pickle = fake_package / "cache" / "lookup_structs.pickle"
        pickle.write_bytes(b"tables")
        os.utime(pickle, (time.time() + 5, time.time() + 5))
        return "tables"

    monkeypatch.setattr(deduce_tables, "_TABLES", TableLoader(build))
    lines: list[str] = []
    assert deduce_tables.build_tables(lines.append)
    assert "building the Dutch comment scrubber" in lines[0] and "built in" in lines[-1]
    assert not deduce_tables.build_tables(lines.append)
    assert len(lines) == 2


def test_a_failed_build_at_install_is_a_warning_not_a_crash(
        fake_package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def build() -> str:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(deduce_tables, "_TABLES", TableLoader(build))
    lines: list[str] = []
    assert not deduce_tables.build_tables(lines.append)
    assert lines[-1].startswith("warning:") and "read-only" in lines[-1]


def test_loading_deduce_leaves_logging_as_it_was_and_its_tables_out_of_the_collector() -> None:
    """deduce's import sets the root logger to DEBUG on stdout: a server must not inherit it.
    Its millions of objects are frozen, so later full collections do not walk them."""
    code = ("import gc, logging; from surveys import deduce_tables as t; t.get_deduce(); "
            "root = logging.getLogger(); "
            "print(root.level, len(root.handlers), t.state(), gc.isenabled(), "
            "gc.get_freeze_count() > 1_000_000)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True, env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert done.stdout.split() == ["30", "0", "ready", "True", "True"]  # WARNING, no handler


def test_sentimeter_init_builds_the_tables_of_a_plain_install_once(
        fake_package: Path, monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    built: list[str] = []

    def build() -> str:
        (fake_package / "cache" / "lookup_structs.pickle").write_bytes(b"tables")
        _age(fake_package / "src" / "names" / "items.txt", 60)
        _age(fake_package / "src" / "names", 60)
        built.append("tables")
        return "tables"

    monkeypatch.setattr(deduce_tables, "_TABLES", TableLoader(build))
    first = cli("init", "--json")
    assert first.exit_code == 0, first.output
    assert "building the Dutch comment scrubber" in first.stderr
    assert json.loads(first.stdout)["database"]  # stdout stays one JSON document
    monkeypatch.setattr(deduce_tables, "_TABLES", TableLoader(build))  # a new process
    again = cli("init")
    assert again.exit_code == 0 and "scrubber" not in again.output and built == ["tables"]
