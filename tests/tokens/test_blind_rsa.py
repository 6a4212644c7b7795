"""The server's blind signature against RFC 9474's own test vectors (Appendix A)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from sentimeter import blind_rsa
from tests.tokens import client

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "rfc9474_vectors.json").read_text())["vectors"]
PSS = [v for v in VECTORS if v["sLen"] == "0x30"]


def _int(text: str) -> int:
    return int(text, 16)


def _key(v: dict[str, Any]) -> rsa.RSAPrivateKey:
    p, q, d, e = _int(v["p"]), _int(v["q"]), _int(v["d"]), _int(v["e"])
    public = rsa.RSAPublicNumbers(e, p * q)
    return rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                 rsa.rsa_crt_iqmp(p, q), public).private_key()


@pytest.mark.parametrize("v", VECTORS, ids=[v["name"] for v in VECTORS])
def test_blind_sign_gives_the_rfc_blind_signature(v: dict[str, Any]) -> None:
    signed = blind_rsa.blind_sign(_key(v), bytes.fromhex(v["blinded_msg"]))
    assert signed.hex() == v["blind_sig"]


@pytest.mark.parametrize("v", PSS, ids=[v["name"] for v in PSS])
def test_finalize_and_verify_match_the_rfc_signature(v: dict[str, Any]) -> None:
    key = _key(v).public_key()
    sig = blind_rsa.finalize(key, bytes.fromhex(v["input_msg"]), bytes.fromhex(v["blind_sig"]),
                             _int(v["inv"]).to_bytes(blind_rsa.modulus_bytes(key), "big"))
    assert sig.hex() == v["sig"]
    assert blind_rsa.verify(key, bytes.fromhex(v["input_msg"]), sig)
    if v["input_msg"] != v["msg"]:  # randomized variants: the prefix is part of what is signed
        assert not blind_rsa.verify(key, bytes.fromhex(v["msg"]), sig)
    assert not blind_rsa.verify(key, bytes.fromhex(v["input_msg"]) + b"x", sig)


def test_the_randomized_vector_is_its_prefix_before_the_message() -> None:
    v = PSS[0]
    assert v["name"] == blind_rsa.SUITE
    assert v["input_msg"] == v["msg_prefix"] + v["msg"]
    assert len(bytes.fromhex(v["msg_prefix"])) == blind_rsa.PREFIX_LENGTH


@pytest.mark.parametrize("v", PSS, ids=[v["name"] for v in PSS])
def test_the_test_client_blinds_exactly_as_the_rfc(v: dict[str, Any]) -> None:
    key = _key(v).public_key()
    n = key.public_numbers().n
    r = pow(_int(v["inv"]), -1, n)
    blinded, inv = client.blind(key, bytes.fromhex(v["input_msg"]),
                                salt=bytes.fromhex(v["salt"]), r=r)
    assert blinded.hex() == v["blinded_msg"]
    assert int.from_bytes(inv, "big") == _int(v["inv"])


def test_a_message_at_or_above_the_modulus_is_refused() -> None:
    key = _key(VECTORS[0])
    n = key.public_key().public_numbers().n
    k = blind_rsa.modulus_bytes(key)
    with pytest.raises(blind_rsa.BlindSignError):
        blind_rsa.blind_sign(key, n.to_bytes(k, "big"))
    with pytest.raises(blind_rsa.BlindSignError):
        blind_rsa.blind_sign(key, b"\x01" * (k - 1))


def test_a_generated_key_signs_a_fresh_token_that_verifies_once_unblinded() -> None:
    key = blind_rsa.generate_key()
    assert key.key_size == 3072
    pending = client.start_token(blind_rsa.public_der(key.public_key()))
    token = pending.finish(blind_rsa.blind_sign(key, pending.blinded))
    msg, sig = (client.unb64(part) for part in token.split("."))
    assert blind_rsa.verify(key.public_key(), msg, sig)
    other = blind_rsa.generate_key().public_key()
    assert not blind_rsa.verify(other, msg, sig)
