"""`sentimeter keys rotate` and `keys check`: new key in, old key out, responses untouched."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlmodel import Session, select

from analysis.decrypt import load_answers
from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.models import DataKey, Response, Round
from sentimeter.runtime import Runtime, open_runtime
from sentimeter.settings import Settings
from sentimeter.vault import KeyError_, parse_master_key
from surveys.instrument import load_instrument
from surveys.org import OrgRow
from tests.conftest import answer_all, open_round_with_codes, run_cli


def _closed_round(runtime: Runtime) -> int:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 6, "T-MID": 5})
    answer_all(runtime, codes, "team-thermometer", {"T-BIG": 6, "T-MID": 5})
    with session_scope(runtime.engine) as db:
        close_and_publish(db, runtime.vault, round_id)
    return round_id


def _sealed(runtime: Runtime) -> dict[str, bytes]:
    with Session(runtime.engine) as db:
        return {r.id: r.sealed for r in db.exec(select(Response))}


def _answers(settings: Settings, round_id: int) -> int:
    rt = open_runtime(settings)
    try:
        with Session(rt.engine) as db:
            round_ = db.get(Round, round_id)
            assert round_ is not None
            return len(load_answers(db, rt.vault, round_, load_instrument("team-thermometer")))
    finally:
        rt.engine.dispose()


def test_rotation_rewraps_every_key_and_the_old_key_is_no_longer_needed(
        settings: Settings, runtime: Runtime, org: list[OrgRow], tmp_path: Path) -> None:
    round_id = _closed_round(runtime)
    before = _sealed(runtime)
    old_id = runtime.vault.master.id
    new_file = tmp_path / "new.key"
    result = run_cli(settings, "keys", "rotate", "--new-key-file", str(new_file), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    new_key = parse_master_key(new_file.read_text(), source="test")
    assert report["new_key"] == new_key.id and report["old_key"] == old_id
    assert report["rewrapped"] >= 3  # two data keys and the installation secrets
    assert _sealed(runtime) == before  # responses untouched, byte for byte
    with Session(runtime.engine) as db:
        assert {k.master_key_id for k in db.exec(select(DataKey))} == {new_key.id}
    # The new key alone reads everything ...
    rotated = dataclasses.replace(settings, master_key="", master_key_file=str(new_file),
                                  database_url=settings.database_url
                                  or settings.sqlalchemy_url)
    assert _answers(rotated, round_id) == 11
    # ... and the old key opens nothing any more: start-up refuses it.
    with pytest.raises(KeyError_):
        open_runtime(dataclasses.replace(settings, database_url=settings.database_url
                                         or settings.sqlalchemy_url,
                                         master_key=runtime.vault.master.serialise()))


def test_rotation_of_the_embedded_key_file_replaces_it(
        settings: Settings, runtime: Runtime, org: list[OrgRow]) -> None:
    if not settings.embedded:
        pytest.skip("the embedded key file exists only on the SQLite default")
    round_id = _closed_round(runtime)
    key_file = settings.key_file
    assert key_file is not None
    old = key_file.read_text()
    result = run_cli(settings, "keys", "rotate")
    assert result.exit_code == 0, result.output
    assert key_file.read_text() != old and not key_file.with_name("master.key.new").exists()
    assert _answers(settings, round_id) == 11


def test_keys_check_reports_every_key_and_fails_on_a_broken_one(
        settings: Settings, runtime: Runtime, org: list[OrgRow]) -> None:
    _closed_round(runtime)
    ok = run_cli(settings, "keys", "check", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["problems"] == []
    with session_scope(runtime.engine) as db:
        row = db.exec(select(DataKey)).first()
        assert row is not None
        row.wrapped = row.wrapped[:-1] + bytes([row.wrapped[-1] ^ 1])
        db.add(row)
    broken = run_cli(settings, "keys", "check", "--json")
    assert broken.exit_code == 1
    assert len(json.loads(broken.stdout)["problems"]) == 1


def test_keys_generate_writes_a_private_key_file(settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "k" / "master.key"
    result = run_cli(settings, "keys", "generate", "--out", str(target))
    assert result.exit_code == 0
    assert parse_master_key(target.read_text(), source="t").key
    assert target.stat().st_mode & 0o777 == 0o600
    assert run_cli(settings, "keys", "generate", "--out", str(target)).exit_code == 2
