"""Attack: SQL access to PostgreSQL after close, reading row versions (issue #12).

Each answer was its own transaction, so before close its response row carried that
transaction's ``xmin`` (and so did the code it used up). After close, nothing stored may tie
a response to its arrival, its comment or its code: no ``xmin`` from intake, no dead row
version, no physical (``ctid``) order that follows arrival.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from surveys.org import OrgRow
from tests.privacy.storage_attack import Planted, canonical, decrypt_rows, kendall_tau, plant

TABLES = ("response", "comment", "access_code", "code_tally")


@pytest.fixture
def closed(backend: str, runtime: Runtime, org: list[OrgRow]) -> Planted:
    if backend != "postgresql":
        pytest.skip("PostgreSQL row versions (SQLite: test_storage_bytes.py)")
    planted = plant(runtime)
    assert len(set(planted.old_xmins)) == len(planted.order), "one transaction per answer"
    with session_scope(runtime.engine) as session:
        close_and_publish(session, runtime.vault, planted.round_id)
    return planted


def _xmins(runtime: Runtime, table: str, round_id: int) -> set[int]:
    with runtime.engine.connect() as conn:
        return {int(r[0]) for r in conn.execute(text(
            f"SELECT xmin::text::bigint FROM {table} WHERE round_id = :r"),  # noqa: S608
            {"r": round_id})}


def test_responses_comments_and_tallies_share_one_xmin_from_the_close(
        runtime: Runtime, closed: Planted) -> None:
    responses = _xmins(runtime, "response", closed.round_id)
    comments = _xmins(runtime, "comment", closed.round_id)
    tallies = _xmins(runtime, "code_tally", closed.round_id)
    assert len(responses) == 1 and comments == responses and tallies == responses
    assert not responses & set(closed.old_xmins)
    assert _xmins(runtime, "access_code", closed.round_id) == set()


def test_no_dead_row_version_is_left(runtime: Runtime, closed: Planted) -> None:
    with runtime.engine.connect() as conn:
        for table in TABLES:
            conn.execute(text(f"ANALYZE {table}"))
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        dead = dict(conn.execute(text(
            "SELECT relname, n_dead_tup FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() AND relname = ANY(:tables)"),
            {"tables": list(TABLES)}).all())
    assert set(dead) == set(TABLES)
    assert all(n == 0 for n in dead.values()), dead


def test_the_ctid_order_of_answers_is_not_their_arrival(
        runtime: Runtime, closed: Planted) -> None:
    rows = decrypt_rows(runtime, closed, "ctid")
    assert {rid for rid, _ in rows}.isdisjoint(closed.old_ids)
    ranks = [closed.order.index(canonical(answers)) for _, answers in rows]
    assert sorted(ranks) == list(range(len(closed.order)))
    assert abs(kendall_tau(ranks)) < 0.6, ranks
