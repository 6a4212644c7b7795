"""``sentimeter tokens``: the roster of officers, enrolment links and issuer keys (issue #13).

Registered on the main group by one line in ``sentimeter.cli``. Like every command, the
packages to the left are imported inside the commands.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click

from sentimeter.cli import emit, fail, main, session
from sentimeter.issuer_store import issuer_session


@click.group()
def tokens() -> None:
    """Personal tokens: roster, enrolment links, issuer keys."""


def _parse_roster(text: str) -> list[tuple[str, str]]:
    rows = [row for row in csv.reader(io.StringIO(text)) if row and any(c.strip() for c in row)]
    if rows and [c.strip().lower() for c in rows[0][:2]] == ["officer", "team"]:
        rows = rows[1:]
    if any(len(row) < 2 for row in rows):
        fail("each line needs two columns: officer id, team code")
    return [(row[0].strip(), row[1].strip()) for row in rows]


@tokens.command("roster")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the links as JSON.")
def roster(path: Path, as_json: bool) -> None:
    """Import officers (CSV: officer,team) and print one one-time enrolment link each.

    Importing an officer again moves them to the given team and replaces their link.
    """
    from surveys.tokens import import_roster

    rows = _parse_roster(path.read_text(encoding="utf-8"))
    with session() as (rt, db), issuer_session(rt.settings, db) as issuer:
        try:
            links = import_roster(db, issuer, rt.vault, rows)
        except ValueError as exc:
            fail(str(exc))
        if issuer is not db:
            issuer.commit()
        base = rt.settings.base_url.rstrip("/")
    data = [{"officer": officer, "link": f"{base}/s/token/enrol/{secret}"}
            for officer, secret in links]
    emit(as_json, data, "\n".join(f"{d['officer']}\t{d['link']}" for d in data))


@tokens.command("keys")
@click.argument("round_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the keys as JSON.")
def keys(round_id: int, as_json: bool) -> None:
    """Make the issuer key of every team of an open round now, and print their fingerprints."""
    from surveys.org import Tree
    from surveys.rounds import RoundError, get_round
    from surveys.tokens import TokenRefused, issuer_key, open_round_for, published_keys

    with session() as (rt, db):
        try:
            round_ = get_round(db, round_id)
            tree = Tree.load(db)
            teams = [u for u in tree.subtree(round_.unit_code)
                     if tree.units[u].level == "team"]
            for team in teams:
                open_round_for(db, round_id, team)
                issuer_key(db, rt.vault, round_id, team)
        except (RoundError, TokenRefused) as exc:
            fail(f"round {round_id} takes no tokens now ({exc})")
        db.flush()
        data = [k for k in published_keys(db) if k["round"] == round_id]
    emit(as_json, data, "\n".join(f"{k['team']}\t{k['fingerprint']}" for k in data))


main.add_command(tokens)
