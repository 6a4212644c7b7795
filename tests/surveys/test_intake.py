"""Answer intake: validation, the one-time code, and what a stored answer row holds."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlmodel import select

from sentimeter.db import session_scope
from sentimeter.models import AccessCode, Comment, Response
from sentimeter.runtime import Runtime
from surveys.instrument import load_instrument
from surveys.intake import AnswerProblems, TokenProblem, resolve_token, submit, validate_answers
from tests.conftest import open_round_with_codes

THERMO = load_instrument("team-thermometer")
PULSE = load_instrument("sentimeter")


def test_valid_answers_are_cleaned_to_whole_numbers_and_skips_dropped() -> None:
    clean, comment = validate_answers(THERMO, {"ps1": 4, "in4": "0", "ss2": None, "co1": ""},
                                      "  Prima team.  ")
    assert clean == {"ps1": 4, "in4": 0}
    assert comment == "Prima team."


def test_a_whitespace_comment_counts_as_no_comment() -> None:
    assert validate_answers(THERMO, {"ps1": 4}, "   \n ")[1] is None


def test_the_comment_limit_is_the_instruments_and_never_above_2000() -> None:
    assert validate_answers(THERMO, {"ps1": 4}, "x" * 2000)[1] == "x" * 2000
    with pytest.raises(AnswerProblems) as too_long:
        validate_answers(THERMO, {"ps1": 4}, "x" * 2001, "en")
    assert "2001 characters, at most 2000" in too_long.value.errors["comment"]
    assert PULSE.comment.max_length == 1000
    with pytest.raises(AnswerProblems, match="comment"):
        validate_answers(PULSE, {"mood": 4}, "x" * 1001)


@pytest.mark.parametrize("answers,field", [
    ({}, "answers"), ({"minority": 2}, "answers"), ({"ps1": 0}, "ps1"), ({"ps1": 6}, "ps1"),
    ({"in4": 11}, "in4"), ({"ps1": True}, "ps1"), ({"ps1": 2.0}, "ps1"), ({"x": 1}, "x"),
    ({"ps1": "three"}, "ps1"), ({"ps1": "99999999"}, "ps1"), ([1], "answers"), (None, "answers"),
])
def test_invalid_answers_name_the_field(answers: Any, field: str) -> None:
    with pytest.raises(AnswerProblems) as caught:
        validate_answers(THERMO, answers, None)
    assert field in caught.value.errors


def test_every_item_may_be_skipped_but_one_rated_item_is_needed() -> None:
    for item in THERMO.rated_items:
        value = min(item.values)
        assert validate_answers(THERMO, {item.id: value}, None)[0] == {item.id: value}


def test_a_stored_answer_holds_only_its_random_id_round_team_and_ciphertext(
        runtime: Runtime, org: object) -> None:
    round_id, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 2})
    with session_scope(runtime.engine) as session:
        submit(session, runtime.vault, token=codes["T-BIG"][0], answers={"ps1": 5})
    columns = {c["name"] for c in inspect(runtime.engine).get_columns("response")}
    assert columns == {"id", "round_id", "unit_code", "batch", "sealed"}
    comment_columns = {c["name"] for c in inspect(runtime.engine).get_columns("comment")}
    assert comment_columns == {"id", "round_id", "unit_code", "sealed"}
    with session_scope(runtime.engine) as session:
        row = session.exec(select(Response)).one()
        assert uuid.UUID(row.id).version == 4
        assert (row.round_id, row.unit_code, row.batch) == (round_id, "T-BIG", None)
        assert b"ps1" not in row.sealed
        code = session.exec(select(AccessCode).where(AccessCode.used == True)).one()  # noqa: E712
        assert code.unit_code == "T-BIG"


def test_a_refused_answer_leaves_the_code_unused(runtime: Runtime, org: object) -> None:
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    token = codes["T-BIG"][0]
    with session_scope(runtime.engine) as session, pytest.raises(AnswerProblems):
        submit(session, runtime.vault, token=token, answers={"ps1": 9})
    with session_scope(runtime.engine) as session:
        assert resolve_token(session, runtime.vault, token).unit_code == "T-BIG"
        submit(session, runtime.vault, token=token, answers={"ps1": 3})
    with session_scope(runtime.engine) as session, pytest.raises(TokenProblem) as used:
        submit(session, runtime.vault, token=token, answers={"ps1": 3})
    assert (used.value.kind, used.value.status) == ("used", 409)
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(Response)).all()) == 1
        assert session.exec(select(Comment)).first() is None


def test_two_simultaneous_submissions_of_one_code_store_one_answer(
        runtime: Runtime, org: object) -> None:
    import threading
    import time

    from sqlalchemy.exc import DBAPIError

    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    token = codes["T-BIG"][0]
    outcome: list[BaseException | None] = []

    def second() -> None:
        try:
            with session_scope(runtime.engine) as session:
                submit(session, runtime.vault, token=token, answers={"ps1": 1})
            outcome.append(None)
        except (TokenProblem, DBAPIError) as exc:  # SQLite may refuse the write outright
            outcome.append(exc)

    with session_scope(runtime.engine) as first:
        submit(first, runtime.vault, token=token, answers={"ps1": 5})
        racer = threading.Thread(target=second)
        racer.start()
        time.sleep(0.3)  # the second submission is now waiting on the first one's write
    racer.join(timeout=30)
    assert len(outcome) == 1 and outcome[0] is not None
    if isinstance(outcome[0], TokenProblem):
        assert outcome[0].kind == "used"
    with session_scope(runtime.engine) as session:
        assert len(session.exec(select(Response)).all()) == 1


def test_an_unknown_token_is_404_whatever_its_shape(runtime: Runtime, org: object) -> None:
    with session_scope(runtime.engine) as session:
        for token in ["", "ABCDEFGHJK", "x" * 5000, "\x00", "../../etc/passwd"]:
            with pytest.raises(TokenProblem) as caught:
                resolve_token(session, runtime.vault, token)
            assert caught.value.status == 404
