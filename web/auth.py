"""Who is asking: the session cookie, the viewer it names, and guards (one rule each)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlmodel import Session, col

from analysis.reports import Viewer
from sentimeter.accounts import LockedOut, authenticate, find_user, locked_for
from sentimeter.audit import record
from sentimeter.models import RevokedSession, User

FIGURE_ROLES = frozenset({"team_leader", "unit_leader", "analyst"})
COMPARE_ROLES = frozenset({"unit_leader", "analyst"})
ADMIN_ROLES = frozenset({"admin"})


def log_in(request: Request[Any, Any, Any], user: User, hours: int) -> None:
    """Start a session; it names the account, its role, the logout generation and a random
    session id that a log-out revokes server-side."""
    request.set_session({"uid": user.id, "role": user.role, "v": user.session_version,
                         "sid": secrets.token_urlsafe(24),
                         "exp": int(time.time()) + 3600 * hours})


def try_login(db: Session, email: str, password: str, via: str) -> tuple[User | None, int]:
    """(account, 0) on success, (None, 0) for a wrong password, (None, seconds) when locked.

    Every outcome is audited; unknown addresses are not written down (they may be a password
    typed into the wrong field), the account is when it exists.
    """
    try:  # the lockout's own connections come first: see sentimeter/lockout.py
        wait = locked_for(db, email)
        if wait:
            raise LockedOut(wait)
        user = authenticate(db, email, password)
    except LockedOut as locked:
        known = find_user(db, email)
        record(db, actor=known.email if known else "(unknown account)", action="login_locked",
               detail=f"{via}; {locked.retry_after} s left")
        _release(db)
        return None, max(1, locked.retry_after)
    if user is None:
        known = find_user(db, email)
        record(db, actor=known.email if known else "(unknown account)", action="login_failed",
               detail=via)
        _release(db)
        return None, 0
    record(db, actor=user.email, action="login", detail=via)
    _release(db)
    return user, 0


def _release(db: Session) -> None:
    """Commit now, so the pooled connection goes back before the handler returns.

    The request session is otherwise committed and closed by ``provide_db``'s clean-up,
    which Litestar queues on the same small thread pool as the handlers: under a burst of
    logins (more than the pool's 15 connections per process) handlers waiting for a
    connection starved the clean-ups that would free one, and requests failed after the
    pool's 30 s timeout. Found by tests/security/test_lockout_race.py.
    """
    db.commit()


def log_out(request: Request[Any, Any, Any], db: Session | None = None) -> None:
    """End this session: its id is revoked server-side, so a copied cookie is dead too."""
    data = request.scope.get("session") or {}
    if db is not None and isinstance(data, dict) and isinstance(data.get("sid"), str):
        expires = int(data.get("exp", 0) or 0)
        sid = str(data["sid"])[:64]
        if expires > time.time() and db.get(RevokedSession, sid) is None:
            db.add(RevokedSession(sid=sid, expires=expires))
            _forget_expired(db)
        user = db.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
        if user is not None:
            record(db, actor=user.email, action="logout")
        db.flush()
    request.clear_session()


def _forget_expired(db: Session) -> None:
    """Revocations of sessions that have expired anyway are no longer needed."""
    from sqlmodel import delete

    db.exec(delete(RevokedSession).where(col(RevokedSession.expires) < int(time.time())))


def log_out_everywhere(db: Session, user: User) -> None:
    """End every session of this account on every device: old cookies name an old version.

    Sessions are stateless encrypted cookies, so they cannot be deleted server-side; the
    version number they carry is compared with the account's on every request instead.
    """
    user.session_version += 1
    db.add(user)
    db.flush()


def session_user(connection: ASGIConnection[Any, Any, Any, Any], db: Session) -> User | None:
    """The logged-in account, if the session is valid, unexpired and not logged out everywhere."""
    data = connection.scope.get("session") or {}
    if not isinstance(data, dict) or "uid" not in data:
        return None
    if int(data.get("exp", 0)) < time.time():
        return None
    sid = data.get("sid")
    if not isinstance(sid, str) or db.get(RevokedSession, sid[:64]) is not None:
        return None  # logged out (or a cookie from before session ids)
    user = db.get(User, data["uid"])
    if user is None or user.session_version != data.get("v") or user.role != data.get("role"):
        return None
    return user


def current_user(connection: ASGIConnection[Any, Any, Any, Any], db: Session) -> User:
    """The signed-in account; 401 (a login redirect on pages) when there is none."""
    user = session_user(connection, db)
    if user is None:
        raise NotAuthorizedException("Log in first.")
    return user


def viewer_of(user: User) -> Viewer:
    return Viewer(email=user.email, role=user.role, unit_code=user.unit_code)


def _role(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The role of a live session, checked against the account in the database.

    A cookie alone is not enough: an expired session, a logout everywhere (newer session
    version), a changed role or a deleted account all end access at the next request.
    """
    data = connection.scope.get("session") or {}
    if not isinstance(data, dict) or "uid" not in data:
        return None
    if int(data.get("exp", 0)) < time.time():
        return None
    runtime = connection.app.state["runtime"]
    with Session(runtime.engine) as db:
        user = session_user(connection, db)
        return user.role if user is not None else None


def requires_login(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Any signed-in account."""
    if _role(connection) is None:
        raise NotAuthorizedException("Log in first.")


def requires_figures(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Leaders and analysts see reports; administrators do not."""
    role = _role(connection)
    if role is None:
        raise NotAuthorizedException("Log in first.")
    if role not in FIGURE_ROLES:
        raise PermissionDeniedException("Your account manages the platform and sees no results.")


def requires_compare(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Comparing units is for unit leaders and the opgaveteam."""
    role = _role(connection)
    if role is None:
        raise NotAuthorizedException("Log in first.")
    if role not in COMPARE_ROLES:
        raise PermissionDeniedException("Comparing units is for unit leaders and analysts.")


def requires_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Administration is for administrators only."""
    role = _role(connection)
    if role is None:
        raise NotAuthorizedException("Log in first.")
    if role not in ADMIN_ROLES:
        raise PermissionDeniedException("This page is for administrators.")


def requires_analyst(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Cuts by self-description are for the opgaveteam's analysts only."""
    role = _role(connection)
    if role is None:
        raise NotAuthorizedException("Log in first.")
    if role != "analyst":
        raise PermissionDeniedException("This is only for the opgaveteam's analysts.")
