"""Listing and removing accounts, shared by the CLI and the admin pages.

Removing an account deletes its row: the session check in ``web.auth`` looks the account up
on every request, so a removed account loses access at its next click. The audit log keeps
the e-mail address as plain text, so past events stay readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sentimeter.accounts import AccountError, normalise_email
from sentimeter.models import User


@dataclass(frozen=True)
class AccountRow:
    """What an administrator may see of an account (never its password hash)."""

    id: int
    email: str
    role: str
    unit_code: str
    created_at: datetime
    sso_only: bool


def list_users(session: Session) -> list[AccountRow]:
    """Every account, by e-mail address."""
    return [AccountRow(id=u.id or 0, email=u.email, role=u.role, unit_code=u.unit_code,
                       created_at=u.created_at, sso_only=not u.password_hash)
            for u in session.exec(select(User).order_by(col(User.email)))]


def remove_user(session: Session, email: str) -> User:
    """Delete an account; the last administrator cannot be removed (nobody could log in to
    administer again)."""
    address = normalise_email(email)
    user = session.exec(select(User).where(User.email == address)).first()
    if user is None:
        raise AccountError(f"There is no account {address}.")
    if user.role == "admin":
        admins = session.exec(select(User).where(User.role == "admin")).all()
        if len(admins) <= 1:
            raise AccountError(f"{address} is the last administrator; add another "
                               "administrator before removing this one.")
    session.delete(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise AccountError(f"{address} is still referenced (for example by a pending "
                           "approval); resolve that first.") from exc
    return user
