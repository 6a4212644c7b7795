"""Logins are in the audit log (who, when, how); failed ones are not attributed to anyone."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlmodel import Session, select

from sentimeter.models import AuditEvent
from sentimeter.runtime import Runtime
from tests.conftest import Persona, csrf_headers, login


def test_a_login_is_recorded_in_the_audit_log(client: TestClient[Any], runtime: Runtime,
                                              personas: dict[str, Persona]) -> None:
    login(client, personas["bob_analyst"])
    client.post("/api/v1/auth/login", json={"email": "bob@politie.test", "password": "wrong"},
                headers=csrf_headers(client))
    with Session(runtime.engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "login")).all()
    assert [(e.actor, e.detail) for e in events] == [("bob@politie.test", "api")]
