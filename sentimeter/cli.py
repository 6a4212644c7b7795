"""The ``sentimeter`` command line.

The shell dispatches to the packages at call time (imports inside commands), so that
``sentimeter/`` itself depends on nothing to its left; each command opens the runtime in
the same order as the server: settings, key, database.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlmodel import Session

from sentimeter.audit import cli_actor
from sentimeter.cli_audit import AuditedGroup
from sentimeter.db import session_scope
from sentimeter.models import ROLES
from sentimeter.runtime import Runtime, open_runtime
from sentimeter.settings import SettingsError, get_settings
from sentimeter.vault import KeyError_

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
JSON_HELP = "Machine-readable output (JSON on standard output)."


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def runtime(create: bool = False) -> Runtime:
    if not create:
        _require_initialised()
    try:
        opened = open_runtime(get_settings(), create=create)
    except (SettingsError, KeyError_) as exc:
        fail(str(exc))
        raise AssertionError from exc  # unreachable
    if opened.key_generated and opened.settings.key_file is not None:
        click.echo(f"generated a new master key in {opened.settings.key_file} (mode 0600); "
                   "keep a copy apart from database backups: without it no answer can be read",
                   err=True)
    return opened


def _require_initialised() -> None:
    """An empty data folder gets "run `sentimeter init`", not a missing-key error."""
    try:
        settings = get_settings()
    except SettingsError as exc:
        fail(str(exc))
        return
    if not settings.embedded:
        return
    if not (settings.data_dir / "sentimeter.db").exists() and not (
            settings.key_file is not None and settings.key_file.exists()):
        fail(f"there is no Sentimeter data in {settings.data_dir}/ yet: run `sentimeter init` "
             "first (or set SENTIMETER_DATA_DIR to the folder that holds it)")


@contextmanager
def session() -> Iterator[tuple[Runtime, Session]]:
    rt = runtime()
    try:
        with session_scope(rt.engine) as db:
            yield rt, db
    finally:
        rt.engine.dispose()  # a command ends here: leave no pooled connection behind


def audit(db: Session, action: str, target: str = "", detail: str = "") -> None:
    """Record what a CLI command changed, in the same transaction as the change (the
    AuditedGroup records the command line itself after it completed)."""
    from sentimeter.audit import record

    record(db, actor=cli_actor(), action=action, target=target, detail=detail)


def emit(as_json: bool, data: Any, text: str) -> None:
    click.echo(json.dumps(data, default=str) if as_json else text)


def parse_when(value: str | None) -> datetime | None:
    """ISO date-time; without an offset it is read as Dutch local time."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not an ISO date-time like 2026-12-01T09:00") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL_TZ)


@click.group(cls=AuditedGroup)
def main() -> None:
    """Sentimeter: anonymous team-climate pulse surveys with a privacy gate."""


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def init(as_json: bool) -> None:
    """Create the schema, the key and the comment scrubber's tables if missing (idempotent)."""
    rt = runtime(create=True)
    rt.engine.dispose()
    if rt.settings.warm_scrubber:  # so that a plain pip install is ready to serve after init
        from surveys.deduce_tables import build_tables

        build_tables(lambda line: click.echo(line, err=True))
    emit(as_json, {"database": rt.settings.sqlalchemy_url.split("@")[-1],
                   "key_generated": rt.key_generated},
         f"database ready; master key {'generated' if rt.key_generated else 'loaded'}")


@main.command("import-org")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def import_org_cmd(file: Path, as_json: bool) -> None:
    """Add or update units from a CSV (code,parent_code,level,name,headcount); all or nothing."""
    from surveys.org import OrgImportError, import_org, parse_org_csv

    try:
        rows = parse_org_csv(file.read_text(encoding="utf-8"))
        with session() as (_, db):
            result = import_org(db, rows, actor=cli_actor())
            audit(db, "org.import", file.name,
                  f"{result.added} added, {result.updated} updated")
    except OrgImportError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo("nothing was imported; fix the file and run again", err=True)
        sys.exit(2)
    except UnicodeDecodeError:
        fail("the file is not UTF-8 text")
    emit(as_json, {"added": result.added, "updated": result.updated},
         f"imported: {result.added} added, {result.updated} updated")


@main.group()
def user() -> None:
    """Leader, analyst and administrator accounts."""


@user.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="What the account may do: leaders and analysts read figures, admin none.")
@click.option("--unit", "unit_code", required=True, help="Unit code the account belongs to.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def user_add(email: str, role: str, unit_code: str, password_stdin: bool, as_json: bool) -> None:
    """Add an account (without --password-stdin a password is asked for)."""
    from sentimeter.accounts import AccountError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with session() as (_, db):
            account = create_user(db, email=email, role=role, unit_code=unit_code,
                                  password=password)
            data = {"id": account.id, "email": account.email, "role": role, "unit": unit_code}
            audit(db, "account.create", account.email, f"{role} of {unit_code}")
    except AccountError as exc:
        fail(str(exc))
    emit(as_json, data, f"added {data['email']} as {role} of {unit_code}")


@user.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_password(email: str, password_stdin: bool) -> None:
    """Set an account's password (accounts granted in the web start without one)."""
    from sentimeter.accounts import AccountError, set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with session() as (_, db):
            account = set_password(db, email=email, password=password)
            audit(db, "account.password", account.email)
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"password set for {email}; its open sessions have ended")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def user_list(as_json: bool) -> None:
    """List accounts: e-mail address, role, unit and how they log in (no password hashes)."""
    from sentimeter.users import list_users

    with session() as (_, db):
        rows = [{"id": a.id, "email": a.email, "role": a.role, "unit": a.unit_code,
                 "login": "sso" if a.sso_only else "password", "created_at": _iso(a.created_at)}
                for a in list_users(db)]
    emit(as_json, rows, "\n".join(f"{r['email']:<40} {r['role']:<12} {r['unit']:<12} "
                                  f"{r['login']}" for r in rows)
         or "no accounts yet; add one with `sentimeter user add`")


@user.command("remove")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def user_remove(email: str, yes: bool, as_json: bool) -> None:
    """Remove an account; it loses access at its next request (the audit log keeps its name)."""
    from sentimeter.accounts import AccountError
    from sentimeter.audit import record
    from sentimeter.users import remove_user

    if not yes:
        click.confirm(f"Remove the account {email}? It can no longer log in", abort=True)
    try:
        with session() as (_, db):
            removed = remove_user(db, email)
            record(db, actor=cli_actor(), action="account.remove", target=removed.email,
                   detail=f"{removed.role} of {removed.unit_code}")
            data = {"email": removed.email, "removed": True}
    except AccountError as exc:
        fail(str(exc))
    emit(as_json, data, f"removed {data['email']}")


@main.group("round")
def round_group() -> None:
    """Create, open and close rounds."""


@round_group.command("create")
@click.option("--instrument", type=click.Choice(["sentimeter", "team-thermometer"]), required=True,
              help="Questionnaire: the short Sentimeter pulse or the Team Thermometer.")
@click.option("--unit", "unit_code", required=True, help="Top of the target subtree.")
@click.option("--k", type=int, default=None, help="Minimum group size (never below 5).")
@click.option("--opens", default=None,
              help="ISO date-time the round opens, e.g. 2026-12-01T09:00 (Dutch time).")
@click.option("--closes", default=None,
              help="ISO date-time the round closes; must lie in the future.")
@click.option("--name", default=None, help="Name shown to respondents and leaders.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def round_create(instrument: str, unit_code: str, k: int | None, opens: str | None,
                 closes: str | None, name: str | None, as_json: bool) -> None:
    """Create a draft round."""
    from surveys.rounds import RoundError, create_round

    try:
        with session() as (rt, db):
            created = create_round(db, instrument=instrument, unit_code=unit_code,
                                   k=k if k is not None else rt.settings.k_min,
                                   k_min=rt.settings.k_min, name=name,
                                   opens_at=parse_when(opens), closes_at=parse_when(closes))
            data = {"id": created.id, "name": created.name, "instrument": created.instrument,
                    "version": created.version, "unit": unit_code, "k": created.k,
                    "state": created.state}
            audit(db, "round.create", f"round:{created.id}",
                  f"{created.instrument} v{created.version} on {unit_code}, k={created.k}")
    except RoundError as exc:
        fail(str(exc))
    emit(as_json, data, f"created round {data['id']} ({data['name']}) as a draft")


def _round_transition(round_id: int, action: str, as_json: bool) -> None:
    from analysis.release import close_and_publish
    from surveys.rounds import RoundError, open_round

    try:
        with session() as (rt, db):
            if action == "open":
                open_round(db, round_id)
            else:
                close_and_publish(db, rt.vault, round_id)
            audit(db, f"round.{action}", f"round:{round_id}")
    except RoundError as exc:
        fail(str(exc))
    emit(as_json, {"id": round_id, "state": "open" if action == "open" else "closed"},
         f"round {round_id} {'opened' if action == 'open' else 'closed and published'}")


@round_group.command("open")
@click.argument("round_id", type=int)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def round_open(round_id: int, as_json: bool) -> None:
    """Open a draft round; its settings are frozen from now on."""
    _round_transition(round_id, "open", as_json)


@round_group.command("close")
@click.argument("round_id", type=int)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def round_close(round_id: int, as_json: bool) -> None:
    """Close a round, shuffle its rows and publish its results."""
    _round_transition(round_id, "close", as_json)


@round_group.command("list")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def round_list(as_json: bool) -> None:
    """List rounds with their state and dates (Dutch time)."""
    from sqlmodel import select

    from sentimeter.models import Round

    with session() as (_, db):
        rows: list[dict[str, Any]] = [
                {"id": r.id, "name": r.name, "instrument": r.instrument, "unit": r.unit_code,
                 "k": r.k, "state": r.state,
                 "opens_at": _iso(r.opens_at), "closes_at": _iso(r.closes_at),
                 "opened_at": _iso(r.opened_at), "closed_at": _iso(r.closed_at),
                 "created_at": _iso(r.created_at)}
                for r in db.exec(select(Round).order_by(Round.id))]  # type: ignore[arg-type]
    header = (f"{'id':>4}  {'state':<7} {'instrument':<17} {'unit':<12} {'opened':<16}  "
              f"{'closes/closed':<16}  name")
    lines = [f"{r['id']:>4}  {r['state']:<7} {r['instrument']:<17} {r['unit']:<12} "
             f"{_local(r['opened_at'] or r['opens_at']):<16}  "
             f"{_local(r['closed_at'] or r['closes_at']):<16}  {r['name']}" for r in rows]
    emit(as_json, rows, "\n".join([header, *lines]) if rows
         else "no rounds yet; create one with `sentimeter round create`")


def _iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 for --json (naive values from SQLite are UTC)."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds")


def _local(iso: str | None) -> str:
    """Dutch local time for people, '-' when unset."""
    if iso is None:
        return "-"
    return datetime.fromisoformat(iso).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


@main.group()
def codes() -> None:
    """One-time codes: issue, print, count (administrators)."""


@codes.command("issue")
@click.argument("round_id", type=int)
@click.option("--unit", "unit_code", required=True, help="Team code.")
@click.option("--count", type=int, required=True, help="How many codes (at most the headcount).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def codes_issue(round_id: int, unit_code: str, count: int, as_json: bool) -> None:
    """Issue one-time codes for a team and print them."""
    from surveys.rounds import RoundError

    try:
        issued = _issue(round_id, unit_code, count)
    except RoundError as exc:
        fail(str(exc))
    emit(as_json, issued, "\n".join(issued))


def _issue(round_id: int, unit_code: str, count: int, how: str = "listed") -> list[str]:
    from surveys.codes import issue_codes

    with session() as (rt, db):
        issued = issue_codes(db, rt.vault, round_id=round_id, unit_code=unit_code, count=count)
        audit(db, "codes.issue", f"round:{round_id}/{unit_code}", f"{count} codes {how}")
        return issued


@codes.command("print")
@click.argument("round_id", type=int)
@click.option("--unit", "unit_code", required=True, help="Team code.")
@click.option("--count", type=int, required=True, help="How many cards (at most the headcount).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="PDF file to write.")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True,
              help="Language of the cards and the instructions.")
def codes_print(round_id: int, unit_code: str, count: int, out: Path, lang: str) -> None:
    """Issue codes and write them as a PDF of cards to cut out and hand out shuffled."""
    from sentimeter.models import Round, Unit
    from surveys.cards import CardsUrlError, card_url, render_cards_pdf
    from surveys.rounds import RoundError

    try:
        url = card_url(get_settings())  # before issuing: refused cards spend no codes
        issued = _issue(round_id, unit_code, count, "printed")
    except (CardsUrlError, RoundError) as exc:
        fail(str(exc))
    with session() as (_, db):
        team, target = db.get(Unit, unit_code), db.get(Round, round_id)
        assert team is not None and target is not None
        pdf = render_cards_pdf(issued, base_url=url, team_name=team.name,
                               round_name=target.name, lang=lang)
    out.write_bytes(pdf)
    click.echo(f"wrote {len(issued)} cards to {out}; have someone other than the team leader "
               "hand them out", err=True)


@codes.command("counts")
@click.argument("round_id", type=int)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def codes_counts(round_id: int, as_json: bool) -> None:
    """Issued codes and caps per unit; participation only in bands (never live used counts)."""
    from analysis.participation import participation
    from surveys.rounds import RoundError, get_round

    try:
        with session() as (_, db):
            target = get_round(db, round_id)
            rows = [p.as_json() for p in participation(db, target)]
    except RoundError as exc:
        fail(str(exc))
    emit(as_json, rows, "\n".join(
        f"{r['unit']:<16} {r['level']:<9} issued {r['issued']:>5}"
        + (f" of cap {r['cap']:>4}" if r["cap"] is not None else " " * 12)
        + f"  participation {r['participation_band'] or '-'}"
        + (f"  responses {r['responses']}" if r["responses"] is not None else "")
        for r in rows))


@codes.command("cap")
@click.argument("round_id", type=int)
@click.option("--unit", "unit_code", required=True, help="Team code.")
@click.option("--to", "cap", type=int, required=True, help="New cap (at most the headcount).")
def codes_cap(round_id: int, unit_code: str, cap: int) -> None:
    """Set a team's code cap in an open round (the host's operator; audited)."""
    from surveys.codes import set_cap
    from surveys.rounds import RoundError

    try:
        with session() as (_, db):
            set_cap(db, round_id=round_id, unit_code=unit_code, cap=cap, actor=cli_actor())
    except RoundError as exc:
        fail(str(exc))
    click.echo(f"cap of {unit_code} in round {round_id} set to {cap}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def tick(as_json: bool) -> None:
    """Open and close rounds whose time has come (run every minute from cron)."""
    from analysis.schedule import run_due

    rt = runtime()
    try:
        done = run_due(rt.engine, rt.vault, actor=cli_actor())
    finally:
        rt.engine.dispose()
    emit(as_json, {"opened": done.opened, "closed": done.closed},
         f"opened {done.opened or 'none'}; closed and published {done.closed or 'none'}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, type=int, show_default=True, help="Port to listen on.")
@click.option("--workers", default=1, type=int, show_default=True,
              help="Worker processes (they share only the database).")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app with uvicorn (several workers share nothing but the database)."""
    rt = runtime(create=True)
    rt.engine.dispose()
    from web.serve import run_server

    run_server(host=host, port=port, workers=workers)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, type=int, show_default=True, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Seed only, do not start the server.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Seed a demo force with answers, serve it, and print logins and answer links last."""
    if not os.environ.get("SENTIMETER_LOG_LEVEL"):
        # before the web modules are imported: their route declarations warn at import
        warnings.filterwarnings("ignore", category=DeprecationWarning)
    from web.demo import seed_demo

    if not os.environ.get("SENTIMETER_BASE_URL", "").strip():
        # The demo's cards, links and SSO callback carry the address it really serves on.
        os.environ["SENTIMETER_BASE_URL"] = f"http://{_reachable(host)}:{port}"
        get_settings.cache_clear()
    from web.serve import quiet_logs

    rt = runtime(create=True)
    # Quiet unless asked: warnings only, so the logins are the last thing on the screen.
    level = rt.settings.log_level if os.environ.get("SENTIMETER_LOG_LEVEL") else "warning"
    quiet_logs(level)  # before seeding starts the scrubber's loading thread
    summary = seed_demo(rt, base_url=rt.settings.base_url, echo=click.echo)
    rt.engine.dispose()

    def show() -> None:
        click.echo("\n".join(summary))

    if no_serve:
        show()
        return
    from web.serve import run_server

    run_server(host=host, port=port, workers=1, log_level=level, on_ready=show)


def _reachable(host: str) -> str:
    """A host name a browser can use: a wildcard bind is reached on the loopback address."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104  (compared, not bound)
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _register_operations() -> None:
    """Operational command groups (keys, retention, backup, audit) live in cli_ops."""
    try:
        from sentimeter import cli_ops
    except ImportError:
        return
    cli_ops.register(main)


_register_operations()
import sentimeter.cli_tokens  # noqa: E402, F401  (registers `sentimeter tokens`, issue #13)
