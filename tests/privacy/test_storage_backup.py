"""Attack: a `sentimeter backup` taken while answers arrive (issue #12).

The backup of an open round must not store its rows in arrival order, nor keep the bytes
of deleted rows in free pages.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from sentimeter.backup import backup_sqlite
from sentimeter.runtime import Runtime
from surveys.org import OrgRow
from tests.privacy.storage_attack import kendall_tau, plant


def test_a_backup_of_an_open_round_holds_its_rows_in_random_order(
        backend: str, runtime: Runtime, org: list[OrgRow], tmp_path: Path) -> None:
    if backend != "sqlite":
        pytest.skip("`sentimeter backup` writes SQLite files; PostgreSQL uses pg_dump")
    planted = plant(runtime)
    with runtime.engine.connect() as conn:
        arrival = [r[0] for r in conn.execute(text(
            "SELECT id FROM response WHERE round_id = :r ORDER BY rowid"),
            {"r": planted.round_id})]
        codes_before = conn.execute(text("SELECT count(*) FROM access_code")).scalar_one()
    assert sorted(arrival) == sorted(planted.old_ids)
    target = tmp_path / "backup.db"
    backup_sqlite(runtime.engine, target)
    copy = sqlite3.connect(target)
    try:
        stored = [r[0] for r in copy.execute("SELECT id FROM response ORDER BY rowid")]
        assert copy.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert copy.execute("SELECT count(*) FROM access_code").fetchone()[0] == codes_before
    finally:
        copy.close()
    assert sorted(stored) == sorted(arrival)
    ranks = [arrival.index(rid) for rid in stored]
    assert ranks != list(range(len(ranks)))
    assert abs(kendall_tau(ranks)) < 0.6, ranks
    data = target.read_bytes()
    offsets = sorted(arrival, key=lambda rid: data.find(rid.encode()))
    assert offsets != arrival
