"""The audit log: who opened, exported or changed what, and when. Never respondents.

Append-only from the application's side: this module only ever adds rows, nothing in the
code updates or deletes them, and the database refuses UPDATE and DELETE on ``audit_event``
with a trigger (migration 0002_trust; docs/security.md).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from sqlmodel import Session

from sentimeter.models import AuditEvent


def record(session: Session, *, actor: str, action: str, target: str = "",
           detail: str = "") -> None:
    """Add one event; it is committed with the caller's transaction."""
    session.add(AuditEvent(actor=actor[:254], action=action[:64], target=target[:255],
                           detail=detail[:2000]))


def cli_actor() -> str:
    """The actor of a command-line action: ``cli:<operating-system user>``."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers): the numeric id still names it
        name = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"cli:{name}"


def write_private(path: Path, text: str) -> None:
    """Write an export readable by its owner only (0600), also when the file existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
