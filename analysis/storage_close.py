"""At close: rewrite a round's stored rows so their bytes hold no order, no time and no links.

While a round is open, each answer is one padded sealed row, inserted in arrival order in
the transaction that used up its code. Shuffling those same rows would keep their bytes
(and on PostgreSQL their old versions): anyone holding the files could still match them to
the WAL, to free pages or to a code's transaction. So at close every response is opened and
sealed again under a new random id, with a fresh nonce, ratings only, at the instrument's
closed size; comments are split out, padded to their bucket, sealed under their own new ids
and stored apart; all are inserted in a new random order. The code hashes give way to
per-team counts (``tally_codes``). Once this commits, compaction removes the old bytes
(``sentimeter/compact.py``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from analysis.decrypt import _KeyRing, _open
from sentimeter.compact import compact_after_commit
from sentimeter.models import Comment, Response, Round, random_id
from sentimeter.vault import NONCE_BYTES, Vault, response_aad
from surveys.codes import tally_codes
from surveys.instrument import Instrument, load_instrument
from surveys.sealed import pack_closed, pack_comment, unpack_comment, unpack_response

INSERT_CHUNK = 2000


@dataclass(frozen=True)
class Rewritten:
    """How many rows a close rewrote (counts only: the benchmark and the CLI print them)."""

    responses: int
    comments: int
    codes_removed: int


def rewrite_closed_round(session: Session, vault: Vault, round_: Round) -> Rewritten:
    """Re-seal, split and shuffle a closed round's rows; compact after the commit."""
    assert round_.id is not None and round_.state == "closed"
    instrument = load_instrument(round_.instrument, round_.version)
    ring = _KeyRing(session, vault, round_.id, {})
    ratings, comments = _read(session, ring, instrument, round_.id)
    session.execute(delete(Response).where(col(Response.round_id) == round_.id))
    session.execute(delete(Comment).where(col(Comment.round_id) == round_.id))
    rng = secrets.SystemRandom()
    rng.shuffle(ratings)
    rng.shuffle(comments)
    _insert(session, Response, [
        _sealed(ring, instrument, round_.id, unit, "r", pack_closed(instrument, answers))
        | {"batch": None} for unit, answers in ratings])
    _insert(session, Comment, [
        _sealed(ring, instrument, round_.id, unit, "c", pack_comment(text))
        for unit, text in comments])
    removed = tally_codes(session, round_.id)
    session.flush()
    compact_after_commit(session)
    return Rewritten(responses=len(ratings), comments=len(comments), codes_removed=removed)


def _read(session: Session, ring: _KeyRing, instrument: Instrument,
          round_id: int) -> tuple[list[tuple[str, dict[str, int]]], list[tuple[str, str]]]:
    """Every response's ratings and every comment (inline or from older comment rows)."""
    ratings: list[tuple[str, dict[str, int]]] = []
    comments: list[tuple[str, str]] = []
    for unit, rid, blob in session.exec(select(Response.unit_code, Response.id, Response.sealed)
                                        .where(Response.round_id == round_id)):
        answers, text = unpack_response(_open(ring, instrument, round_id, unit, f"r:{rid}", blob))
        ratings.append((unit, answers))
        if text:
            comments.append((unit, text))
    for unit, cid, blob in session.exec(select(Comment.unit_code, Comment.id, Comment.sealed)
                                        .where(Comment.round_id == round_id)):
        comments.append((unit, unpack_comment(_open(ring, instrument, round_id, unit,
                                                    f"c:{cid}", blob))))
    return ratings, comments


def _sealed(ring: _KeyRing, instrument: Instrument, round_id: int, unit: str, kind: str,
            plaintext: bytes) -> dict[str, object]:
    rid = random_id()
    aad = response_aad(instrument=instrument.id, version=instrument.version, round_id=round_id,
                       unit_code=unit, rid=f"{kind}:{rid}")
    nonce = secrets.token_bytes(NONCE_BYTES)
    blob = nonce + ring.cipher(unit).encrypt(nonce, plaintext, aad)
    return {"id": rid, "round_id": round_id, "unit_code": unit, "sealed": blob}


def _insert(session: Session, model: type[Response] | type[Comment],
            rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), INSERT_CHUNK):
        session.execute(insert(model), rows[start:start + INSERT_CHUNK])
