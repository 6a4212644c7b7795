"""Attack: read skips and comment lengths from ciphertext lengths (issue #12).

Answers that skip different items and carry comments of very different lengths (or none)
must all be stored at one length per instrument, before and after close; split-out comments
only in fixed buckets.
"""

from __future__ import annotations

from sqlalchemy import text

from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from sentimeter.vault import sealed_length
from surveys.instrument import load_instrument
from surveys.org import OrgRow
from surveys.sealed import COMMENT_BUCKET, closed_size, open_size
from tests.privacy.storage_attack import plant


def _lengths(runtime: Runtime, table: str, round_id: int) -> list[int]:
    with runtime.engine.connect() as conn:
        return [len(bytes(r[0])) for r in conn.execute(text(
            f"SELECT sealed FROM {table} WHERE round_id = :r"), {"r": round_id})]  # noqa: S608


def test_every_sealed_answer_of_an_instrument_has_one_length_before_and_after_close(
        runtime: Runtime, org: list[OrgRow]) -> None:
    for instrument_id in ("team-thermometer", "sentimeter"):
        instrument = load_instrument(instrument_id)
        planted = plant(runtime, instrument=instrument_id, teams={"T-BIG": 9, "T-B2A": 6})
        assert {len(b) for b in planted.old_blobs} == {sealed_length(open_size(instrument))}
        assert _lengths(runtime, "comment", planted.round_id) == []  # comments travel inside
        with session_scope(runtime.engine) as session:
            close_and_publish(session, runtime.vault, planted.round_id)
        after = _lengths(runtime, "response", planted.round_id)
        assert len(after) == len(planted.order)
        assert set(after) == {sealed_length(closed_size(instrument))}
        comments = _lengths(runtime, "comment", planted.round_id)
        assert len(comments) == len(planted.comments)
        assert {(n - sealed_length(0)) % COMMENT_BUCKET for n in comments} == {0}


def test_a_comment_longer_than_the_seal_has_room_for_is_refused_with_nothing_written(
        runtime: Runtime, org: list[OrgRow]) -> None:
    import pytest

    from surveys.intake import AnswerProblems, submit
    from surveys.sealed import comment_room
    from tests.conftest import open_round_with_codes

    instrument = load_instrument("sentimeter")
    round_id, codes = open_round_with_codes(runtime, instrument="sentimeter",
                                            codes_per_team={"T-BIG": 1})
    # NFKC turns one character into 18: within the character limit, beyond the byte room
    expanding = "\ufdfa" * (comment_room(instrument) // 18 + 1)
    assert len(expanding) <= instrument.comment.max_length
    with session_scope(runtime.engine) as session, pytest.raises(AnswerProblems) as refused:
        submit(session, runtime.vault, token=codes["T-BIG"][0], answers={"mood": 3},
               comment=expanding)
    assert "comment" in refused.value.errors
    assert _lengths(runtime, "response", round_id) == []
