"""Attacks on free text: reading a small group's comments, reading them while the round is
open, linking a comment to its ratings by order or by table, or finding names in them."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy import inspect

from analysis.decrypt import load_comments
from analysis.release import close_and_publish
from analysis.reports import Viewer, unit_comments
from sentimeter.db import session_scope
from sentimeter.models import Round
from sentimeter.runtime import Runtime
from surveys.instrument import load_instrument
from surveys.intake import submit
from surveys.org import OrgRow
from tests.conftest import open_round_with_codes

ANALYST = Viewer(email="bob@politie.test", role="analyst", unit_code="NP")


def _comment_round(runtime: Runtime, counts: dict[str, int]) -> int:
    round_id, codes = open_round_with_codes(runtime, codes_per_team=dict.fromkeys(counts, 20))
    with session_scope(runtime.engine) as session:
        for team, n in counts.items():
            for i in range(n):
                submit(session, runtime.vault, token=codes[team][i], answers={"ps1": 4},
                       comment=f"opmerking {team} nummer-{chr(97 + i)}")
    return round_id


def _comments(runtime: Runtime, round_id: int, unit: str) -> list[str]:
    with session_scope(runtime.engine) as session:
        return unit_comments(session, runtime.vault, ANALYST, round_id, unit)


def test_comments_appear_only_after_close_and_only_for_groups_of_at_least_10(
        runtime: Runtime, org: list[OrgRow]) -> None:
    round_id = _comment_round(runtime, {"T-BIG": 12, "T-MID": 9, "T-B2A": 9, "T-B2B": 1})
    assert _comments(runtime, round_id, "T-BIG") == []  # still open
    with session_scope(runtime.engine) as session:
        close_and_publish(session, runtime.vault, round_id)
    # Basisteam Een (21) minus Team Groot (12) would be Team Middel's 9: Groot is held back.
    assert _comments(runtime, round_id, "T-BIG") == []
    assert _comments(runtime, round_id, "T-MID") == []  # 9 < 10
    assert len(_comments(runtime, round_id, "E1-D1-B1")) == 21
    assert _comments(runtime, round_id, "T-B2A") == []  # 9 < 10
    assert len(_comments(runtime, round_id, "E1-D1-B2")) == 10
    assert len(_comments(runtime, round_id, "NP")) == 31


def test_comments_come_in_random_order_and_apart_from_the_ratings(
        runtime: Runtime, org: list[OrgRow]) -> None:
    round_id = _comment_round(runtime, {"T-BIG": 15})
    with session_scope(runtime.engine) as session:
        close_and_publish(session, runtime.vault, round_id)
        columns = {c["name"] for c in inspect(session.connection()).get_columns("comment")}
    assert columns == {"id", "round_id", "unit_code", "sealed"}  # nothing links to a response
    orders = {tuple(_comments(runtime, round_id, "T-BIG")) for _ in range(4)}
    assert len(orders) > 1


def test_names_phone_numbers_and_email_addresses_are_scrubbed_before_sealing(
        runtime: Runtime, org: list[OrgRow]) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 2})
    text = ("Jan de Vries van het wijkteam belt steeds naar 06-12345678 en mailt "
            "j.devries@politie.nl over de roosters.")
    with session_scope(runtime.engine) as session:
        submit(session, runtime.vault, token=codes["T-BIG"][0], answers={"ps1": 2}, comment=text)
    with session_scope(runtime.engine) as session:
        round_ = session.get(Round, round_id)
        assert round_ is not None
        stored = load_comments(session, runtime.vault, round_, load_instrument("team-thermometer"))
    [(_, sealed)] = stored
    for secret in ("Jan", "Vries", "06-12345678", "12345678", "j.devries@politie.nl"):
        assert secret not in sealed
    assert "roosters" in sealed


def test_the_thank_you_page_says_that_names_and_numbers_were_removed(
        client: TestClient[Any], runtime: Runtime, org: list[OrgRow]) -> None:
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    client.cookies.set("lang", "en")
    posted = client.post(f"/s/{codes['T-BIG'][0]}", data={"ps1": "4", "comment": "Piet belt"},
                         follow_redirects=True)
    assert posted.status_code == 200
    assert "names, places and numbers" in posted.text or "namen, plaatsen en nummers" in posted.text
