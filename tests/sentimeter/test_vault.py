"""The vault: AES-256-GCM round trips, associated data that binds a ciphertext to its place,
and a start with a missing or wrong master key that fails clearly and changes nothing."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import func, inspect, text
from sqlmodel import Session, select

from sentimeter.db import session_scope
from sentimeter.models import DataKey, Response
from sentimeter.runtime import Runtime, open_runtime
from sentimeter.settings import Settings
from sentimeter.vault import (
    KeyError_,
    Vault,
    generate_master_key,
    load_master_key,
    parse_master_key,
    response_aad,
)
from surveys.sealed import unpack_response
from tests.conftest import answer_all, open_round_with_codes


def _aad(round_id: int = 1, unit: str = "T-BIG", rid: str = "r:abc", version: int = 1) -> bytes:
    return response_aad(instrument="sentimeter", version=version, round_id=round_id,
                        unit_code=unit, rid=rid)


def test_sealed_bytes_open_to_the_same_plaintext() -> None:
    vault = Vault(generate_master_key())
    key = bytes(range(32))
    blob = vault.seal(key, b'{"a":{"mood":7}}', _aad())
    assert b"mood" not in blob
    assert vault.open(key, blob, _aad()) == b'{"a":{"mood":7}}'


def test_two_seals_of_the_same_answer_differ() -> None:
    vault = Vault(generate_master_key())
    key = bytes(32)
    assert vault.seal(key, b"same", _aad()) != vault.seal(key, b"same", _aad())


@pytest.mark.parametrize("moved", [
    {"unit": "T-MID"}, {"rid": "r:other"}, {"round_id": 2}, {"version": 2},
])
def test_a_ciphertext_moved_to_another_place_does_not_open(moved: dict[str, object]) -> None:
    vault = Vault(generate_master_key())
    key = bytes(32)
    blob = vault.seal(key, b"answers", _aad())
    with pytest.raises(InvalidTag):
        vault.open(key, blob, _aad(**moved))  # type: ignore[arg-type]


def test_a_stored_response_opens_only_with_its_own_team_and_id(
        runtime: Runtime, org: object) -> None:
    round_id, codes = open_round_with_codes(runtime, instrument="sentimeter",
                                            codes_per_team={"T-BIG": 2})
    answer_all(runtime, codes, "sentimeter", {"T-BIG": 2})
    with session_scope(runtime.engine) as session:
        rows = session.exec(select(Response).where(Response.round_id == round_id)).all()
        assert len(rows) == 2
        key = runtime.vault.data_key(session, round_id=round_id, unit_code="T-BIG")
        assert key is not None
        first, second = rows
        aad = _real_aad(round_id, "T-BIG", first.id)
        answers, comment = unpack_response(runtime.vault.open(key, first.sealed, aad))
        assert answers and comment is None
        with pytest.raises(InvalidTag):  # another team
            runtime.vault.open(key, first.sealed, _real_aad(round_id, "T-MID", first.id))
        with pytest.raises(InvalidTag):  # another row's id: rows cannot be swapped
            runtime.vault.open(key, first.sealed, _real_aad(round_id, "T-BIG", second.id))


def _real_aad(round_id: int, unit: str, rid: str) -> bytes:
    return response_aad(instrument="sentimeter", version=1, round_id=round_id, unit_code=unit,
                        rid=f"r:{rid}")


def test_data_keys_are_stored_only_wrapped(runtime: Runtime, org: object) -> None:
    with session_scope(runtime.engine) as session:
        key = runtime.vault.data_key(session, round_id=_draft_round(session), unit_code="T-BIG",
                                     create=True)
        assert key is not None and len(key) == 32
        row = session.exec(select(DataKey)).one()
        assert key not in row.wrapped and row.master_key_id == runtime.vault.master.id


def _draft_round(session: Session) -> int:
    from surveys.rounds import create_round

    created = create_round(session, instrument="sentimeter", unit_code="NP")
    assert created.id is not None
    return created.id


@pytest.mark.parametrize("text_", ["", "nokey", "id:not-base64!", "id:" + "QUJD", ":" + "A" * 44])
def test_a_malformed_master_key_is_a_clear_error(text_: str) -> None:
    with pytest.raises(KeyError_, match="master key from test"):
        parse_master_key(text_, source="test")


def test_the_embedded_default_generates_an_owner_only_key_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    rt = open_runtime(settings, create=True)
    rt.engine.dispose()
    key_file = tmp_path / "var" / "master.key"
    assert rt.key_generated
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert parse_master_key(key_file.read_text(), source="file").id == rt.vault.master.id
    again = open_runtime(settings, create=True)
    again.engine.dispose()
    assert not again.key_generated and again.vault.master.id == rt.vault.master.id


def test_outside_the_embedded_default_no_key_is_ever_generated(tmp_path: Path) -> None:
    missing = tmp_path / "keys" / "master.key"
    settings = Settings(data_dir=tmp_path / "var", master_key_file=str(missing))
    with pytest.raises(KeyError_, match="does not exist"):
        open_runtime(settings, create=True)
    assert not missing.exists()
    assert not (tmp_path / "var" / "sentimeter.db").exists()


def test_a_database_url_without_any_key_does_not_start(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(KeyError_, match="No master key configured"):
        load_master_key(settings, create=True)
    assert not (tmp_path / "x.db").exists()


def _fingerprint(runtime: Runtime) -> object:
    """What a failed start must not change: the SQLite file bytes, or every table's rows."""
    url = runtime.settings.sqlalchemy_url
    if url.startswith("sqlite"):
        runtime.engine.dispose()  # checkpoint the WAL into the main file
        path = Path(url.split("///", 1)[1])
        return path.read_bytes()
    with runtime.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        return {t: conn.execute(text(f'SELECT md5(string_agg(x::text, \'|\' ORDER BY x::text)) '
                                     f'FROM "{t}" x')).scalar() for t in tables}


def _populated(runtime: Runtime) -> None:
    round_id, codes = open_round_with_codes(runtime, instrument="sentimeter",
                                            codes_per_team={"T-BIG": 3})
    answer_all(runtime, codes, "sentimeter", {"T-BIG": 2})
    with session_scope(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(Response)).one() == 2
        assert round_id


def test_a_wrong_master_key_fails_clearly_and_changes_nothing(
        runtime: Runtime, org: object, settings: Settings) -> None:
    _populated(runtime)
    before = _fingerprint(runtime)
    wrong = Settings(data_dir=settings.data_dir, database_url=settings.database_url,
                     master_key=generate_master_key().serialise())
    with pytest.raises(KeyError_, match="master key"):
        open_runtime(wrong, create=True)
    assert _fingerprint(runtime) == before


def test_a_wrong_key_with_the_same_id_is_also_refused(
        runtime: Runtime, org: object, settings: Settings) -> None:
    _populated(runtime)
    before = _fingerprint(runtime)
    same_id = f"{runtime.vault.master.id}:{generate_master_key().serialise().split(':')[1]}"
    wrong = Settings(data_dir=settings.data_dir, database_url=settings.database_url,
                     master_key=same_id)
    with pytest.raises(KeyError_, match="wrong key for this database"):
        open_runtime(wrong, create=True)
    assert _fingerprint(runtime) == before


def test_a_lost_embedded_key_file_is_not_silently_replaced(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    rt = open_runtime(settings, create=True)
    from surveys.org import OrgRow, import_org
    from tests.conftest import SMALL_ORG

    with session_scope(rt.engine) as session:
        import_org(session, [OrgRow(*row) for row in SMALL_ORG])
    _populated(rt)
    before = _fingerprint(rt)
    key_file = tmp_path / "var" / "master.key"
    key_file.unlink()
    with pytest.raises(KeyError_, match="master.key"):
        open_runtime(settings, create=True)
    assert not key_file.exists(), "a fresh key would lock the sealed answers away for good"
    assert _fingerprint(rt) == before


def test_a_missing_key_file_fails_clearly_and_changes_nothing(
        runtime: Runtime, org: object, settings: Settings, tmp_path: Path) -> None:
    _populated(runtime)
    before = _fingerprint(runtime)
    gone = Settings(data_dir=settings.data_dir, database_url=settings.database_url,
                    master_key_file=str(tmp_path / "nowhere.key"))
    with pytest.raises(KeyError_, match="nowhere.key does not exist"):
        open_runtime(gone, create=True)
    assert _fingerprint(runtime) == before
