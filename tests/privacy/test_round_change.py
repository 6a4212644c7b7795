"""Attack: use round-to-round change to learn about a team that one round did not show."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from tests.conftest import Persona, answer_all, login, open_round_with_codes


def _closed(runtime: Runtime, counts: dict[str, int], seed: int) -> int:
    round_id, codes = open_round_with_codes(runtime, codes_per_team=dict.fromkeys(counts, 20))
    answer_all(runtime, codes, "team-thermometer", counts, seed=seed)
    with session_scope(runtime.engine) as session:
        close_and_publish(session, runtime.vault, round_id)
    return round_id


def test_change_is_shown_only_where_both_rounds_were_published(
        client: TestClient[Any], runtime: Runtime, personas: dict[str, Persona]) -> None:
    # Detail needs 10 answers and a residual of 0 or >= 10 in the basisteam.
    _closed(runtime, {"T-BIG": 20, "T-MID": 4, "T-SMALL": 4, "T-TINY": 3, "T-B2A": 12}, seed=1)
    second = _closed(runtime, {"T-BIG": 13, "T-MID": 11, "T-B2A": 12}, seed=2)
    login(client, personas["bea_basisteam_leader"])
    big = client.get(f"/api/v1/reports/{second}/T-BIG").json()
    assert any(s["change"] is not None for s in big["scales"])
    mid = client.get(f"/api/v1/reports/{second}/T-MID").json()  # 4 last time: not shown then
    assert mid["suppressed"] is False
    assert all(s["change"] is None for s in mid["scales"])
