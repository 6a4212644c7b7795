"""Someone holding a copy of the database learns nothing: after answers with a unique marker
in the comment, neither the marker, nor any issued code, nor the answers' JSON appear in the
raw files -- the SQLite file and its WAL, PostgreSQL's table (and TOAST) files, the current
PostgreSQL WAL segment, and a pg_dump."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from sentimeter.runtime import Runtime
from tests.conftest import open_round_with_codes

PLAIN_JSON = [b'"a":{', b'{"a"', b'"c":', b'"ps1"', b'"in4"']


@pytest.fixture
def answered(client: TestClient[Any], runtime: Runtime, org: object) -> tuple[bytes, list[str]]:
    """Answers through the real API, each comment carrying the marker; returns marker and codes."""
    marker = f"zebramarker{uuid.uuid4().hex}"
    _, issued = open_round_with_codes(runtime, codes_per_team={"T-BIG": 8, "T-MID": 4})
    codes = issued["T-BIG"] + issued["T-MID"]
    for i, token in enumerate(codes[:6]):
        response = client.post("/api/v1/responses", json={
            "token": token, "answers": {"ps1": 1 + i % 5, "in4": i, "ss2": 1},
            "comment": f"Ons team {marker} werkt goed samen."})
        assert response.status_code == 201, response.text
    return marker.encode(), codes


def _needles(marker: bytes, codes: list[str]) -> list[bytes]:
    found = [marker, marker.upper()]
    for code in codes:
        found += [code.encode(), code.lower().encode(), code.encode("utf-16-le")]
    return found + PLAIN_JSON


def _assert_absent(blob: bytes, needles: list[bytes], where: str) -> None:
    for needle in needles:
        assert needle not in blob, f"{needle!r} found in {where}"


def test_the_sqlite_file_and_its_wal_hold_no_marker_code_or_answer(
        backend: str, runtime: Runtime, answered: tuple[bytes, list[str]]) -> None:
    if backend != "sqlite":
        pytest.skip("the SQLite files")
    marker, codes = answered
    path = Path(runtime.settings.sqlalchemy_url.split("///", 1)[1])
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0, "read while the answers are still in the WAL"
    needles = _needles(marker, codes)
    _assert_absent(wal.read_bytes(), needles, "the WAL")
    _assert_absent(path.read_bytes(), needles, "the database file")
    runtime.engine.dispose()  # checkpoint: everything now in the main file
    _assert_absent(path.read_bytes(), needles, "the database file after checkpoint")
    # positive control: these are the right files (team codes are stored in the clear)
    assert b"T-BIG" in path.read_bytes()


def test_postgresql_table_files_wal_and_dump_hold_no_marker_code_or_answer(
        backend: str, runtime: Runtime, answered: tuple[bytes, list[str]]) -> None:
    if backend != "postgresql":
        pytest.skip("the PostgreSQL files")
    marker, codes = answered
    needles = _needles(marker, codes)
    with runtime.engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
        data_dir = Path(conn.execute(text("SHOW data_directory")).scalar_one())
        if not data_dir.exists():
            pytest.skip("the PostgreSQL server's files are not on this machine")
        files = []
        for table in inspect(conn).get_table_names():
            rows = conn.execute(text(
                "SELECT pg_relation_filepath(c.oid), pg_relation_filepath(c.reltoastrelid) "
                "FROM pg_class c WHERE c.oid = to_regclass(:t)"), {"t": f'"{table}"'}).all()
            for main, toast in rows:
                files += [data_dir / main] + ([data_dir / toast] if toast else [])
        wal = conn.execute(text("SELECT pg_walfile_name(pg_current_wal_lsn())")).scalar_one()
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    everything = b""
    for file in files:
        for segment in sorted(file.parent.glob(file.name + "*")):  # 1 GB segments, fsm, vm
            blob = segment.read_bytes()
            _assert_absent(blob, needles, str(segment))
            everything += blob
    # positive control: these are the right files (team codes are stored in the clear)
    assert b"T-BIG" in everything and b"T-MID" in everything
    _assert_absent((data_dir / "pg_wal" / wal).read_bytes(), needles, f"WAL {wal}")
    _check_pg_dump(runtime, schema, needles)


def _check_pg_dump(runtime: Runtime, schema: str, needles: list[bytes]) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        return
    url = make_url(runtime.settings.database_url)
    result = subprocess.run(  # noqa: S603  (fixed arguments from the test settings)
        [pg_dump, "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
         "-U", url.username or "postgres", "-n", schema, "--data-only", url.database or ""],
        capture_output=True, timeout=60, check=False)
    if result.returncode != 0:
        pytest.skip(f"pg_dump failed: {result.stderr.decode(errors='replace')[:200]}")
    assert b"COPY" in result.stdout and b"response" in result.stdout
    _assert_absent(result.stdout, needles, "pg_dump")
