"""Attack: read the order of rows on disk to link answers to when (and so by whom) they came.

Closing a round rewrites its rows under new random ids in random order, with the comments
split out of the answers they travelled in; no batch numbers are left. (The byte-level
attacks are in test_storage_bytes.py and test_storage_postgresql.py.)
"""

from __future__ import annotations

from sqlalchemy import text

from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from surveys.org import OrgRow
from tests.conftest import answer_all, open_round_with_codes


def _physical_order(runtime: Runtime, table: str, round_id: int) -> list[str]:
    order = "ctid" if runtime.engine.dialect.name == "postgresql" else "rowid"
    with runtime.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id FROM {table} WHERE round_id = :r "  # noqa: S608
                                 f"ORDER BY {order}"), {"r": round_id})
        return [str(r[0]) for r in rows]


def test_closing_rewrites_responses_and_comments_in_random_order(
        runtime: Runtime, org: list[OrgRow]) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 20, "T-B2A": 12})
    answer_all(runtime, codes, "team-thermometer", {"T-BIG": 20, "T-B2A": 12},
               comment="Goede sfeer in het team")
    inserted = _physical_order(runtime, "response", round_id)
    comments_inserted = _physical_order(runtime, "comment", round_id)
    with session_scope(runtime.engine) as session:
        close_and_publish(session, runtime.vault, round_id)
    after = _physical_order(runtime, "response", round_id)
    comments_after = _physical_order(runtime, "comment", round_id)
    assert len(after) == len(inserted) == 32 and set(after).isdisjoint(inserted)
    assert comments_inserted == [] and len(comments_after) == 32
    with runtime.engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM response WHERE batch IS NOT NULL"))
        assert left.scalar_one() == 0
