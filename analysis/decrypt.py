"""The only place in Sentimeter that opens sealed responses.

Everything read here stays inside ``analysis/``: it feeds the aggregation, whose results
pass the gate before anyone sees them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func
from sqlmodel import Session, select

from sentimeter.models import Comment, Response, Round
from sentimeter.vault import NONCE_BYTES, KeyError_, Vault, response_aad, sealed_length
from surveys.instrument import Instrument
from surveys.sealed import closed_size, unpack_comment, unpack_response


class RoundUnreadable(RuntimeError):
    """The round's data keys were destroyed (retention) or cannot be unwrapped."""


@dataclass
class _KeyRing:
    """Per-team AES-GCM objects for one round, fetched once."""

    session: Session
    vault: Vault
    round_id: int
    ciphers: dict[str, AESGCM]

    def cipher(self, unit_code: str) -> AESGCM:
        cipher = self.ciphers.get(unit_code)
        if cipher is None:
            try:
                key = self.vault.data_key(self.session, round_id=self.round_id, unit_code=unit_code)
            except KeyError_ as exc:
                raise RoundUnreadable(str(exc)) from exc
            if key is None:
                raise RoundUnreadable(
                    f"The data key of round {self.round_id}, unit {unit_code} no longer exists "
                    "(destroyed by retention); only the stored publication remains.")
            cipher = self.ciphers[unit_code] = AESGCM(key)
        return cipher


def _open(ring: _KeyRing, instrument: Instrument, round_id: int, unit_code: str, rid: str,
          blob: bytes) -> bytes:
    aad = response_aad(instrument=instrument.id, version=instrument.version, round_id=round_id,
                       unit_code=unit_code, rid=rid)
    return ring.cipher(unit_code).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)


def load_answers(session: Session, vault: Vault, round_: Round,
                 instrument: Instrument) -> pd.DataFrame:
    """One row per response: ``unit_code``, ``batch`` and one nullable column per item."""
    assert round_.id is not None
    ring = _KeyRing(session, vault, round_.id, {})
    records: list[dict[str, object]] = []
    rows = session.exec(select(Response.unit_code, Response.batch, Response.id, Response.sealed)
                        .where(Response.round_id == round_.id))
    for unit_code, batch, rid, blob in rows:
        answers, _ = unpack_response(_open(ring, instrument, round_.id, unit_code, f"r:{rid}",
                                           blob))
        record: dict[str, object] = dict(answers)
        record["unit_code"], record["batch"] = unit_code, batch
        records.append(record)
    columns = ["unit_code", "batch", *[item.id for item in instrument.items]]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for item in instrument.items:
        frame[item.id] = frame[item.id].astype("Float64")
    return frame


def load_comments(session: Session, vault: Vault, round_: Round,
                  instrument: Instrument) -> list[tuple[str, str]]:
    """(team, scrubbed comment) pairs of a round.

    Comments become rows of their own only when the round closes (``storage_close``); while
    it is open they travel inside the sealed responses, and no report shows them.
    """
    assert round_.id is not None
    ring = _KeyRing(session, vault, round_.id, {})
    result: list[tuple[str, str]] = []
    rows = session.exec(select(Comment.unit_code, Comment.id, Comment.sealed)
                        .where(Comment.round_id == round_.id))
    for unit_code, cid, blob in rows:
        text = unpack_comment(_open(ring, instrument, round_.id, unit_code, f"c:{cid}", blob))
        result.append((unit_code, text))
    # a round closed without the storage rewrite still carries its comments inline
    inline = session.exec(select(Response.unit_code, Response.id, Response.sealed)
                          .where(Response.round_id == round_.id)
                          .where(func.length(Response.sealed) != sealed_length(
                              closed_size(instrument))))
    for unit_code, rid, blob in inline:
        _, comment = unpack_response(_open(ring, instrument, round_.id, unit_code, f"r:{rid}",
                                           blob))
        if comment:
            result.append((unit_code, comment))
    return result
