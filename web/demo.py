"""``sentimeter demo``: a demo force with answers, so every page has something to show.

Answers go through the real intake (codes, validation, sealing), rounds close through the
real release path (shuffle, gate, stored publication). Nothing here is a shortcut around the
one rule.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from analysis.release import close_and_publish
from sentimeter.accounts import create_user
from sentimeter.db import session_scope
from sentimeter.models import Unit, User, utcnow
from sentimeter.runtime import Runtime
from surveys.codes import issue_codes
from surveys.demo_force import OrgRow as ForceRow
from surveys.demo_force import generate_force, synthetic_answers, team_climate
from surveys.instrument import load_instrument
from surveys.intake import submit
from surveys.org import OrgRow as SurveyOrgRow
from surveys.org import Tree, import_org
from surveys.rounds import create_round, open_round
from surveys.scrub import warm_up
from web.demo_tokens import add_token_team, token_link_lines

DEMO_PEOPLE = 2_000
DEMO_PASSWORD = "demo-Sentimeter-2026"  # noqa: S105  (printed on start; demo data only)
DEMO_COMMENTS = [
    "Fijne collega's, maar de werkdruk in de nachtdiensten is te hoog.",
    "Ik merk dat grappen over afkomst nog steeds gemaakt worden en niemand zegt er iets van.",
    "Goede sfeer sinds de nieuwe briefings. Meer tijd voor nabespreking zou helpen.",
    "Sommige collega's worden buitengesloten bij het inroosteren van de leuke diensten.",
    "Ik durf fouten te melden, dat was een jaar geleden anders.",
    "Meldingen over ongewenst gedrag verdwijnen in een la.",
]

Echo = Callable[[str], None]


@dataclass
class DemoAccounts:
    rows: list[tuple[str, str, str]]  # role, email, unit name


def seed_demo(runtime: Runtime, *, base_url: str, echo: Echo = print) -> list[str]:
    """Seed once (idempotent); return the lines to print last: logins and answer links."""
    warm_up()  # load the Dutch de-identification tables while the ratings are seeded
    with session_scope(runtime.engine) as db:
        seeded = db.get(Unit, "NP") is not None
    if not seeded:
        _seed(runtime, echo)
    with session_scope(runtime.engine) as db:
        accounts = _accounts(db)
        links = _fresh_links(db, runtime, base_url)
    with session_scope(runtime.engine) as db:
        token_lines = token_link_lines(db, runtime, base_url)  # issue #13
    return summary_lines(base_url, accounts, links, token_lines)


def summary_lines(base_url: str, accounts: DemoAccounts, links: list[str],
                  token_lines: Sequence[str] = ()) -> list[str]:
    """Where to log in, with which accounts, and links to answer with (or why there are none)."""
    lines = ["", f"Sentimeter demo is ready at {base_url}/",
             f"Log in at {base_url}/login with password {DEMO_PASSWORD!r}:"]
    lines += [f"  {role:<12} {email:<32} {unit}" for role, email, unit in accounts.rows]
    if links:
        lines.append("Answer links of the open Sentimeter round (each works once):")
        lines += ["  " + link for link in links]
        lines += token_lines
    else:
        lines.append("No round is open, so there are no answer links. Log in as an administrator "
                     "to open one, or run `sentimeter round list` and `sentimeter round open ID`.")
    lines.append("")
    return lines


def _seed(runtime: Runtime, echo: Echo) -> None:
    rng = random.Random(2026)  # noqa: S311  (synthetic demo data, not security)
    force = generate_force(people=DEMO_PEOPLE, seed=7)
    echo(f"seeding a demo force of {DEMO_PEOPLE} people in {len(force)} units ...")
    with session_scope(runtime.engine) as db:
        import_org(db, [SurveyOrgRow(r.code, r.parent_code, r.level, r.name, r.headcount)
                        for r in force])
        _add_users(db)
        add_token_team(db)  # issue #13: a team that answers by personal token
    teams = [r for r in force if r.level == "team"]
    plan = [("team-thermometer", "Team Thermometer Q3 2026", True),
            ("sentimeter", "Sentimeter oktober 2026", True),
            ("sentimeter", "Sentimeter november 2026", True),
            ("sentimeter", "Sentimeter december 2026", False)]
    for index, (instrument, name, close) in enumerate(plan, start=1):
        _seed_round(runtime, instrument, name, close, teams, rng, shift=index * 0.07)
        echo(f"  round {index}/{len(plan)}: {name} ({'closed' if close else 'open'})")


def _seed_round(runtime: Runtime, instrument_id: str, name: str, close: bool,
                teams: Sequence[ForceRow], rng: random.Random, shift: float) -> None:
    instrument = load_instrument(instrument_id)
    with session_scope(runtime.engine) as db:
        round_ = create_round(db, instrument=instrument_id, unit_code="NP", name=name,
                              closes_at=None if close else utcnow() + timedelta(days=14))
        open_round(db, round_.id or 0)
        round_id = round_.id or 0
        for team in teams:
            code, headcount = team.code, team.headcount
            rate = rng.uniform(0.35, 0.95) if close else rng.uniform(0.1, 0.4)
            answering = round(headcount * rate)
            # never more codes than people (the cap); an open round keeps room for the
            # few fresh answer links printed at the end
            wanted = headcount if close else max(answering, headcount - 3)
            if wanted < 1:
                continue  # a team of 3 or fewer keeps its few places for the fresh links
            codes = issue_codes(db, runtime.vault, round_id=round_id, unit_code=code,
                                count=wanted)
            climate = max(-1.0, min(1.0, team_climate(code, 7) + shift))
            answers = synthetic_answers(instrument.items, answering, rng=rng, climate=climate)
            for token, given in zip(codes, answers, strict=False):
                comment = rng.choice(DEMO_COMMENTS) if close and rng.random() < 0.08 else None
                submit(db, runtime.vault, token=token, answers=given, comment=comment, lang="nl")
    if close:
        with session_scope(runtime.engine) as db:
            close_and_publish(db, runtime.vault, round_id)


def _add_users(db: Session) -> None:
    tree = Tree.load(db)
    teams = sorted((u for u in tree.units.values() if u.level == "team"),
                   key=lambda u: (-u.headcount, u.code))
    big_team, small_team = teams[len(teams) // 4], teams[-1]
    district = next(u for u in tree.units.values()
                    if u.level == "district" and u.code.startswith("MN"))
    people = [("team_leader", "teamleider@demo.politie.nl", big_team.code),
              ("team_leader", "teamleider.klein@demo.politie.nl", small_team.code),
              ("unit_leader", "districtschef@demo.politie.nl", district.code),
              ("unit_leader", "eenheidsleiding@demo.politie.nl", "MN"),
              ("analyst", "opgaveteam@demo.politie.nl", "NP"),
              ("admin", "beheer@demo.politie.nl", "NP")]
    for role, email, unit in people:
        create_user(db, email=email, role=role, unit_code=unit, password=DEMO_PASSWORD)


def _accounts(db: Session) -> DemoAccounts:
    rows = []
    for account in db.exec(select(User).order_by(User.id)):  # type: ignore[arg-type]
        unit = db.get(Unit, account.unit_code)
        rows.append((account.role, account.email, unit.name if unit else account.unit_code))
    return DemoAccounts(rows=rows)


def _fresh_links(db: Session, runtime: Runtime, base_url: str) -> list[str]:
    from sentimeter.models import Round

    open_rounds = db.exec(select(Round).where(Round.state == "open")).all()
    if not open_rounds:
        return []
    target = open_rounds[-1]
    tree = Tree.load(db)
    team = max((u for u in tree.units.values() if u.level == "team"),
               key=lambda u: (u.headcount, u.code))
    codes = issue_codes(db, runtime.vault, round_id=target.id or 0, unit_code=team.code, count=3)
    return [f"{base_url}/s/{code}" for code in codes]
