"""Accounts: argon2 hashes, the password policy, failure counting per e-mail."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from sentimeter.accounts import (
    MAX_FAILURES,
    AccountError,
    authenticate,
    create_user,
    locked_for,
    password_problems,
)
from sentimeter.models import LoginTicket, User
from surveys.org import OrgRow


@pytest.mark.parametrize("password", ["short-9", "aaaaaaaaaaaaaaaa", "x" * 257,
                                      "alice-the-officer-2026"])
def test_weak_passwords_are_refused(password: str) -> None:
    assert password_problems(password, "alice-the-officer@politie.test")


def test_a_good_password_is_accepted_and_stored_only_as_argon2(
        db: Session, org: list[OrgRow]) -> None:
    user = create_user(db, email=" Eve@Politie.test ", role="analyst", unit_code="NP",
                       password="lang-genoeg-wachtwoord-7")
    assert user.email == "eve@politie.test"
    assert user.password_hash.startswith("$argon2id$")
    assert "lang-genoeg" not in user.password_hash
    with pytest.raises(AccountError, match="Password refused"):
        create_user(db, email="f@politie.test", role="analyst", unit_code="NP", password="kort")
    db.commit()  # a login ticket is taken in its own transaction (sentimeter/lockout.py)
    assert authenticate(db, "EVE@politie.test", "lang-genoeg-wachtwoord-7") is not None


def test_failures_are_counted_by_a_hash_not_the_address(db: Session, org: list[OrgRow]) -> None:
    for _ in range(MAX_FAILURES):
        assert authenticate(db, "ghost@politie.test", "nope") is None
    assert locked_for(db, "GHOST@politie.test ") > 0
    keys = [a.key for a in db.exec(select(LoginTicket))]
    assert keys and all("ghost" not in k for k in keys)
    assert db.exec(select(User)).first() is None


def test_production_hashing_uses_rfc_9106_strength_while_tests_run_cheap() -> None:
    """The suite swaps in cheap Argon2 parameters for speed; production keeps the strong ones."""
    from argon2 import Type

    from sentimeter import accounts

    strong = accounts.PRODUCTION_HASHER
    assert strong.type is Type.ID
    assert strong.time_cost >= 3 and strong.memory_cost >= 64 * 1024 and strong.parallelism >= 1
    assert accounts._hasher is not strong and accounts._hasher.memory_cost < strong.memory_cost
    stored = strong.hash("lang-genoeg-wachtwoord-7")
    assert "$m=65536,t=3" in stored
