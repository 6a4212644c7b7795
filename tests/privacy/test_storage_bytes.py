"""Attack: a copy of the SQLite data folder after close, read byte by byte (issue #12).

Answers with known plaintexts are planted one transaction at a time in a known order. After
the round closes, the attacker holds the main file, its WAL and shm (free pages included)
and even the master key, and tries to recover the arrival order, a code, or which comment
belongs to which answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from surveys.org import OrgRow
from tests.privacy.storage_attack import (
    Planted,
    canonical,
    data_folder_bytes,
    decrypt_rows,
    kendall_tau,
    plant,
)

UNRELATED = 0.6  # |tau| of a random order of ~26 rows stays far below this (4 standard deviations)


@pytest.fixture
def closed(backend: str, runtime: Runtime, org: list[OrgRow]) -> Planted:
    if backend != "sqlite":
        pytest.skip("the SQLite data folder (PostgreSQL: test_storage_postgresql.py)")
    planted = plant(runtime)
    with session_scope(runtime.engine) as session:
        close_and_publish(session, runtime.vault, planted.round_id)
    return planted


def _database(runtime: Runtime) -> Path:
    return Path(runtime.settings.sqlalchemy_url.split("///", 1)[1])


def test_no_byte_of_an_answer_as_it_arrived_survives_the_close(
        runtime: Runtime, closed: Planted) -> None:
    files = data_folder_bytes(_database(runtime))
    for name, data in files.items():
        for blob in closed.old_blobs:
            assert blob[:24] not in data and blob[-16:] not in data, f"old ciphertext in {name}"
        for rid in closed.old_ids:
            assert rid.encode() not in data, f"an id given at intake is in {name}"


def test_no_code_hash_survives_the_close(runtime: Runtime, closed: Planted) -> None:
    assert closed.code_hashes
    for name, data in data_folder_bytes(_database(runtime)).items():
        for code_hash in closed.code_hashes:
            assert code_hash.encode() not in data, f"a code hash is in {name}"
    with runtime.engine.connect() as conn:
        tally = conn.execute(text("SELECT sum(issued), sum(used) FROM code_tally "
                                  "WHERE round_id = :r"), {"r": closed.round_id}).one()
    assert tuple(tally) == (len(closed.code_hashes), len(closed.order))


def test_the_wal_is_empty_and_no_free_page_is_left(runtime: Runtime, closed: Planted) -> None:
    wal = _database(runtime).with_name(_database(runtime).name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with runtime.engine.connect() as conn:
        assert conn.execute(text("PRAGMA freelist_count")).scalar_one() == 0


def test_the_physical_order_of_answers_is_not_their_arrival(
        runtime: Runtime, closed: Planted) -> None:
    main = data_folder_bytes(_database(runtime))[_database(runtime).name]
    rows = decrypt_rows(runtime, closed, "id")
    assert sorted(canonical(a) for _, a in rows) == sorted(closed.order)
    with runtime.engine.connect() as conn:
        blobs = dict(conn.execute(text("SELECT id, sealed FROM response WHERE round_id = :r"),
                                  {"r": closed.round_id}).all())
    offsets = {rid: main.find(bytes(blobs[rid])[:24]) for rid, _ in rows}
    assert all(offset >= 0 for offset in offsets.values())
    by_offset = sorted(rows, key=lambda row: offsets[row[0]])
    ranks = [closed.order.index(canonical(answers)) for _, answers in by_offset]
    assert ranks != list(range(len(ranks)))
    assert abs(kendall_tau(ranks)) < UNRELATED, ranks


def test_comments_are_split_out_in_an_order_unrelated_to_the_answers(
        runtime: Runtime, closed: Planted) -> None:
    from analysis.decrypt import load_comments
    from sentimeter.models import Round
    from surveys.instrument import load_instrument

    with session_scope(runtime.engine) as session:
        round_ = session.get(Round, closed.round_id)
        assert round_ is not None
        texts = [t for _, t in load_comments(session, runtime.vault, round_,
                                             load_instrument(closed.instrument))]
    assert sorted(texts) == sorted(closed.comments)
    # physical order of the comments against the physical order of their answers
    answer_rank = {canonical(a): i for i, (_, a) in enumerate(decrypt_rows(runtime, closed,
                                                                           "rowid"))}
    by_text = {c: answer_rank[a] for a, c in closed.commented.items()}
    ranks = sorted(range(len(texts)), key=lambda i: by_text[texts[i]])
    assert abs(kendall_tau(ranks)) < 0.99 or len(ranks) < 4
    with runtime.engine.connect() as conn:
        columns = [r[1] for r in conn.execute(text("PRAGMA table_info(comment)"))]
    assert set(columns) == {"id", "round_id", "unit_code", "sealed"}
