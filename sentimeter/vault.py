"""The key vault: master key, wrapped data keys, sealing with AES-256-GCM.

A copy of the database (or a backup) holds only ciphertext and wrapped keys; without the
master key it reveals no answer. Each (round, team) has its own data key so that
retention can destroy one round's keys (crypto-shredding) and rotation can re-wrap keys
without touching responses.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from sentimeter.models import DataKey, Secret
from sentimeter.settings import Settings

NONCE_BYTES = 12
KEY_BYTES = 32


class KeyError_(RuntimeError):
    """The master key is missing, malformed or not the one the database was sealed with."""


@dataclass(frozen=True)
class MasterKey:
    id: str
    key: bytes

    def __repr__(self) -> str:  # never print key material
        return f"MasterKey(id={self.id!r})"

    def serialise(self) -> str:
        return f"{self.id}:{base64.b64encode(self.key).decode()}"


def generate_master_key() -> MasterKey:
    return MasterKey(id=secrets.token_hex(4), key=AESGCM.generate_key(bit_length=256))


def parse_master_key(text: str, *, source: str) -> MasterKey:
    """Parse ``id:base64``; a malformed key is a clear error, never a silent fallback."""
    key_id, sep, encoded = text.strip().partition(":")
    if not sep or not key_id or len(key_id) > 64:
        raise KeyError_(f"The master key from {source} is not of the form `id:base64`.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyError_(f"The master key from {source} is not valid base64.") from exc
    if len(raw) != KEY_BYTES:
        raise KeyError_(f"The master key from {source} must be 32 bytes, got {len(raw)}.")
    return MasterKey(id=key_id, key=raw)


def write_key_file(path: Path, key: MasterKey) -> None:
    """Create a key file readable by the owner only (0600), refusing to overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.serialise() + "\n")


def load_master_key(settings: Settings, *, create: bool = False) -> tuple[MasterKey, bool]:
    """Return the master key and whether it was generated just now.

    Only the embedded default may generate a key; anywhere else a missing key stops start-up.
    """
    if settings.master_key:
        return parse_master_key(settings.master_key, source="SENTIMETER_MASTER_KEY"), False
    path = settings.key_file
    if path is None:
        raise KeyError_(
            "No master key configured: set SENTIMETER_MASTER_KEY or SENTIMETER_MASTER_KEY_FILE."
        )
    if path.exists():
        return parse_master_key(path.read_text(), source=str(path)), False
    database = settings.data_dir / "sentimeter.db"
    if create and settings.embedded and database.exists() and database.stat().st_size > 0:
        # The key is made before the database, so a database without its key means the key
        # was lost: a fresh one would lock the sealed answers away and hide the real problem.
        raise KeyError_(f"The master key file {path} is missing, but the database {database} "
                        "exists and was sealed with it. Restore the key file from your backup.")
    if create and settings.embedded:
        key = generate_master_key()
        write_key_file(path, key)
        return key, True
    raise KeyError_(f"The master key file {path} does not exist. Restore it, or point "
                    "SENTIMETER_MASTER_KEY_FILE at the right file.")


TAG_BYTES = 16


def sealed_length(plaintext_size: int) -> int:
    """Length of the ciphertext of a plaintext of this size: nonce + ciphertext + tag."""
    return NONCE_BYTES + plaintext_size + TAG_BYTES


def _aesgcm_seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _aesgcm_open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)


def response_aad(*, instrument: str, version: int, round_id: int, unit_code: str,
                 rid: str) -> bytes:
    """Associated data binding a ciphertext to its instrument version, round, team and id."""
    return f"sentimeter/v1|{instrument}|{version}|{round_id}|{unit_code}|{rid}".encode()


def _key_context(round_id: int, unit_code: str) -> bytes:
    return f"datakey|{round_id}|{unit_code}".encode()


def _secret_context(name: str) -> bytes:
    return f"secret|{name}".encode()


class Vault:
    """Wraps, unwraps and uses keys. One per process; holds no per-request state."""

    def __init__(self, master: MasterKey) -> None:
        self.master = master
        self._cache: dict[tuple[int, str], bytes] = {}
        self._secrets: dict[str, bytes] = {}
        self._lock = threading.Lock()

    # -- data keys ------------------------------------------------------------------
    def _unwrap(self, row_key_id: str, wrapped: bytes, context: bytes) -> bytes:
        if row_key_id != self.master.id:
            raise KeyError_(
                f"This data was wrapped with master key '{row_key_id}', but key "
                f"'{self.master.id}' is configured. Start with the right key."
            )
        try:
            return _aesgcm_open(self.master.key, wrapped, context)
        except InvalidTag as exc:
            raise KeyError_(
                f"The configured master key '{self.master.id}' does not unwrap the stored keys: "
                "it is the wrong key for this database."
            ) from exc

    def data_key(self, session: Session, *, round_id: int, unit_code: str,
                 create: bool = False) -> bytes | None:
        """The (round, team) data key, created on first use when ``create``."""
        cached = self._cache.get((round_id, unit_code))
        if cached is not None:
            return cached
        row = session.get(DataKey, (round_id, unit_code))
        if row is None:
            if not create:
                return None
            created = self._create_data_key(session, round_id, unit_code)
            if created is not None:
                return created  # not cached: it only counts once this transaction commits
            row = session.get(DataKey, (round_id, unit_code))
            assert row is not None
        key = self._unwrap(row.master_key_id, row.wrapped, _key_context(round_id, unit_code))
        with self._lock:
            self._cache[(round_id, unit_code)] = key
        return key

    def _create_data_key(self, session: Session, round_id: int, unit_code: str) -> bytes | None:
        """Insert a new data key; None when another transaction created one first.

        Two first answers of one team can race (several workers on PostgreSQL): the loser's
        insert fails on the primary key inside a savepoint, and it uses the winner's key.
        """
        key = AESGCM.generate_key(bit_length=256)
        row = DataKey(round_id=round_id, unit_code=unit_code, master_key_id=self.master.id,
                      wrapped=_aesgcm_seal(self.master.key, key, _key_context(round_id, unit_code)))
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return None
        return key

    def forget(self, round_id: int) -> None:
        """Drop cached keys of a round (after close or retention)."""
        with self._lock:
            for cache_key in [c for c in self._cache if c[0] == round_id]:
                del self._cache[cache_key]

    def seal(self, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
        return _aesgcm_seal(key, plaintext, aad)

    def open(self, key: bytes, blob: bytes, aad: bytes) -> bytes:
        return _aesgcm_open(key, blob, aad)

    # -- installation secrets -------------------------------------------------------
    def secret(self, session: Session, name: str) -> bytes:
        """A 32-byte installation secret, created once and shared by every worker."""
        cached = self._secrets.get(name)
        if cached is not None:
            return cached
        row = session.get(Secret, name)
        if row is None:
            value = secrets.token_bytes(KEY_BYTES)
            try:  # workers starting together may race to create it; the first one wins
                with session.begin_nested():
                    session.add(Secret(name=name, master_key_id=self.master.id,
                                       wrapped=_aesgcm_seal(self.master.key, value,
                                                            _secret_context(name))))
            except IntegrityError:
                row = session.get(Secret, name)
                assert row is not None
            else:
                return value  # not cached: it only counts once this transaction commits
        value = self._unwrap(row.master_key_id, row.wrapped, _secret_context(name))
        with self._lock:  # secrets never change (rotation re-wraps the same value)
            self._secrets[name] = value
        return value

    def check(self, session: Session) -> tuple[int, list[str]]:
        """Unwrap every stored key; return how many were checked and the problems found."""
        problems: list[str] = []
        checked = 0
        for secret_row in session.exec(select(Secret)):
            checked += 1
            try:
                self._unwrap(secret_row.master_key_id, secret_row.wrapped,
                             _secret_context(secret_row.name))
            except KeyError_ as exc:
                problems.append(f"secret {secret_row.name}: {exc}")
        for key_row in session.exec(select(DataKey)):
            checked += 1
            try:
                self._unwrap(key_row.master_key_id, key_row.wrapped,
                             _key_context(key_row.round_id, key_row.unit_code))
            except KeyError_ as exc:
                problems.append(f"data key {key_row.round_id}/{key_row.unit_code}: {exc}")
        return checked, problems

    def rotate(self, session: Session, new: MasterKey) -> int:
        """Re-wrap every data key and secret under ``new``; responses stay untouched."""
        count = 0
        for secret_row in session.exec(select(Secret)):
            value = self._unwrap(secret_row.master_key_id, secret_row.wrapped,
                                 _secret_context(secret_row.name))
            secret_row.wrapped = _aesgcm_seal(new.key, value, _secret_context(secret_row.name))
            secret_row.master_key_id = new.id
            session.add(secret_row)
            count += 1
        for key_row in session.exec(select(DataKey)):
            context = _key_context(key_row.round_id, key_row.unit_code)
            value = self._unwrap(key_row.master_key_id, key_row.wrapped, context)
            key_row.wrapped = _aesgcm_seal(new.key, value, context)
            key_row.master_key_id = new.id
            session.add(key_row)
            count += 1
        self.master = new
        with self._lock:
            self._cache.clear()
            self._secrets.clear()
        return count
