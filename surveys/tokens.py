"""Personal tokens: one blind-signed token per officer per round (RFC 9474), issue #13.

The server learns who asks for a token (roster or single sign-on) but never sees the token:
it signs a blinded message. Later it sees the token with an answer but cannot tell whom it
signed it for, because every token of a team was signed with the same key. What it keeps:

- issuer store: ``token_issuance`` (one hash of officer and round) -- "has had the token";
- answer store: ``token_key`` (round, team, key, count of tokens) and ``spent_token`` (SHA-256
  of a redeemed token's message).

A team's tokens and cards together never exceed its headcount (``remaining_capacity``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sentimeter import blind_rsa
from sentimeter.models import Round, Unit, utcnow
from sentimeter.token_models import RosterOfficer, TokenIssuance, TokenKey
from sentimeter.vault import Vault
from surveys import codes
from surveys.org import Tree

_PEPPER_NAME = "officer-pepper"
OFFICER_ID_MAX = 128


class TokenRefused(Exception):
    """A token cannot be issued; ``kind`` names why (the page explains it), ``status`` is HTTP."""

    status_by_kind = {"already": 409, "full": 409, "closed": 410, "not_open": 410,
                      "outside": 403, "unknown_round": 404, "bad_request": 400,
                      "no_team": 403, "busy": 503}

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.status = self.status_by_kind[kind]


@dataclass(frozen=True)
class Officer:
    """Who asks for a token: a keyed hash of their id, and the team the roster or IdP names."""

    officer_hash: str
    unit_code: str


def officer_hash(session: Session, vault: Vault, officer_id: str) -> str:
    """Keyed hash, so neither store holds officer ids a copy could be searched for."""
    pepper = vault.secret(session, _PEPPER_NAME)
    return hmac.new(pepper, officer_id.strip().lower().encode(), hashlib.sha256).hexdigest()


def _enrol_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- roster ------------------------------------------------------------------------------------

def import_roster(main: Session, issuer: Session, vault: Vault,
                  rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Add or move officers (id, team); return (id, one-time enrolment secret) per row."""
    units = {u.code for u in main.exec(select(Unit)).all()}
    problems = [f"line {n}: unknown team {team!r}" for n, (_, team) in enumerate(rows, 1)
                if team not in units]
    problems += [f"line {n}: officer id must be 1-{OFFICER_ID_MAX} characters"
                 for n, (oid, _) in enumerate(rows, 1)
                 if not oid.strip() or len(oid) > OFFICER_ID_MAX]
    if problems:
        raise ValueError("; ".join(problems))
    links = []
    for officer_id, team in rows:
        key = officer_hash(main, vault, officer_id)
        secret = secrets.token_urlsafe(24)
        row = issuer.get(RosterOfficer, key) or RosterOfficer(officer_hash=key, unit_code=team)
        row.unit_code, row.enrol_hash = team, _enrol_hash(secret)
        issuer.add(row)
        links.append((officer_id, secret))
    issuer.flush()
    return links


def enrol(issuer: Session, secret: str) -> Officer | None:
    """Use up a one-time enrolment secret; the officer it named, or None."""
    if not secret or len(secret) > 64:
        return None
    row = issuer.exec(select(RosterOfficer)
                      .where(RosterOfficer.enrol_hash == _enrol_hash(secret))).first()
    if row is None:
        return None
    row.enrol_hash = None
    issuer.add(row)
    issuer.flush()
    return Officer(officer_hash=row.officer_hash, unit_code=row.unit_code)


def roster_team(issuer: Session, key: str) -> str | None:
    row = issuer.get(RosterOfficer, key)
    return row.unit_code if row else None


# -- keys --------------------------------------------------------------------------------------

def issuer_key(main: Session, vault: Vault, round_id: int, unit_code: str) -> TokenKey:
    """The (round, team) issuer key, made on first use; its private half sealed by the vault."""
    row = main.get(TokenKey, (round_id, unit_code))
    if row is not None:
        return row
    data_key = vault.data_key(main, round_id=round_id, unit_code=unit_code, create=True)
    assert data_key is not None
    private = blind_rsa.generate_key()
    row = TokenKey(round_id=round_id, unit_code=unit_code,
                   public_der=blind_rsa.public_der(private.public_key()),
                   sealed_private=vault.seal(data_key, blind_rsa.private_der(private),
                                             _key_aad(round_id, unit_code)))
    main.add(row)
    try:
        main.flush()
    except IntegrityError:  # another worker made it at the same moment: ask to try again
        raise TokenRefused("busy") from None
    return row


def _key_aad(round_id: int, unit_code: str) -> bytes:
    return f"token-key|{round_id}|{unit_code}".encode()


def _private_key(main: Session, vault: Vault, row: TokenKey) -> RSAPrivateKey:
    data_key = vault.data_key(main, round_id=row.round_id, unit_code=row.unit_code)
    if data_key is None:
        raise TokenRefused("closed")  # keys destroyed: the round is over
    return blind_rsa.load_private(vault.open(data_key, row.sealed_private,
                                             _key_aad(row.round_id, row.unit_code)))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def published_keys(main: Session) -> list[dict[str, object]]:
    """Every issuer key of every open round: one list, identical for everyone who asks."""
    rows = main.exec(select(TokenKey).join(Round, col(Round.id) == col(TokenKey.round_id))
                     .where(Round.state == "open")
                     .order_by(col(TokenKey.round_id), col(TokenKey.unit_code))).all()
    return [{"round": r.round_id, "team": r.unit_code, "spki": b64(r.public_der),
             "fingerprint": blind_rsa.fingerprint(r.public_der)} for r in rows]


# -- issuance ----------------------------------------------------------------------------------

def open_round_for(main: Session, round_id: int, unit_code: str) -> Round:
    """The round, if it is open and the team is inside its target; TokenRefused otherwise."""
    round_ = main.get(Round, round_id)
    if round_ is None:
        raise TokenRefused("unknown_round")
    if round_.state == "draft":
        raise TokenRefused("not_open")
    if round_.state == "closed" or (round_.closes_at is not None and round_.closes_at <= utcnow()):
        raise TokenRefused("closed")
    tree = Tree.load(main)
    if unit_code not in tree.units or not tree.is_within(unit_code, round_.unit_code):
        raise TokenRefused("outside")  # also a team an identity provider names that we lack
    return round_


def remaining_capacity(main: Session, round_id: int, unit_code: str) -> int:
    """The team's cap minus its cards and tokens of this round (never below zero): the one
    cap of surveys.codes (headcount frozen when the round opened, issue #11)."""
    round_ = main.get(Round, round_id)
    return codes.remaining_capacity(main, round_, unit_code) if round_ is not None else 0


def issuance_entry(officer: Officer, round_id: int) -> str:
    """The issuance record's one column: a hash of (officer, round), nothing to join on."""
    return hashlib.sha256(f"{officer.officer_hash}|{round_id}".encode()).hexdigest()


def has_token(issuer: Session, officer: Officer, round_id: int) -> bool:
    return issuer.get(TokenIssuance, issuance_entry(officer, round_id)) is not None


def issue(main: Session, issuer: Session, vault: Vault, *, officer: Officer, round_id: int,
          blinded: bytes) -> bytes:
    """Sign one blinded token for the officer's team, once per round; the caller commits.

    The issuance row comes first (its primary key refuses a second token; on a refusal the
    caller rolls both sessions back), then the team's
    count goes up only while cards plus tokens stay below headcount (a conditional UPDATE,
    so two officers racing for the last place cannot both get it). Commit the answer store
    first, then the issuer store: a failure in between over-counts, never under-counts.
    """
    open_round_for(main, round_id, officer.unit_code)
    if has_token(issuer, officer, round_id):
        raise TokenRefused("already")
    issuer.add(TokenIssuance(entry=issuance_entry(officer, round_id)))
    try:
        issuer.flush()
    except IntegrityError:  # the same officer, twice at once
        raise TokenRefused("already") from None
    key = issuer_key(main, vault, round_id, officer.unit_code)
    if not _count(main, key, remaining_capacity(main, round_id, officer.unit_code)):
        raise TokenRefused("full")
    try:
        return blind_rsa.blind_sign(_private_key(main, vault, key), blinded)
    except blind_rsa.BlindSignError:
        raise TokenRefused("bad_request") from None


def _count(main: Session, key: TokenKey, remaining: int) -> bool:
    """Add one to the key's count while it stays within the room there was when we looked.

    One conditional UPDATE: of two officers racing for the last place, the second one's
    UPDATE waits for the first and then finds the condition false.
    """
    if remaining <= 0:
        return False
    limit = key.issued + remaining
    result = main.connection().execute(
        update(TokenKey).where(col(TokenKey.round_id) == key.round_id)
        .where(col(TokenKey.unit_code) == key.unit_code)
        .where(col(TokenKey.issued) < limit).values(issued=col(TokenKey.issued) + 1))
    main.expire(key)
    return bool(result.rowcount == 1)


# -- redemption (used by surveys.intake.submit_verified) ----------------------------------------

def parse_token(text: str) -> tuple[bytes, bytes] | None:
    """``msg.sig`` in base64url -> (prepared message, signature), or None when malformed."""
    if not isinstance(text, str) or len(text) > 2048 or text.count(".") != 1:
        return None
    msg_text, sig_text = text.split(".")
    try:
        msg, sig = unb64(msg_text), unb64(sig_text)
    except (ValueError, TypeError):
        return None
    if not blind_rsa.PREFIX_LENGTH < len(msg) <= 256:
        return None
    return msg, sig


def token_is_valid(main: Session, round_id: int, unit_code: str, msg: bytes, sig: bytes) -> bool:
    """True when the signature is by this (round, team)'s issuer key."""
    row = main.get(TokenKey, (round_id, unit_code))
    if row is None:
        return False
    return blind_rsa.verify(blind_rsa.load_public(row.public_der), msg, sig)


def spent_hash(msg: bytes) -> str:
    return hashlib.sha256(msg).hexdigest()
