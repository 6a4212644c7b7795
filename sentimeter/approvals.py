"""Four-eyes decisions: one administrator asks, a different one approves.

Used for everything that would let a single administrator reach figures or fill a team
with answers of their own: granting or raising a role (``grant_role``) and raising a
team's frozen code cap (``raise_cap``). Both the request and the decision are written to
the audit log in the same transaction. The command line does not go through here: whoever
runs it holds the host, the database and the master key (docs/privacy.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from sentimeter.accounts import (
    ADMIN_ROLE,
    AccountError,
    change_role,
    create_user,
    is_viewing,
    normalise_email,
)
from sentimeter.audit import record
from sentimeter.models import ROLES, Approval, Unit, User, utcnow

KINDS = ("grant_role", "raise_cap")
Applier = Callable[[Session, Approval], str]
_appliers: dict[str, Applier] = {}


class ApprovalError(ValueError):
    """A request or decision that is not allowed; the message says why."""


def register(kind: str, applier: Applier) -> None:
    """Say how an approved request of ``kind`` is carried out (packages to the left of
    ``sentimeter/`` register theirs, e.g. surveys.codes for ``raise_cap``)."""
    _appliers[kind] = applier


def _admin(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None or user.role != ADMIN_ROLE:
        raise ApprovalError(f"{email} is not an administrator.")
    return user


def request(session: Session, *, kind: str, target: str, detail: dict[str, Any],
            requested_by: str) -> Approval:
    """Record a pending request of an administrator (audited as ``approval.request``)."""
    if kind not in KINDS:
        raise ApprovalError(f"Unknown request kind {kind!r}.")
    _admin(session, requested_by)
    pending = session.exec(select(Approval).where(Approval.kind == kind)
                           .where(Approval.target == target)
                           .where(Approval.state == "pending")).first()
    if pending is not None:
        raise ApprovalError(f"Request {pending.id} for {target} is already waiting for a "
                            "second administrator.")
    approval = Approval(kind=kind, target=target, detail=json.dumps(detail, sort_keys=True),
                        requested_by=requested_by)
    session.add(approval)
    session.flush()
    record(session, actor=requested_by, action="approval.request",
           target=f"approval:{approval.id}", detail=f"{kind} {target} {approval.detail}")
    return approval


def pending(session: Session) -> list[Approval]:
    return list(session.exec(select(Approval).where(Approval.state == "pending")
                             .order_by(col(Approval.id))))


def decide(session: Session, approval_id: int, *, decided_by: str, approve: bool) -> Approval:
    """Approve (and carry out) or reject a request; never by the administrator who asked.

    The state change is a conditional UPDATE, so two administrators deciding at once
    cannot both carry it out (the loser gets ApprovalError and its transaction is rolled
    back by the caller, as on every error).
    """
    approval = session.get(Approval, approval_id)
    if approval is None:
        raise ApprovalError(f"There is no request {approval_id}.")
    _admin(session, decided_by)
    if normalise_email(decided_by) == normalise_email(approval.requested_by):
        raise ApprovalError("A second administrator must decide: you asked for this yourself.")
    if approval.state != "pending":
        raise ApprovalError(f"Request {approval_id} was already {approval.state}.")
    outcome = "rejected"
    if approve:  # appliers check everything before they write, so a refusal writes nothing
        applier = _appliers.get(approval.kind)
        if applier is None:
            raise ApprovalError(f"Requests of kind {approval.kind} cannot be carried out here.")
        outcome = applier(session, approval)
    claimed = session.execute(
        update(Approval).where(col(Approval.id) == approval_id)
        .where(col(Approval.state) == "pending")
        .values(state="approved" if approve else "rejected", decided_by=decided_by,
                decided_at=utcnow()))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        # decided by someone else just now: the caller rolls back what the applier did
        raise ApprovalError(f"Request {approval_id} was decided by someone else just now.")
    session.refresh(approval)
    record(session, actor=decided_by, action=f"approval.{approval.state}",
           target=f"approval:{approval.id}",
           detail=f"{approval.kind} {approval.target} asked by {approval.requested_by}: "
                  f"{outcome}")
    return approval


def request_role(session: Session, *, email: str, role: str, unit_code: str,
                 requested_by: str) -> Approval:
    """Ask for an account with a role (or another role for an existing one).

    The account is made only when a second administrator approves, and without a
    password: the person signs in with single sign-on, or the host's operator sets one
    with ``sentimeter user password``. So neither administrator ever knows it.
    """
    email = normalise_email(email)
    if normalise_email(requested_by) == email:
        raise ApprovalError("Nobody can ask for a role for their own address.")
    if "@" not in email or len(email) > 254:
        raise ApprovalError(f"{email!r} is not an e-mail address.")
    if role not in ROLES:
        raise ApprovalError(f"Role {role!r} is not one of {', '.join(ROLES)}.")
    if session.get(Unit, unit_code) is None:
        raise ApprovalError(f"Unknown unit {unit_code!r}.")
    existing = session.exec(select(User).where(User.email == email)).first()
    if existing is not None and is_viewing(existing.role) != is_viewing(role):
        raise ApprovalError(f"{email} is {existing.role}: an address that administers cannot "
                            "also read figures, or the other way round. Use another address.")
    return request(session, kind="grant_role", target=email,
                   detail={"role": role, "unit": unit_code}, requested_by=requested_by)


def _grant_role(session: Session, approval: Approval) -> str:
    detail = json.loads(approval.detail)
    exists = session.exec(select(User).where(User.email == approval.target)).first()
    try:
        if exists is None:
            create_user(session, email=approval.target, role=detail["role"],
                        unit_code=detail["unit"], password=None)
            return f"account created as {detail['role']} of {detail['unit']} (no password)"
        change_role(session, email=approval.target, role=detail["role"],
                    unit_code=detail["unit"])
    except AccountError as exc:
        raise ApprovalError(str(exc)) from exc
    return f"role set to {detail['role']} of {detail['unit']}"


register("grant_role", _grant_role)


GROUPS_CLAIM = "groups"


def idp_role_problem(role_groups: str, claims: dict[str, Any], role: str) -> str | None:
    """Why an SSO login may not use this account's role (None: it may), when the identity
    provider's groups decide roles (``SENTIMETER_OIDC_ROLE_GROUPS``; empty: no check).

    The account's role must be granted by one of the person's groups, and groups that
    grant an administrator role and a viewing role at once are refused: separation of
    duties then lives at the provider, and no Sentimeter administrator can widen it.
    """
    mapping = [pair.split("=", 1) for pair in role_groups.split(",") if "=" in pair]
    if not mapping:
        return None
    groups = claims.get(GROUPS_CLAIM)
    held = set(groups) if isinstance(groups, list) else set()
    granted = {r.strip() for r, group in mapping if group.strip() in held}
    if ADMIN_ROLE in granted and any(is_viewing(r) for r in granted):
        return "groups_grant_admin_and_viewing_role"
    if role not in granted:
        return "role_not_in_provider_groups"
    return None

