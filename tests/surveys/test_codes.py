"""One-time codes: long enough, unambiguous, forgiving to type, and stored only as a keyed hash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from sentimeter.db import session_scope
from sentimeter.models import AccessCode
from sentimeter.runtime import Runtime
from surveys.codes import ALPHABET, find_code, issue_codes, normalise_code
from surveys.rounds import RoundError, close_round, create_round
from tests.conftest import open_round_with_codes, set_headcount


def test_codes_are_long_and_use_no_characters_that_look_alike(
        runtime: Runtime, org: object) -> None:
    set_headcount(runtime, "T-BIG", 200)  # room for 200 codes under the cap
    _, issued = open_round_with_codes(runtime, codes_per_team={"T-BIG": 200})
    codes = issued["T-BIG"]
    assert len(set(codes)) == 200
    assert all(len(code) >= 8 for code in codes)
    assert not set("".join(codes)) - set(ALPHABET)
    assert not set(ALPHABET) & set("01OIL")


def test_a_code_typed_in_lower_case_or_with_dashes_and_spaces_is_recognised(
        runtime: Runtime, org: object) -> None:
    _, issued = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    code = issued["T-BIG"][0]
    for typed in ["{c}", "{l}", "{c5}-{r5}", "{l5} {r5}", " {c} ", "{l5}_{r5}"]:
        variant = typed.format(c=code, l=code.lower(), c5=code[:5], r5=code[5:],
                               l5=code[:5].lower())
        assert normalise_code(variant) == code, variant
        with session_scope(runtime.engine) as session:
            found = find_code(session, runtime.vault, variant)
            assert found is not None and found.unit_code == "T-BIG" and not found.used


@pytest.mark.parametrize("typed", ["", "ABC", "ABCDEFGHJK1", "ABCDEFGHJ0", "ÄBCDEFGHJK"])
def test_something_that_cannot_be_a_code_is_not_one(typed: str) -> None:
    assert normalise_code(typed) is None


def test_the_plain_code_is_stored_nowhere_in_the_database(runtime: Runtime, org: object) -> None:
    _, issued = open_round_with_codes(runtime, codes_per_team={"T-BIG": 5, "T-MID": 5})
    codes = issued["T-BIG"] + issued["T-MID"]
    with runtime.engine.connect() as conn:
        everything = []
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                everything.append(repr(tuple(row)))
    dump = "\n".join(everything)
    assert "access_code" in inspect(runtime.engine).get_table_names()
    for code in codes:
        assert code not in dump and code.lower() not in dump


def test_a_code_is_kept_as_a_keyed_hash_that_depends_on_the_installation(
        runtime: Runtime, org: object) -> None:
    import hashlib

    _, issued = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    code = issued["T-BIG"][0]
    with session_scope(runtime.engine) as session:
        stored = [row.code_hash for row in session.exec(select(AccessCode))]
    assert len(stored) == 1 and len(stored[0]) == 64
    assert stored[0] != hashlib.sha256(code.encode()).hexdigest()  # unkeyed hashes can be searched


def test_no_codes_are_issued_for_a_closed_round_or_a_team_outside_it(
        runtime: Runtime, org: object) -> None:
    with session_scope(runtime.engine) as session:
        round_ = create_round(session, instrument="sentimeter", unit_code="E2")
        assert round_.id is not None
        with pytest.raises(RoundError, match="outside"):
            issue_codes(session, runtime.vault, round_id=round_.id, unit_code="T-BIG", count=1)
        with pytest.raises(RoundError, match="between 1 and"):
            issue_codes(session, runtime.vault, round_id=round_.id, unit_code="T-E2A", count=0)
        round_.state = "open"
        close_round(session, round_.id)
        with pytest.raises(RoundError, match="closed"):
            issue_codes(session, runtime.vault, round_id=round_.id, unit_code="T-E2A", count=1)


def test_codes_issue_prints_a_json_list(runtime: Runtime, org: object, cli: Any) -> None:
    created = json.loads(cli("round", "create", "--instrument", "sentimeter", "--unit", "NP",
                             "--json").stdout)
    result = cli("codes", "issue", str(created["id"]), "--unit", "T-BIG", "--count", "3", "--json")
    assert result.exit_code == 0, result.output
    codes = json.loads(result.stdout)
    assert isinstance(codes, list) and len(codes) == 3
    with session_scope(runtime.engine) as session:
        assert all(find_code(session, runtime.vault, c) is not None for c in codes)


def test_codes_print_writes_a_pdf_of_cards(runtime: Runtime, org: object, cli: Any,
                                           tmp_path: Path) -> None:
    created = json.loads(cli("round", "create", "--instrument", "sentimeter", "--unit", "NP",
                             "--json").stdout)
    out = tmp_path / "cards.pdf"
    result = cli("codes", "print", str(created["id"]), "--unit", "T-MID", "--count", "4",
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    assert "4 cards" in result.stderr
    with session_scope(runtime.engine) as session:
        rows = session.exec(select(AccessCode).where(AccessCode.unit_code == "T-MID")).all()
        assert len(rows) == 4


def test_codes_for_an_unknown_team_fail_with_a_message(
        runtime: Runtime, org: object, cli: Any) -> None:
    created = json.loads(cli("round", "create", "--instrument", "sentimeter", "--unit", "NP",
                             "--json").stdout)
    result = cli("codes", "issue", str(created["id"]), "--unit", "NOPE", "--count", "3")
    assert result.exit_code != 0
    assert "Unknown unit 'NOPE'" in result.stderr
