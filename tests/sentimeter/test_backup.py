"""`sentimeter backup` / `restore`: a consistent snapshot that restores to readable reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.models import Unit
from sentimeter.runtime import Runtime, open_runtime
from sentimeter.settings import Settings
from sentimeter.vault import generate_master_key
from tests.conftest import Persona, answer_all, login, open_round_with_codes, run_cli


def test_a_backup_restores_to_the_same_reports(
        settings: Settings, runtime: Runtime, client: TestClient[Any],
        personas: dict[str, Persona], tmp_path: Path) -> None:
    if runtime.engine.dialect.name != "sqlite":
        result = run_cli(settings, "backup", str(tmp_path / "b.db"))
        assert result.exit_code == 2 and "pg_dump" in result.output
        return
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 7})
    answer_all(runtime, codes, "team-thermometer", {"T-BIG": 7})
    with session_scope(runtime.engine) as db:
        close_and_publish(db, runtime.vault, round_id)
    login(client, personas["alice_team_leader"])
    before = client.get(f"/api/v1/reports/{round_id}/T-BIG").json()
    target = tmp_path / "backup.db"
    made = run_cli(settings, "backup", str(target))
    assert made.exit_code == 0, made.output
    assert target.stat().st_mode & 0o777 == 0o600
    with session_scope(runtime.engine) as db:  # damage after the backup
        tiny = db.get(Unit, "T-TINY")
        assert tiny is not None
        tiny.name = "damaged"
        db.add(tiny)
    restored = run_cli(settings, "restore", "--yes", str(target))
    assert restored.exit_code == 0, restored.output
    runtime.engine.dispose()
    with session_scope(runtime.engine) as db:
        restored_tiny = db.get(Unit, "T-TINY")
        assert restored_tiny is not None and restored_tiny.name == "Team Mini"
    login(client, personas["alice_team_leader"])
    assert client.get(f"/api/v1/reports/{round_id}/T-BIG").json() == before


@pytest.mark.parametrize("bad", ["not a database", "foreign key"])
def test_restore_refuses_a_file_it_cannot_use_and_changes_nothing(
        settings: Settings, runtime: Runtime, personas: dict[str, Persona], tmp_path: Path,
        bad: str) -> None:
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL is restored with pg_restore")
    source = tmp_path / "other.db"
    if bad == "not a database":
        source.write_bytes(b"hello" * 1000)
    else:  # a real Sentimeter database, sealed under another master key
        other = Settings(data_dir=tmp_path / "other", master_key=generate_master_key().serialise(),
                         database_url=f"sqlite:///{tmp_path / 'other' / 'x.db'}")
        rt = open_runtime(other, create=True)
        with session_scope(rt.engine) as db:
            rt.vault.secret(db, "csrf")
        rt.engine.dispose()
        source = tmp_path / "other" / "x.db"
    live = settings.data_dir / "sentimeter.db"
    before = live.read_bytes()
    result = run_cli(settings, "restore", "--yes", str(source))
    assert result.exit_code == 2
    assert "error:" in result.output
    assert live.read_bytes() == before
