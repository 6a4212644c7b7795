"""The attacker of issue #12: holds a copy of the files (and, worst case, the master key).

Helpers shared by the storage tests: plant answers with known plaintexts in a known order,
then read back what the stored bytes say about that order.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from sentimeter.vault import response_aad
from surveys.instrument import load_instrument
from surveys.intake import submit
from surveys.sealed import unpack_response
from tests.conftest import open_round_with_codes, random_answers


@dataclass
class Planted:
    """A round answered in a known order: what the attacker tries to recover."""

    round_id: int
    instrument: str
    order: list[str]  # canonical answer JSON, in arrival order
    comments: list[str]  # comment texts, in arrival order
    commented: dict[str, str]  # answer JSON -> its comment
    code_hashes: list[str]
    old_ids: list[str]
    old_blobs: list[bytes]
    old_xmins: list[int]


def canonical(answers: dict[str, int]) -> str:
    return json.dumps(answers, sort_keys=True, separators=(",", ":"))


def plant(runtime: Runtime, *, instrument: str = "team-thermometer",
          teams: dict[str, int] | None = None) -> Planted:
    """Answer one by one (one transaction each, as the web does), every third with a comment."""
    teams = teams or {"T-BIG": 14, "T-B2A": 12}
    round_id, codes = open_round_with_codes(runtime, instrument=instrument,
                                            codes_per_team=teams)
    rng = random.Random(12)
    tokens = [(team, code) for team, issued in codes.items() for code in issued]
    rng.shuffle(tokens)
    order, comments, commented = [], [], {}
    for index, (_, token) in enumerate(tokens):
        answers = random_answers(instrument, rng, skip=0.3)
        comment = " ".join(["Fijne samenwerking"] * (1 + index)) if index % 3 == 0 else None
        with session_scope(runtime.engine) as session:
            submit(session, runtime.vault, token=token, answers=answers, comment=comment)
        order.append(canonical(answers))
        if comment:
            comments.append(comment)
            commented[canonical(answers)] = comment
    assert len(set(order)) == len(order), "planted answers must be distinct"
    with runtime.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(text(
            "SELECT code_hash FROM access_code WHERE round_id = :r"), {"r": round_id})]
        xmin = "xmin::text::bigint" if runtime.engine.dialect.name == "postgresql" else "0"
        rows = conn.execute(text(f"SELECT id, sealed, {xmin} FROM response "  # noqa: S608
                                 "WHERE round_id = :r"), {"r": round_id}).all()
    return Planted(round_id, instrument, order, comments, commented, hashes,
                   [r[0] for r in rows], [bytes(r[1]) for r in rows], [int(r[2]) for r in rows])


def decrypt_rows(runtime: Runtime, planted: Planted,
                 order_by: str) -> list[tuple[str, dict[str, int]]]:
    """(id, answers) of the round's responses in the given physical order, opened with the key."""
    instrument = load_instrument(planted.instrument)
    result = []
    with session_scope(runtime.engine) as session:
        rows = session.execute(text(f"SELECT id, unit_code, sealed FROM response "  # noqa: S608
                                    f"WHERE round_id = :r ORDER BY {order_by}"),
                               {"r": planted.round_id}).all()
        for rid, unit, blob in rows:
            key = runtime.vault.data_key(session, round_id=planted.round_id, unit_code=unit)
            assert key is not None
            aad = response_aad(instrument=instrument.id, version=instrument.version,
                               round_id=planted.round_id, unit_code=unit, rid=f"r:{rid}")
            answers, _ = unpack_response(runtime.vault.open(key, bytes(blob), aad))
            result.append((str(rid), answers))
    return result


def kendall_tau(ranks: list[int]) -> float:
    """Rank correlation of a sequence with 0..n-1: 1 is the same order, 0 unrelated."""
    n = len(ranks)
    concordant = sum(1 if ranks[i] < ranks[j] else -1 for i in range(n) for j in range(i + 1, n))
    return concordant / (n * (n - 1) / 2)


def data_folder_bytes(database: Path) -> dict[str, bytes]:
    """Every file of the SQLite data folder that belongs to the database."""
    files = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = database.with_name(database.name + suffix)
        if path.exists():
            files[path.name] = path.read_bytes()
    return files
