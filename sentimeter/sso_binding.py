"""Which account an identity provider's subject logs in as: bound to ``iss`` + ``sub``.

An e-mail address is only a way to find the account the FIRST time a subject signs in, and
only when the provider says it verified that address. From then on the binding decides: a
later change of the e-mail claim (or a look-alike address) cannot move a subject to another
account, and an account bound to one subject cannot be taken over by a second one.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlmodel import Session, select

from sentimeter.accounts import normalise_email
from sentimeter.audit import record
from sentimeter.models import SsoBinding, User


class SsoRefused(Exception):
    """No account may be logged in for these claims; ``reason`` is for the log, not secret."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _subject(claims: dict[str, Any]) -> tuple[str, str]:
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str) or not issuer or not subject:
        raise SsoRefused("no_subject")
    if len(issuer) > 255 or len(subject) > 255:
        raise SsoRefused("subject_too_long")
    return issuer, subject


def claimed_address(claims: dict[str, Any], claim: str) -> str:
    """The normalised address in ``claim``; an ``email`` claim must be marked verified."""
    value = claims.get(claim)
    if not isinstance(value, str) or "@" not in value:
        raise SsoRefused("no_address")
    if claim == "email" and claims.get("email_verified") is not True:
        raise SsoRefused("email_not_verified")
    if unicodedata.normalize("NFKC", value) != value:
        # compatibility characters (KELVIN SIGN for K, full-width letters) spell an address
        # that only *looks* like an account's: refused rather than guessed at
        raise SsoRefused("address_not_normalised")
    return normalise_email(value)


def _by_address(db: Session, address: str) -> User:
    """The one account whose address is the same after NFKC and casefold; never a guess."""
    matches = [user for user in db.exec(select(User))
               if normalise_email(user.email) == address]
    if not matches:
        raise SsoRefused("no_account")
    if len(matches) > 1:
        raise SsoRefused("ambiguous_account")
    return matches[0]


def account_for(db: Session, claims: dict[str, Any], claim: str = "email") -> User:
    """The account these validated ID-token claims log in as; binds it on first use."""
    issuer, subject = _subject(claims)
    binding = db.get(SsoBinding, (issuer, subject))
    if binding is not None:
        user = db.get(User, binding.user_id)
        if user is None:
            raise SsoRefused("bound_account_gone")
        return user
    user = _by_address(db, claimed_address(claims, claim))
    taken = db.exec(select(SsoBinding).where(SsoBinding.user_id == user.id)).first()
    if taken is not None:
        raise SsoRefused("account_bound_to_another_subject")
    assert user.id is not None
    db.add(SsoBinding(issuer=issuer, subject=subject, user_id=user.id))
    record(db, actor=user.email, action="sso_bind", target=f"user:{user.id}",
           detail=f"iss={issuer} sub={subject}")
    db.flush()
    return user
