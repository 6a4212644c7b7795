"""Operational commands: keys, retention, backup and restore, audit export.

Registered on the main ``sentimeter`` group by ``sentimeter.cli``. Each command opens the
runtime the same way the server does (settings, key check, database), so a missing or
wrong master key stops it before anything is touched.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from sqlmodel import col, select

from sentimeter.audit import write_private
from sentimeter.cli import emit, fail, runtime, session
from sentimeter.db import session_scope
from sentimeter.models import AuditEvent
from sentimeter.vault import (
    MasterKey,
    generate_master_key,
    parse_master_key,
    write_key_file,
)


def register(main: click.Group) -> None:
    """Add the operational groups to the ``sentimeter`` command."""
    main.add_command(keys)
    main.add_command(retention)
    main.add_command(backup_cmd)
    main.add_command(restore_cmd)
    main.add_command(compact_cmd)
    main.add_command(audit)


@click.group()
def keys() -> None:
    """Master key: generate, rotate, check."""


@keys.command("generate")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the key to this new file (mode 0600) instead of printing it.")
def keys_generate(out: Path | None) -> None:
    """Make a new master key (`id:base64`), for SENTIMETER_MASTER_KEY or a key file."""
    key = generate_master_key()
    if out is None:
        click.echo(key.serialise())
        return
    try:
        write_key_file(out, key)
    except FileExistsError:
        fail(f"{out} exists; choose a new file name")
    click.echo(f"wrote master key {key.id} to {out}", err=True)


def _new_key(path: Path | None, current_file: Path | None) -> tuple[MasterKey, Path]:
    """The key to rotate to, written to disk before any data key is re-wrapped.

    Writing first means a crash after the commit can never leave data keys wrapped by a key
    that exists nowhere.
    """
    if path is not None and path.exists():
        return parse_master_key(path.read_text(), source=str(path)), path
    target = path or (current_file.with_name(current_file.name + ".new") if current_file else None)
    if target is None:
        fail("the master key comes from SENTIMETER_MASTER_KEY: pass --new-key-file FILE")
        raise AssertionError  # unreachable
    if target.exists():
        fail(f"{target} exists (an earlier rotation?); move it away or pass it with "
             "--new-key-file")
    key = generate_master_key()
    write_key_file(target, key)
    return key, target


@keys.command("rotate")
@click.option("--new-key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Rotate to the key in this file (generated there if it does not exist).")
@click.option("--json", "as_json", is_flag=True,
              help="Machine-readable output (JSON on standard output).")
def keys_rotate(new_key_file: Path | None, as_json: bool) -> None:
    """Re-wrap every data key under a new master key; responses stay untouched.

    With a key file (the embedded default or SENTIMETER_MASTER_KEY_FILE) and no
    --new-key-file, the new key replaces the file's content after the commit.
    """
    rt = runtime()
    current_file = rt.settings.key_file
    new, new_path = _new_key(new_key_file, current_file)
    if new.id == rt.vault.master.id:
        fail("the new key has the same id as the current one; generate a fresh key")
    old_id = rt.vault.master.id
    with session_scope(rt.engine) as db:
        count = rt.vault.rotate(db, new)
    replaced = False
    if new_key_file is None and current_file is not None:
        os.replace(new_path, current_file)
        replaced = True
    rt.engine.dispose()
    where = str(current_file) if replaced else str(new_path)
    advice = ("" if replaced else
              f"\nnow configure the new key (SENTIMETER_MASTER_KEY_FILE={new_path} or its content "
              "in SENTIMETER_MASTER_KEY); the old key is no longer needed: destroy it")
    emit(as_json, {"old_key": old_id, "new_key": new.id, "rewrapped": count, "key_file": where},
         f"re-wrapped {count} keys from {old_id} to {new.id}; new key in {where}{advice}")


@keys.command("check")
@click.option("--json", "as_json", is_flag=True,
              help="Machine-readable output (JSON on standard output).")
def keys_check(as_json: bool) -> None:
    """Verify that every data key and secret unwraps with the configured master key."""
    with session() as (rt, db):
        checked, problems = rt.vault.check(db)
    emit(as_json, {"key": rt.vault.master.id, "checked": checked, "problems": problems},
         "\n".join([f"checked {checked} keys under master key {rt.vault.master.id}",
                    *[f"problem: {p}" for p in problems]]))
    if problems:
        sys.exit(1)


@click.group()
def retention() -> None:
    """Destroy the data keys of old rounds (their publications stay)."""


@retention.command("run")
@click.option("--older-than", "days", type=click.IntRange(min=1), default=None,
              help="Days after close (default SENTIMETER_RETENTION_DAYS).")
@click.option("--json", "as_json", is_flag=True,
              help="Machine-readable output (JSON on standard output).")
def retention_run(days: int | None, as_json: bool) -> None:
    """Crypto-shred closed rounds past the retention period: answers become unreadable."""
    from sentimeter.audit import cli_actor, record
    from sentimeter.retention import run_retention, scrub_free_space

    rt = runtime()
    limit = days if days is not None else rt.settings.retention_days
    with session_scope(rt.engine) as db:
        result = run_retention(db, rt.vault, days=limit)
        if result.shredded:
            record(db, actor=cli_actor(), action="retention.run",
                   target=",".join(str(r) for r in result.shredded),
                   detail=f"older than {limit} days; {result.keys_destroyed} keys destroyed")
    if result.shredded:
        scrub_free_space(rt.engine)
    rt.engine.dispose()
    lines = [f"round {r}: data keys destroyed" for r in result.shredded]
    lines += [f"round {r}: skipped, {why}" for r, why in result.skipped.items()]
    emit(as_json, {"older_than_days": limit, "shredded": result.shredded,
                   "keys_destroyed": result.keys_destroyed,
                   "skipped": {str(k): v for k, v in result.skipped.items()}},
         "\n".join(lines) or f"nothing closed more than {limit} days ago")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Machine-readable output (JSON on standard output).")
def backup_cmd(file: Path, as_json: bool) -> None:
    """Write a consistent snapshot of the SQLite database to FILE (PostgreSQL: pg_dump)."""
    from sentimeter.backup import BackupError, backup_sqlite

    rt = runtime()
    try:
        size = backup_sqlite(rt.engine, file)
    except BackupError as exc:
        fail(str(exc))
    emit(as_json, {"file": str(file), "bytes": size},
         f"wrote {size} bytes to {file}; keep the master key apart from it")


@click.command("compact")
@click.option("--json", "as_json", is_flag=True,
              help="Machine-readable output (JSON on standard output).")
def compact_cmd(as_json: bool) -> None:
    """Remove the old bytes of deleted and rewritten rows (runs after every close too).

    SQLite: zero freed pages, truncate the WAL, VACUUM. PostgreSQL: VACUUM FULL of the
    answer tables and a CHECKPOINT. It locks those tables while it runs: answering waits.
    """
    from sentimeter.compact import compact

    done = compact(runtime().engine)
    steps = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in done.seconds.items())
    emit(as_json, done.as_dict(),
         "\n".join([f"compacted the {done.backend} database: {steps}", *done.warnings]))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@click.option("--json", "as_json", is_flag=True,
              help="Machine-readable output (JSON on standard output).")
def restore_cmd(file: Path, yes: bool, as_json: bool) -> None:
    """Replace the SQLite database with a backup (stop the server first)."""
    from sentimeter.backup import BackupError, restore_sqlite

    rt = runtime()
    if not yes:
        click.confirm("Replace the current database with this backup?", abort=True)
    try:
        restore_sqlite(rt.engine, rt.vault, file)
    except BackupError as exc:
        fail(str(exc))
    emit(as_json, {"restored": str(file)}, f"restored the database from {file}")


@click.group()
def audit() -> None:
    """The audit log of leaders' and administrators' actions."""


@audit.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write CSV to this file (default: standard output).")
def audit_export(out: Path | None) -> None:
    """Export the audit log as CSV, safe to open in a spreadsheet."""
    from analysis.figures import to_csv

    with session() as (_, db):
        events = db.exec(select(AuditEvent).order_by(col(AuditEvent.at), col(AuditEvent.id))).all()
        rows = [[e.at.isoformat(timespec="seconds"), e.actor, e.action, e.target, e.detail]
                for e in events]
    text = to_csv(["at", "actor", "action", "target", "detail"], rows)
    if out is None:
        click.echo(text, nl=False)
    else:
        write_private(out, text)  # the log names people and what they looked at: 0600
        click.echo(f"wrote {len(rows)} events to {out} (mode 0600)", err=True)
