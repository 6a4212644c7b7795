"""Attacks by subtraction on a real round: parent minus visible children at every level and
per item (with skips), cuts against their group and their complement. The attacker holds
everything published to all roles."""

from __future__ import annotations

from analysis.decrypt import load_answers
from analysis.release import close_and_publish
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


def _round(runtime: Runtime) -> tuple[int, dict[str, list[str]]]:
    return open_round_with_codes(runtime, codes_per_team=dict.fromkeys(TEAMS, 20))


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
    assert publication.units["E1-D1-B1"].status == "published"
    assert attack(tree, [(publication, frame)], instrument) == []
    cut = publication.cuts["minority"].units
    assert all(u.status != "published" or (u.responses or 0) >= 10 <= (u.rest_responses or 0)
               for u in cut.values())
