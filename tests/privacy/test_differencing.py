"""Attacks by subtraction on a real round: parent minus visible children at every level and
per item (with skips), cuts against their group and their complement, and watching interim
snapshots while answers arrive. The attacker holds everything published to all roles."""

from __future__ import annotations

from typing import Any

from analysis.decrypt import load_answers
from analysis.release import (
    close_and_publish,
    publication_history,
    released_frame,
    take_snapshot,
)
from sentimeter.db import session_scope
from sentimeter.models import Round
from sentimeter.runtime import Runtime
from surveys.instrument import load_instrument
from surveys.org import OrgRow, Tree
from tests.conftest import answer_all, open_round_with_codes
from tests.privacy.attacker import attack

INSTRUMENT = "team-thermometer"
TEAMS = {"T-BIG": 16, "T-MID": 11, "T-SMALL": 3, "T-TINY": 2, "T-B2A": 12, "T-B2B": 6,
         "T-E2A": 14, "T-E2B": 7}


def _round(runtime: Runtime, interim: bool = False) -> tuple[int, dict[str, list[str]]]:
    return open_round_with_codes(runtime, codes_per_team=dict.fromkeys(TEAMS, 20),
                                 interim=interim)


def test_no_subtraction_of_a_closed_round_isolates_fewer_than_k_or_10(
        runtime: Runtime, org: list[OrgRow]) -> None:
    round_id, codes = _round(runtime)
    answer_all(runtime, codes, INSTRUMENT, TEAMS)
    instrument = load_instrument(INSTRUMENT)
    with session_scope(runtime.engine) as session:
        publication = close_and_publish(session, runtime.vault, round_id)
        round_ = session.get(Round, round_id)
        assert round_ is not None
        frame = load_answers(session, runtime.vault, round_, instrument)
        tree = Tree.load(session)
    assert frame[[i.id for i in instrument.items]].isna().any().any()  # skips are in play
    assert publication["units"]["E1-D1-B1"]["status"] == "published"
    assert attack(tree, [(publication, frame)], instrument) == []
    cut = publication["cuts"]["minority"]["units"]
    assert all(u["status"] != "published" or (u["responses"] >= 10 and u["rest_responses"] >= 10)
               for u in cut.values())


def test_watching_interim_snapshots_while_answers_arrive_isolates_nobody(
        runtime: Runtime, org: list[OrgRow]) -> None:
    round_id, codes = _round(runtime, interim=True)
    instrument = load_instrument(INSTRUMENT)
    given = dict.fromkeys(TEAMS, 0)
    for wave, seed in ((3, 1), (4, 2), (1, 3), (6, 4)):
        batch = {t: min(wave, TEAMS[t] - given[t]) for t in TEAMS}
        answer_all(runtime, {t: codes[t][given[t]:] for t in TEAMS}, INSTRUMENT, batch, seed=seed)
        given = {t: given[t] + batch[t] for t in TEAMS}
        with session_scope(runtime.engine) as session:
            round_ = session.get(Round, round_id)
            assert round_ is not None
            take_snapshot(session, runtime.vault, round_)
    with session_scope(runtime.engine) as session:
        round_ = session.get(Round, round_id)
        assert round_ is not None
        frame = load_answers(session, runtime.vault, round_, instrument)
        history = publication_history(session, round_id)
        tree = Tree.load(session)
    releases: list[tuple[dict[str, Any], Any]] = []
    for snapshot in history:
        upto = frame[frame["batch"].notna() & (frame["batch"] <= snapshot["seq"])]
        releases.append((snapshot, released_frame(upto, round_.k, instrument)))
    assert len(releases) >= 3
    assert attack(tree, releases, instrument) == []
