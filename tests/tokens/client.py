"""An officer's browser, in Python, for tests: RFC 9474 prepare, blind and finalize.

The real browser uses @cloudflare/blindrsa-ts; this stand-in lets API tests run the whole
protocol without one. It is checked against the RFC's test vectors (test_blind_rsa.py), so
a test passing through it exercises the same messages a browser would send.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from sentimeter import blind_rsa

H_LEN = 48  # SHA-384


def _mgf1(seed: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha384(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def emsa_pss_encode(msg: bytes, mod_bits: int, salt: bytes) -> bytes:
    """RFC 8017 section 9.1.1 with SHA-384 and MGF1-SHA-384."""
    em_bits = mod_bits - 1
    em_len = (em_bits + 7) // 8
    m_hash = hashlib.sha384(msg).digest()
    h = hashlib.sha384(b"\x00" * 8 + m_hash + salt).digest()
    db = b"\x00" * (em_len - len(salt) - H_LEN - 2) + b"\x01" + salt
    masked = bytearray(a ^ b for a, b in zip(db, _mgf1(h, em_len - H_LEN - 1), strict=True))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    return bytes(masked) + h + b"\xbc"


def blind(key: rsa.RSAPublicKey, input_msg: bytes, *, salt: bytes | None = None,
          r: int | None = None) -> tuple[bytes, bytes]:
    """RFC 9474 section 4.2 Blind: (blinded_msg, inv)."""
    numbers = key.public_numbers()
    n, e = numbers.n, numbers.e
    k = blind_rsa.modulus_bytes(key)
    encoded = emsa_pss_encode(input_msg, key.key_size,
                              salt if salt is not None else secrets.token_bytes(48))
    m = int.from_bytes(encoded, "big")
    r = r if r is not None else secrets.randbelow(n - 2) + 2
    blinded = (m * pow(r, e, n)) % n
    return blinded.to_bytes(k, "big"), pow(r, -1, n).to_bytes(k, "big")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Pending:
    """A token being made: the prepared message and the inverse the browser keeps."""

    input_msg: bytes
    blinded: bytes
    inv: bytes
    key: rsa.RSAPublicKey

    def finish(self, blind_sig: bytes) -> str:
        """The finished token as the answer form carries it: ``msg.sig`` in base64url."""
        sig = blind_rsa.finalize(self.key, self.input_msg, blind_sig, self.inv)
        return f"{b64(self.input_msg)}.{b64(sig)}"


def start_token(public_der: bytes) -> Pending:
    key = blind_rsa.load_public(public_der)
    input_msg = blind_rsa.prepare(secrets.token_bytes(32))
    blinded, inv = blind(key, input_msg)
    return Pending(input_msg=input_msg, blinded=blinded, inv=inv, key=key)
