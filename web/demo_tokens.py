"""The demo's personal-token officer: a roster entry and a one-time enrolment link (issue #13).

Every team of the demo force already has cards for its whole headcount in the open round, and
cards plus tokens may never exceed headcount. So the demo adds one small team of its own, before
its rounds open (a team's cap is fixed when a round opens), that answers by personal token
only, and puts a demo officer on the roster for it.
"""

from __future__ import annotations

from sqlmodel import Session, select

from sentimeter.issuer_store import issuer_session
from sentimeter.models import Round, Unit
from sentimeter.runtime import Runtime
from surveys.org import OrgRow, Tree, import_org
from surveys.tokens import import_roster

DEMO_TEAM = "DEMO-TOKEN"
DEMO_OFFICER = "agent.token@demo.politie.nl"


def add_token_team(db: Session) -> str | None:
    """The token-only demo team, added under the first district (idempotent)."""
    if db.get(Unit, DEMO_TEAM) is not None:
        return DEMO_TEAM
    tree = Tree.load(db)
    districts = sorted(code for code, unit in tree.units.items() if unit.level == "district")
    if not districts:
        return None
    import_org(db, [OrgRow(DEMO_TEAM, districts[0], "team", "Team Persoonlijk token (demo)", 8)])
    return DEMO_TEAM


def token_link_lines(db: Session, runtime: Runtime, base_url: str) -> list[str]:
    """Lines to print: a fresh enrolment link for the demo officer, if a round is open."""
    if db.exec(select(Round).where(Round.state == "open")).first() is None:
        return []
    team = add_token_team(db)
    if team is None:
        return []
    with issuer_session(runtime.settings, db) as issuer:
        [(_, secret)] = import_roster(db, issuer, runtime.vault, [(DEMO_OFFICER, team)])
        if issuer is not db:
            issuer.commit()
    return [f"Personal token for demo officer {DEMO_OFFICER} (one token per round; the link "
            "works once):", f"  {base_url}/s/token/enrol/{secret}"]
