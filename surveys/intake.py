"""Answer intake: check a token, validate answers, seal and store them in one transaction.

A refused answer never uses up the code and never leaves a half-written row: the code is
marked used, one sealed row holding the ratings and the scrubbed comment together is
inserted, and the caller commits all of it together or nothing. The row is padded to the
instrument's fixed size (see ``surveys/sealed.py``), and the comment only becomes a row of
its own, shuffled and unlinked, when the round closes (``analysis/storage_close.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from sentimeter.models import AccessCode, Response, Round, random_id, utcnow
from sentimeter.token_models import SpentToken
from sentimeter.vault import Vault, response_aad
from surveys.codes import code_pepper, find_code, hash_code, normalise_code
from surveys.instrument import Instrument, load_instrument
from surveys.messages import message
from surveys.scrub import scrub_comment
from surveys.sealed import SealedTooLarge, pack_open
from surveys.tokens import parse_token, spent_hash, token_is_valid

COMMENT_MAX = 2000


class TokenProblem(Exception):
    """The token cannot be used; ``kind`` is unknown (404), used (409) or closed (410)."""

    status_by_kind = {"unknown": 404, "used": 409, "closed": 410, "not_open": 410,
                      "invalid": 400}

    def __init__(self, kind: str, lang: str = "nl") -> None:
        super().__init__(message(f"token_{kind}", lang))
        self.kind = kind
        self.status = self.status_by_kind[kind]


class AnswerProblems(Exception):
    """Validation failed; ``errors`` maps each field (item id, comment, answers) to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Ticket:
    """What a valid token opens: the round, the team and the instrument."""

    code_hash: str
    round: Round
    unit_code: str
    instrument: Instrument


def resolve_token(session: Session, vault: Vault, token: str, lang: str = "nl") -> Ticket:
    code = find_code(session, vault, token)
    if code is None:
        raise TokenProblem("unknown", lang)
    round_ = session.get(Round, code.round_id)
    if round_ is None:
        raise TokenProblem("unknown", lang)
    if round_.state == "draft":
        raise TokenProblem("not_open", lang)
    if round_.state == "closed" or (round_.closes_at is not None and round_.closes_at <= utcnow()):
        raise TokenProblem("closed", lang)
    if code.used:
        raise TokenProblem("used", lang)
    return Ticket(code_hash=code.code_hash, round=round_, unit_code=code.unit_code,
                  instrument=load_instrument(round_.instrument, round_.version))


def validate_answers(instrument: Instrument, answers: Any, comment: Any,
                     lang: str = "nl") -> tuple[dict[str, int], str | None]:
    """Clean answers and comment, or raise AnswerProblems with one message per field."""
    errors: dict[str, str] = {}
    if not isinstance(answers, Mapping):
        raise AnswerProblems({"answers": message("answers_not_object", lang)})
    clean: dict[str, int] = {}
    known = {item.id: item for item in instrument.items}
    for item_id, raw in answers.items():
        item = known.get(str(item_id))
        if item is None:
            errors[str(item_id)[:64]] = message("unknown_item", lang)
            continue
        if raw is None or raw == "":
            continue  # skipped, which is always allowed
        value = _as_int(raw)
        if value is None or value not in item.values:
            errors[item.id] = message("not_an_option", lang)
            continue
        clean[item.id] = value
    text = _clean_comment(comment, instrument, lang, errors)
    if not errors and not any(not known[i].cut for i in clean):
        errors["answers"] = message("nothing_answered", lang)
    if errors:
        raise AnswerProblems(errors)
    return clean, text


def _as_int(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit() and len(raw) < 6:
        return int(raw.strip())
    return None


def _clean_comment(comment: Any, instrument: Instrument, lang: str,
                   errors: dict[str, str]) -> str | None:
    if comment is None or comment == "":
        return None
    if not isinstance(comment, str):
        errors["comment"] = message("comment_not_text", lang)
        return None
    if not instrument.comment.enabled:
        errors["comment"] = message("comment_not_allowed", lang)
        return None
    limit = min(instrument.comment.max_length, COMMENT_MAX)
    if len(comment) > limit:
        errors["comment"] = message("comment_too_long", lang).format(limit=limit,
                                                                     length=len(comment))
        return None
    stripped = comment.strip()
    return stripped or None


@dataclass(frozen=True)
class Receipt:
    """What an accepted answer leaves the caller: its round and team, nothing more."""

    round_id: int
    unit_code: str


# Statements built once (Core, not the ORM): the answer path runs them for every officer.
_LOOK_UP = (
    select(col(AccessCode.round_id), col(AccessCode.unit_code), col(AccessCode.used),
           col(Round.state), col(Round.closes_at), col(Round.instrument), col(Round.version))
    .join(Round, col(Round.id) == col(AccessCode.round_id))
    .where(col(AccessCode.code_hash) == bindparam("code_hash")))
_CLAIM = (
    update(AccessCode)
    .where(col(AccessCode.code_hash) == bindparam("claim_hash"))
    .where(col(AccessCode.used).is_(False))
    .where(exists().where(col(Round.id) == col(AccessCode.round_id))
           .where(col(Round.state) == "open")
           .where(or_(col(Round.closes_at).is_(None), col(Round.closes_at) > bindparam("now"))))
    .values(used=True))
_INSERT_RESPONSE = insert(Response)


def submit(session: Session, vault: Vault, *, token: str, answers: Any, comment: Any = None,
           lang: str = "nl") -> Receipt:
    """Validate, claim the code, seal and insert; the caller commits.

    Validation comes before the claim, so a refused answer never uses up the code. The
    claim is one conditional UPDATE that only succeeds while the code is unused and its
    round open, so two simultaneous submissions of one code race safely: exactly one row
    changes, the other gets ``used``.
    """
    code_hash, round_id, unit_code, instrument = _look_up(session, vault, token, lang)
    clean, text = validate_answers(instrument, answers, comment, lang)
    plaintext = _padded(instrument, clean, text, lang)
    if not _claim(session, code_hash):
        raise TokenProblem("used", lang)
    key = vault.data_key(session, round_id=round_id, unit_code=unit_code, create=True)
    assert key is not None
    _insert_sealed(session, vault, key, instrument, round_id, unit_code, plaintext)
    return Receipt(round_id=round_id, unit_code=unit_code)


def _padded(instrument: Instrument, clean: dict[str, int], text: str | None,
            lang: str) -> bytes:
    """Ratings and scrubbed comment in one plaintext of the instrument's fixed size."""
    scrubbed = scrub_comment(text, lang) if text else None
    try:
        return pack_open(instrument, clean, scrubbed or None)
    except SealedTooLarge as exc:  # scrubbing can lengthen a comment right at the limit
        limit = min(instrument.comment.max_length, COMMENT_MAX)
        raise AnswerProblems({"comment": message("comment_too_long", lang).format(
            limit=limit, length=len(scrubbed or ""))}) from exc


def _look_up(session: Session, vault: Vault, token: str,
             lang: str) -> tuple[str, int, str, Instrument]:
    """One read: the code, its team and its round's state and instrument."""
    code = normalise_code(token)
    if code is None:
        raise TokenProblem("unknown", lang)
    code_hash = hash_code(code_pepper(session, vault), code)
    row = session.connection().execute(_LOOK_UP, {"code_hash": code_hash}).first()
    if row is None:
        raise TokenProblem("unknown", lang)
    round_id, unit_code, used, state, closes_at, instrument_id, version = row
    if state == "draft":
        raise TokenProblem("not_open", lang)
    if state == "closed" or (closes_at is not None and closes_at <= utcnow()):
        raise TokenProblem("closed", lang)
    if used:
        raise TokenProblem("used", lang)
    return code_hash, int(round_id), str(unit_code), load_instrument(instrument_id, version)


def _claim(session: Session, code_hash: str) -> bool:
    """Mark the code used if it still is unused and its round still open."""
    result = session.connection().execute(_CLAIM, {"claim_hash": code_hash, "now": utcnow()})
    return bool(result.rowcount == 1)


def _insert_sealed(session: Session, vault: Vault, key: bytes, instrument: Instrument,
                   round_id: int, unit_code: str, plaintext: bytes) -> None:
    """Seal one padded response and insert it with a plain INSERT (no ORM unit of work)."""
    rid = random_id()
    aad = response_aad(instrument=instrument.id, version=instrument.version, round_id=round_id,
                       unit_code=unit_code, rid=f"r:{rid}")
    blob = vault.seal(key, plaintext, aad)
    session.connection().execute(_INSERT_RESPONSE, {"id": rid, "round_id": round_id,
                                                    "unit_code": unit_code, "sealed": blob})


_SPEND = insert(SpentToken)


def submit_verified(session: Session, vault: Vault, *, round_id: int, unit_code: str,
                    token: str, answers: Any, comment: Any = None, lang: str = "nl") -> Receipt:
    """An answer with a personal token (issue #13): verify, spend, then seal like a card.

    The token must carry a signature by this (round, team)'s issuer key, so a token of
    another team or round is refused. Spending it stores only the SHA-256 of its message;
    the primary key refuses a replay, also when two arrive at once. From there on the
    answer takes exactly the card's path: same validation, same padded seal, same table.
    """
    parsed = parse_token(token)
    if parsed is None:
        raise TokenProblem("invalid", lang)
    msg, sig = parsed
    round_ = session.get(Round, round_id)
    if round_ is None:
        raise TokenProblem("unknown", lang)
    if round_.state == "draft":
        raise TokenProblem("not_open", lang)
    if round_.state == "closed" or (round_.closes_at is not None and round_.closes_at <= utcnow()):
        raise TokenProblem("closed", lang)
    if not token_is_valid(session, round_id, unit_code, msg, sig):
        raise TokenProblem("invalid", lang)
    digest = spent_hash(msg)
    if session.get(SpentToken, digest) is not None:
        raise TokenProblem("used", lang)
    instrument = load_instrument(round_.instrument, round_.version)
    clean, text = validate_answers(instrument, answers, comment, lang)
    plaintext = _padded(instrument, clean, text, lang)
    try:
        session.connection().execute(_SPEND, {"token_hash": digest})
    except IntegrityError:
        raise TokenProblem("used", lang) from None
    key = vault.data_key(session, round_id=round_id, unit_code=unit_code, create=True)
    assert key is not None
    _insert_sealed(session, vault, key, instrument, round_id, unit_code, plaintext)
    return Receipt(round_id=round_id, unit_code=unit_code)
