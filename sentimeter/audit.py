"""The audit log: who opened, exported or changed what, and when. Never respondents."""

from __future__ import annotations

from sqlmodel import Session

from sentimeter.models import AuditEvent


def record(session: Session, *, actor: str, action: str, target: str = "",
           detail: str = "") -> None:
    """Add one event; it is committed with the caller's transaction."""
    session.add(AuditEvent(actor=actor[:254], action=action[:64], target=target[:255],
                           detail=detail[:2000]))
