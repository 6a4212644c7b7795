"""An answer by personal token and an answer by card take the same path into one publication."""

from __future__ import annotations

import random
from typing import Any

from litestar.testing import TestClient

from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from surveys.org import OrgRow
from tests.conftest import answer_all, open_round_with_codes, random_answers
from tests.tokens.conftest import answer, enrol_link, fetch_token

INSTRUMENT = "team-thermometer"


def test_token_and_card_answers_land_in_the_same_publication(
        runtime: Runtime, org: list[OrgRow], client: TestClient[Any]) -> None:
    cards = {"T-B2A": 6, "T-B2B": 10}
    by_token = {"T-B2A": 5, "T-B2B": 0}
    round_id, codes = open_round_with_codes(runtime, instrument=INSTRUMENT, unit="E1-D1-B2",
                                            codes_per_team=cards)
    answer_all(runtime, codes, INSTRUMENT, cards, seed=4)
    rng = random.Random(5)
    for n in range(by_token["T-B2A"]):
        client.get(enrol_link(runtime, f"officer-{n}", "T-B2A"))
        fetched = fetch_token(client, round_id, "T-B2A")
        assert fetched.token
        reply = answer(client, round_id, "T-B2A", fetched.token, random_answers(INSTRUMENT, rng))
        assert reply.status_code == 303
    with session_scope(runtime.engine) as db:
        publication = close_and_publish(db, runtime.vault, round_id)
    units = publication.units
    for team in cards:
        assert units[team].responses == cards[team] + by_token[team]
    assert units["E1-D1-B2"].responses == sum(cards.values()) + sum(by_token.values())
