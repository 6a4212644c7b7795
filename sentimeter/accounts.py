"""Leader, analyst and administrator accounts: argon2 hashes and a password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from sentimeter import lockout
from sentimeter.models import ROLES, Unit, User

# argon2-cffi's defaults (RFC 9106 "second recommended option": t=3, m=64 MiB, p=4).
PRODUCTION_HASHER = PasswordHasher()
# Replaced only by the test suite (tests/conftest.py) with cheap parameters.
_hasher = PRODUCTION_HASHER


@cache
def _dummy_hash(parameters: tuple[int, int, int]) -> str:
    """A hash verified against when the account does not exist, so timing does not reveal
    accounts; made on first use (not at import) with the current hasher's parameters."""
    return _hasher.hash("not-a-real-password-for-timing-only")

MIN_PASSWORD = 12
MAX_FAILURES = lockout.MAX_TRIES


def _parameters() -> tuple[int, int, int]:
    return (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)


class AccountError(ValueError):
    """An account could not be created; the message says what to change."""


ADMIN_ROLE = "admin"
VIEWING_ROLES: tuple[str, ...] = tuple(r for r in ROLES if r != ADMIN_ROLE)


def is_viewing(role: str) -> bool:
    """A role that reads figures (separation of duties: never held by an administrator)."""
    return role in VIEWING_ROLES


def change_role(session: Session, *, email: str, role: str, unit_code: str) -> User:
    """Give an existing account another viewing role or unit (only ever via a decision that
    the caller has made safe: a second administrator's approval or the host's CLI).

    An administrator account never becomes a viewing one or the other way round: one
    e-mail address cannot hold both kinds of role, not even one after the other.
    """
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        raise AccountError(f"There is no account for {email}.")
    if role not in ROLES:
        raise AccountError(f"Role {role!r} is not one of {', '.join(ROLES)}.")
    if is_viewing(role) != is_viewing(user.role):
        raise AccountError(f"{user.email} is {user.role}: an address that administers cannot "
                           "also read figures, or the other way round. Use another address.")
    if session.get(Unit, unit_code) is None:
        raise AccountError(f"Unknown unit {unit_code!r}.")
    user.role, user.unit_code = role, unit_code
    user.session_version += 1  # open sessions carry the old role: they end now
    session.add(user)
    session.flush()
    return user


def password_problems(password: str, email: str = "") -> list[str]:
    """Why a new password is refused (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"use at least {MIN_PASSWORD} characters")
    if len(password) > 256:
        problems.append("use at most 256 characters")
    if len(set(password)) < 5:
        problems.append("use more different characters")
    local = email.split("@", 1)[0].lower()
    if local and len(local) >= 4 and local in password.lower():
        problems.append("do not put your e-mail name in your password")
    return problems


def normalise_email(email: str) -> str:
    """NFKC then casefold: look-alike spellings (KELVIN SIGN for k) are one address."""
    return lockout.normalise(email)


def create_user(session: Session, *, email: str, role: str, unit_code: str,
                password: str | None) -> User:
    """Add an account; a password is optional for accounts that only use single sign-on."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an e-mail address.")
    if role not in ROLES:
        raise AccountError(f"Role {role!r} is not one of {', '.join(ROLES)}.")
    if session.get(Unit, unit_code) is None:
        raise AccountError(f"Unknown unit {unit_code!r}.")
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise AccountError(f"An account for {email} already exists.")
    password_hash = ""
    if password is not None:
        problems = password_problems(password, email)
        if problems:
            raise AccountError("Password refused: " + "; ".join(problems) + ".")
        password_hash = _hasher.hash(password)
    user = User(email=email, role=role, unit_code=unit_code, password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, email: str, password: str) -> User:
    """Set a password (the host's CLI only) and end the account's open sessions."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        raise AccountError(f"There is no account for {email}.")
    problems = password_problems(password, user.email)
    if problems:
        raise AccountError("Password refused: " + "; ".join(problems) + ".")
    user.password_hash = _hasher.hash(password)
    user.session_version += 1
    session.add(user)
    session.flush()
    return user


class LockedOut(Exception):
    """Too many tries for this address in the current window; ``retry_after`` seconds left."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"locked for {retry_after} s")
        self.retry_after = retry_after


def locked_for(session: Session, email: str) -> int:
    """Seconds until this e-mail may try again (0 when not locked)."""
    return lockout.locked_for(_engine(session), email)


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def find_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user when the password matches, None when not; LockedOut when no try is left.

    A try is reserved (and committed) before the password is verified, so concurrent
    requests never verify more than MAX_FAILURES passwords per window (sentimeter/lockout.py).
    Unknown addresses are verified against a dummy hash and counted the same way.
    """
    ticket = lockout.reserve(_engine(session), email)
    if not ticket.allowed:
        raise LockedOut(ticket.retry_after)
    user = find_user(session, email)
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user and user.password_hash else _dummy_hash(
                                _parameters()),
                            password[:256])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and bool(user.password_hash)
    if ok:
        lockout.give_back(session, email)
    return user if ok else None
