"""Log-out ends the session server-side, and the audit log records what issue #14 found
missing: failed logins and lockouts, log-outs, chart and cut views, an administrator reading
code counts or the log, every CLI action; it is append-only in the database itself."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from sentimeter.audit import cli_actor
from sentimeter.lockout import MAX_TRIES
from sentimeter.models import AuditEvent
from sentimeter.runtime import Runtime
from tests.conftest import PASSWORD, Persona, ReportWorld, csrf_headers, login
from web.app import create_app


def _events(runtime: Runtime, action: str) -> list[AuditEvent]:
    with Session(runtime.engine) as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)
                            .order_by(AuditEvent.id)))  # type: ignore[arg-type]


@pytest.mark.parametrize("logout", ["/logout", "/api/v1/auth/logout"])
def test_a_replayed_cookie_is_dead_after_log_out(
        client: TestClient[Any], personas: dict[str, Persona], runtime: Runtime,
        logout: str) -> None:
    login(client, personas["alice_team_leader"])
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    stolen = client.cookies.get("sentimeter_session")
    assert stolen
    out = client.post(logout, headers=csrf_headers(client), follow_redirects=False)
    assert out.status_code in (200, 303)
    client.cookies.set("sentimeter_session", stolen)  # replay the old cookie
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/reports/1/T-BIG").status_code == 401
    assert [e.actor for e in _events(runtime, "logout")] == [personas["alice_team_leader"].email]
    login(client, personas["alice_team_leader"])  # logging in again works
    assert client.get("/dashboard", follow_redirects=False).status_code == 200


def test_log_out_everywhere_is_audited(client: TestClient[Any], personas: dict[str, Persona],
                                       runtime: Runtime) -> None:
    login(client, personas["bea_basisteam_leader"])
    client.post("/logout-everywhere", headers=csrf_headers(client), follow_redirects=False)
    assert [e.actor for e in _events(runtime, "logout_everywhere")] == ["bea@politie.test"]


def test_failed_logins_and_lockouts_are_audited_without_unknown_addresses(
        client: TestClient[Any], personas: dict[str, Persona], runtime: Runtime) -> None:
    for email in ("alice@politie.test", "typo-or-password@politie.test"):
        for _ in range(MAX_TRIES):
            client.post("/api/v1/auth/login", json={"email": email, "password": "wrong-one-1"},
                        headers=csrf_headers(client))
    # the lock is reached: the next tries are refused (and audited as lockouts)
    refused = client.post("/login", data={"email": "alice@politie.test", "password": PASSWORD},
                          headers=csrf_headers(client))
    assert refused.status_code == 429
    failed = _events(runtime, "login_failed")
    assert [e.actor for e in failed].count("alice@politie.test") == MAX_TRIES
    assert [e.actor for e in failed].count("(unknown account)") == MAX_TRIES
    assert all("typo-or-password" not in e.actor + e.detail for e in failed)
    locked = _events(runtime, "login_locked")
    assert [e.actor for e in locked] == ["alice@politie.test"]


def test_chart_views_cut_views_code_counts_and_audit_reads_are_audited(
        report_world: ReportWorld) -> None:
    from tests.conftest import PERSONAS

    runtime, latest = report_world.runtime, report_world.round_ids[-1]
    app = create_app(runtime=runtime)
    with TestClient(app=app) as client:
        login(client, PERSONAS["alice_team_leader"])
        before = len(_events(runtime, "chart.view.svg"))
        assert client.get(f"/dashboard/{latest}/T-BIG/items.svg").status_code == 200
        assert len(_events(runtime, "chart.view.svg")) == before + 1
        login(client, PERSONAS["bob_analyst"])
        before = len(_events(runtime, "cuts.open"))
        client.get(f"/api/v1/cuts/{latest}/NP?item=minority")
        client.get(f"/compare?round={latest}&level=eenheid")
        assert len(_events(runtime, "cuts.open")) >= before + 1
        login(client, PERSONAS["ada_admin"])
        assert client.get(f"/admin/rounds/{latest}").status_code == 200
        assert client.get("/admin/audit").status_code == 200
    assert _events(runtime, "codes.counts.open")[-1].target == f"round:{latest}"
    assert _events(runtime, "audit.open")[-1].actor == PERSONAS["ada_admin"].email


def test_the_audit_log_refuses_update_and_delete_in_the_database(runtime: Runtime) -> None:
    from sentimeter.audit import record

    with Session(runtime.engine) as db:
        record(db, actor="x@politie.test", action="test")
        db.commit()
    for statement in ("UPDATE audit_event SET actor = 'someone-else'",
                      "DELETE FROM audit_event"):
        with Session(runtime.engine) as db, pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement))
            db.commit()
    assert [e.actor for e in _events(runtime, "test")] == ["x@politie.test"]


def test_every_cli_action_is_audited_with_the_os_user_and_exports_are_private(
        cli: Any, runtime: Runtime, tmp_path: Path) -> None:
    org = tmp_path / "org.csv"
    org.write_text("code,parent_code,level,name,headcount\nNP,,korps,Nationale Politie,10\n")
    assert cli("import-org", str(org)).exit_code == 0
    assert cli("round", "create", "--instrument", "sentimeter", "--unit", "NP").exit_code == 0
    out = tmp_path / "audit.csv"
    out.write_text("old, world-readable")
    os.chmod(out, 0o644)
    assert cli("audit", "export", "--out", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    actions = {e.action: e for e in _all(runtime)}
    assert {"cli.import-org", "cli.round.create"} <= set(actions)
    assert actions["cli.round.create"].actor == cli_actor() and cli_actor().startswith("cli:")
    assert "--unit NP" in actions["cli.round.create"].detail
    assert "cli.round.create" in out.read_text()
    assert "cli.audit.export" in actions  # reading the log is recorded too


def test_secret_options_are_blanked_in_the_recorded_command_line() -> None:
    from sentimeter.cli_audit import redacted

    assert redacted(["user", "add", "--password", "hunter2-hunter2", "--role", "admin"]) == [
        "user", "add", "--password", "***", "--role", "admin"]
    assert redacted(["--client-secret=abc", "--password-stdin", "x"]) == [
        "--client-secret=***", "--password-stdin", "x"]


def _all(runtime: Runtime) -> list[AuditEvent]:
    with Session(runtime.engine) as db:
        return list(db.exec(select(AuditEvent)))
