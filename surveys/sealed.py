"""The plaintext layout of sealed rows: fixed sizes, so a ciphertext's length says nothing.

AES-GCM hides the content of an answer but not its length. Unpadded, the length of a sealed
response gives away which items were skipped and how long its comment is. So every plaintext
is framed and padded with zeros to a size that depends only on the instrument:

- an *open* response (at intake) carries the ratings and the comment together, padded to
  room for every item with its widest value plus the longest possible comment in UTF-8;
  no separate comment row exists while the round is open, so nothing stored (row, page,
  transaction) ties a comment to its ratings;
- a *closed* response (rewritten at close) carries the ratings only, padded to room for
  every item;
- a comment split out at close is padded to a multiple of ``COMMENT_BUCKET`` bytes (its
  length bucket is no link: the comment then shares nothing with any response).

Layout: one version byte, then for each part a two-byte big-endian length and the bytes,
then zeros. Rows sealed before this layout (plain JSON, starting with ``{``) still open.
"""

from __future__ import annotations

import json
import struct
from functools import cache
from typing import Any

from surveys.instrument import Instrument, load_instrument

FORMAT = 1
COMMENT_BUCKET = 256
UTF8_MAX = 4  # bytes per character
_LENGTH = struct.Struct(">H")


class SealedTooLarge(ValueError):
    """The parts do not fit the instrument's fixed size (a comment longer than allowed)."""


def _ratings_json(answers: dict[str, int]) -> bytes:
    return json.dumps(answers, separators=(",", ":"), sort_keys=True).encode()


@cache
def ratings_room(instrument_id: str, version: int) -> int:
    """Bytes of the ratings of a full answer with every item at its widest value."""
    instrument = load_instrument(instrument_id, version)
    widest = {item.id: max(item.values, key=lambda v: len(str(v))) for item in instrument.items}
    return len(_ratings_json(widest))


def comment_room(instrument: Instrument) -> int:
    """Bytes for the longest comment the instrument allows (0 when comments are off)."""
    if not instrument.comment.enabled:
        return 0
    return UTF8_MAX * instrument.comment.max_length


def open_size(instrument: Instrument) -> int:
    """Plaintext size of every response of this instrument while its round is open."""
    return 1 + 2 * _LENGTH.size + ratings_room(instrument.id, instrument.version) \
        + comment_room(instrument)


def closed_size(instrument: Instrument) -> int:
    """Plaintext size of every response of this instrument after its round closed."""
    return 1 + 2 * _LENGTH.size + ratings_room(instrument.id, instrument.version)


def _frame(parts: list[bytes], size: int) -> bytes:
    body = bytes([FORMAT]) + b"".join(_LENGTH.pack(len(p)) + p for p in parts)
    if len(body) > size:
        raise SealedTooLarge(f"{len(body)} bytes do not fit in {size}")
    return body + bytes(size - len(body))


def _unframe(plain: bytes, count: int) -> list[bytes]:
    if plain[:1] != bytes([FORMAT]):
        raise ValueError("unknown sealed layout")
    parts, at = [], 1
    for _ in range(count):
        (length,) = _LENGTH.unpack_from(plain, at)
        at += _LENGTH.size
        parts.append(plain[at:at + length])
        at += length
    return parts


def pack_open(instrument: Instrument, answers: dict[str, int], comment: str | None) -> bytes:
    """Ratings and comment of one answer, padded to the instrument's open size."""
    text = (comment or "").encode()
    if len(text) > comment_room(instrument):
        raise SealedTooLarge("comment too long")
    return _frame([_ratings_json(answers), text], open_size(instrument))


def pack_closed(instrument: Instrument, answers: dict[str, int]) -> bytes:
    """Ratings only, padded to the instrument's closed size."""
    return _frame([_ratings_json(answers), b""], closed_size(instrument))


def pack_comment(comment: str) -> bytes:
    """A split-out comment, padded up to the next multiple of ``COMMENT_BUCKET``."""
    text = comment.encode()
    used = 1 + _LENGTH.size + len(text)
    size = -(-used // COMMENT_BUCKET) * COMMENT_BUCKET
    return _frame([text], size)


def unpack_response(plain: bytes) -> tuple[dict[str, Any], str | None]:
    """(ratings, comment or None) from any response layout, old or padded."""
    if plain[:1] == b"{":  # sealed before padding: {"a": {...}}
        legacy: dict[str, Any] = json.loads(plain)
        return dict(legacy["a"]), legacy.get("c")
    ratings, text = _unframe(plain, 2)
    return dict(json.loads(ratings)), (text.decode() or None)


def unpack_comment(plain: bytes) -> str:
    """The text of a comment row, old (``{"c": ...}``) or padded."""
    if plain[:1] == b"{":
        return str(json.loads(plain)["c"])
    return _unframe(plain, 1)[0].decode()
