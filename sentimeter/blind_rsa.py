"""RSA blind signatures, RSABSSA-SHA384-PSS-Randomized of RFC 9474: the server's half.

The browser prepares, blinds and finalizes (``@cloudflare/blindrsa-ts``, bundled into
web/static); the server only signs a blinded message and later verifies a finished token.
Verification is plain RSASSA-PSS (SHA-384, MGF1-SHA-384, salt 48 bytes) on the prepared
message, done by ``cryptography``. ``cryptography`` has no raw RSA private-key operation, so
``blind_sign`` follows RFC 9474 section 4.3 by hand: RSASP1 with CRT, and the RFC's check that
the result verifies (RSAVP1) before anything is returned -- a faulty CRT step would otherwise
leak a factor of the modulus. Python's ``pow`` is not constant-time, so the exponentiation is
done on a freshly randomised input (base blinding: ``m * r^e``, unblinded by ``r^-1``), which
makes its timing independent of the message the client sent.
"""

from __future__ import annotations

import hashlib
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SUITE = "RSABSSA-SHA384-PSS-Randomized"
KEY_BITS = 3072
PUBLIC_EXPONENT = 65537
SALT_LENGTH = 48  # RFC 9474 section 5: sLen = hLen for the PSS variants
PREFIX_LENGTH = 32  # the "Randomized" prepare step: 32 random bytes before the message


class BlindSignError(ValueError):
    """The blinded message cannot be signed (out of range, wrong length) or signing failed."""


def generate_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_BITS)


def modulus_bytes(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> int:
    return (key.key_size + 7) // 8


def prepare(msg: bytes) -> bytes:
    """RFC 9474 section 4.1, randomized: a 32-byte random prefix, so messages never repeat."""
    return secrets.token_bytes(PREFIX_LENGTH) + msg


def blind_sign(key: rsa.RSAPrivateKey, blinded_msg: bytes) -> bytes:
    """RFC 9474 section 4.3 BlindSign: RSASP1 on the blinded message, checked by RSAVP1."""
    numbers = key.private_numbers()
    public = numbers.public_numbers
    n, e = public.n, public.e
    k = modulus_bytes(key)
    if len(blinded_msg) != k:
        raise BlindSignError("blinded message has the wrong length")
    m = int.from_bytes(blinded_msg, "big")
    if m >= n:
        raise BlindSignError("message representative out of range")
    r = _unit_mod(n)
    s = (_rsasp1_crt(numbers, (m * pow(r, e, n)) % n) * pow(r, -1, n)) % n
    if pow(s, e, n) != m:  # RSAVP1: never hand out a faulty signature
        raise BlindSignError("signing failure")
    return s.to_bytes(k, "big")


def _unit_mod(n: int) -> int:
    """A random r in [2, n) coprime to n (a non-unit would reveal a factor; never happens)."""
    while True:
        r = secrets.randbelow(n - 2) + 2
        try:
            pow(r, -1, n)
        except ValueError:
            continue
        return r


def _rsasp1_crt(numbers: rsa.RSAPrivateNumbers, m: int) -> int:
    """RSASP1 (RFC 8017 section 5.2.1, second form): m^d mod n via the CRT."""
    s1 = pow(m, numbers.dmp1, numbers.p)
    s2 = pow(m, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (s1 - s2)) % numbers.p
    return s2 + numbers.q * h


def finalize(key: rsa.RSAPublicKey, input_msg: bytes, blind_sig: bytes, inv: bytes) -> bytes:
    """RFC 9474 section 4.4 Finalize (the client's step; here for tests and the CLI)."""
    n = key.public_numbers().n
    k = modulus_bytes(key)
    s = (int.from_bytes(blind_sig, "big") * int.from_bytes(inv, "big")) % n
    sig = s.to_bytes(k, "big")
    if not verify(key, input_msg, sig):
        raise BlindSignError("the finalized signature does not verify")
    return sig


def verify(key: rsa.RSAPublicKey, input_msg: bytes, sig: bytes) -> bool:
    """RFC 9474 section 4.5: RSASSA-PSS-VERIFY of the prepared message, by ``cryptography``."""
    if len(sig) != modulus_bytes(key):
        return False
    try:
        key.verify(sig, input_msg,
                   padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_LENGTH),
                   hashes.SHA384())
    except InvalidSignature:
        return False
    return True


def public_der(key: rsa.RSAPublicKey) -> bytes:
    """SubjectPublicKeyInfo (DER), the form WebCrypto's ``importKey('spki')`` reads."""
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public(der: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_der_public_key(der)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def private_der(key: rsa.RSAPrivateKey) -> bytes:
    """PKCS#8 DER, unencrypted: the caller seals it (vault) before it is stored."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private(der: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def fingerprint(der: bytes) -> str:
    """SHA-256 of the public key's DER, grouped for reading aloud and comparing by eye."""
    digest = hashlib.sha256(der).hexdigest()[:32].upper()
    return " ".join(digest[i:i + 4] for i in range(0, len(digest), 4))
