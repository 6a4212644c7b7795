"""Four-eyes: a role is granted only when a second administrator approves, both audited."""

from __future__ import annotations

import pytest
from sqlmodel import select

from sentimeter.accounts import AccountError, change_role, create_user
from sentimeter.approvals import ApprovalError, decide, pending, request_role
from sentimeter.db import session_scope
from sentimeter.models import AuditEvent, User
from sentimeter.runtime import Runtime
from tests.conftest import PASSWORD, Persona

SECOND_ADMIN = "bram@politie.test"


@pytest.fixture
def two_admins(runtime: Runtime, personas: dict[str, Persona]) -> tuple[str, str]:
    with session_scope(runtime.engine) as db:
        create_user(db, email=SECOND_ADMIN, role="admin", unit_code="NP", password=PASSWORD)
    return personas["ada_admin"].email, SECOND_ADMIN


def test_a_role_exists_only_after_a_second_administrator_approves(
        runtime: Runtime, two_admins: tuple[str, str]) -> None:
    ada, bram = two_admins
    with session_scope(runtime.engine) as db:
        asked = request_role(db, email="nieuw@politie.test", role="analyst", unit_code="NP",
                             requested_by=ada)
        assert db.exec(select(User).where(User.email == "nieuw@politie.test")).first() is None
        decide(db, asked.id or 0, decided_by=bram, approve=True)
    with session_scope(runtime.engine) as db:
        made = db.exec(select(User).where(User.email == "nieuw@politie.test")).one()
        assert made.role == "analyst" and made.password_hash == ""  # neither admin knows it
        events = {(e.actor, e.action) for e in db.exec(select(AuditEvent))}
    assert (ada, "approval.request") in events
    assert (bram, "approval.approved") in events


def test_the_administrator_who_asked_cannot_approve(
        runtime: Runtime, two_admins: tuple[str, str]) -> None:
    ada, _ = two_admins
    with session_scope(runtime.engine) as db:
        asked = request_role(db, email="nieuw@politie.test", role="analyst", unit_code="NP",
                             requested_by=ada)
        with pytest.raises(ApprovalError, match="second administrator"):
            decide(db, asked.id or 0, decided_by=ada.upper(), approve=True)
        assert [a.id for a in pending(db)] == [asked.id]


def test_nobody_asks_for_a_role_for_their_own_address(
        runtime: Runtime, two_admins: tuple[str, str]) -> None:
    ada, _ = two_admins
    with session_scope(runtime.engine) as db, pytest.raises(ApprovalError, match="own address"):
        request_role(db, email=ada, role="analyst", unit_code="NP", requested_by=ada)


def test_only_administrators_ask_or_decide(
        runtime: Runtime, two_admins: tuple[str, str], personas: dict[str, Persona]) -> None:
    ada, _ = two_admins
    analyst = personas["bob_analyst"].email
    with session_scope(runtime.engine) as db:
        with pytest.raises(ApprovalError, match="not an administrator"):
            request_role(db, email="x@politie.test", role="analyst", unit_code="NP",
                         requested_by=analyst)
        asked = request_role(db, email="x@politie.test", role="analyst", unit_code="NP",
                             requested_by=ada)
        with pytest.raises(ApprovalError, match="not an administrator"):
            decide(db, asked.id or 0, decided_by=analyst, approve=True)


def test_an_administrator_address_never_gets_a_viewing_role(
        runtime: Runtime, two_admins: tuple[str, str]) -> None:
    ada, bram = two_admins
    with session_scope(runtime.engine) as db:
        with pytest.raises(AccountError, match="cannot also read figures"):
            change_role(db, email=ada, role="analyst", unit_code="NP")
        with pytest.raises(ApprovalError, match="cannot also read figures"):
            request_role(db, email=bram, role="analyst", unit_code="NP", requested_by=ada)
        # and if the address became an administrator after the request, approval refuses
        asked = request_role(db, email="later@politie.test", role="analyst", unit_code="NP",
                             requested_by=ada)
        create_user(db, email="later@politie.test", role="admin", unit_code="NP",
                    password=PASSWORD)
        with pytest.raises(ApprovalError, match="cannot also read figures"):
            decide(db, asked.id or 0, decided_by=bram, approve=True)


def test_a_rejected_request_changes_nothing_and_is_audited(
        runtime: Runtime, two_admins: tuple[str, str]) -> None:
    ada, bram = two_admins
    with session_scope(runtime.engine) as db:
        asked = request_role(db, email="nieuw@politie.test", role="analyst", unit_code="NP",
                             requested_by=ada)
        decide(db, asked.id or 0, decided_by=bram, approve=False)
        with pytest.raises(ApprovalError, match="already rejected"):
            decide(db, asked.id or 0, decided_by=bram, approve=True)
        assert db.exec(select(User).where(User.email == "nieuw@politie.test")).first() is None
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "approval.rejected")).one()
