"""CLI pieces administrators expect (issue 15, item 12): listing and removing accounts,
rounds with their dates, help on every option, and a pointer to `init` on an empty folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import click
import pytest
from sqlmodel import select

from sentimeter.cli import main
from sentimeter.db import session_scope
from sentimeter.models import AuditEvent, User
from sentimeter.runtime import Runtime
from surveys.rounds import create_round, open_round


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                             click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
    return found


def test_every_option_of_every_command_has_help_text() -> None:
    missing = [(" ".join(path), param.name) for path, command in _commands(main)
               for param in command.params
               if isinstance(param, click.Option) and not (param.help or "").strip()]
    assert missing == []


def test_user_list_shows_every_account_without_secrets(cli: Any, personas: Any) -> None:
    result = cli("user", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sorted(r["email"] for r in rows) == sorted(p.email for p in personas.values())
    assert all("password" not in key for row in rows for key in row)
    text = cli("user", "list").stdout
    assert "ada@politie.test" in text and "analyst" in text


def test_user_remove_deletes_the_account_and_audits_it(cli: Any, personas: Any,
                                                       runtime: Runtime) -> None:
    result = cli("user", "remove", "BOB@politie.test", "--yes", "--json")
    assert result.exit_code == 0, result.output
    with session_scope(runtime.engine) as db:
        assert db.exec(select(User).where(User.email == "bob@politie.test")).first() is None
        actions = [e.action for e in db.exec(select(AuditEvent))]
    assert "account.remove" in actions
    assert cli("user", "remove", "bob@politie.test", "--yes").exit_code != 0


def test_user_remove_asks_first_and_keeps_the_account_on_no(cli: Any, personas: Any,
                                                           runtime: Runtime) -> None:
    result = cli("user", "remove", "bob@politie.test", input="n\n")
    assert result.exit_code != 0
    with session_scope(runtime.engine) as db:
        assert db.exec(select(User).where(User.email == "bob@politie.test")).first() is not None


def test_the_last_administrator_cannot_be_removed(cli: Any, personas: Any) -> None:
    result = cli("user", "remove", "ada@politie.test", "--yes")
    assert result.exit_code != 0
    assert "last administrator" in result.stderr


def test_round_list_shows_states_and_dates(cli: Any, runtime: Runtime, org: Any) -> None:
    closes = datetime.now(UTC) + timedelta(days=10)
    with session_scope(runtime.engine) as db:
        draft = create_round(db, instrument="sentimeter", unit_code="NP", name="Concept",
                             closes_at=closes)
        opened = create_round(db, instrument="sentimeter", unit_code="E1", name="Lopend")
        open_round(db, opened.id or 0)
        ids = (draft.id, opened.id)
    rows = {r["id"]: r for r in json.loads(cli("round", "list", "--json").stdout)}
    assert rows[ids[0]]["state"] == "draft"
    assert datetime.fromisoformat(rows[ids[0]]["closes_at"]) == closes.replace(microsecond=0)
    assert rows[ids[1]]["state"] == "open" and rows[ids[1]]["opened_at"] is not None
    text = cli("round", "list").stdout
    local = closes.astimezone(datetime.now().astimezone().tzinfo).strftime("%Y-%m-%d")
    assert "Concept" in text and "opened" in text and "closes" in text
    assert closes.strftime("%Y-%m-%d") in text or local in text


@pytest.mark.parametrize("command", [["round", "list"], ["user", "list"],
                                     ["codes", "counts", "1"]])
def test_an_empty_data_folder_says_to_run_init(cli: Any, settings: Any,
                                               command: list[str]) -> None:
    if not settings.embedded:
        pytest.skip("the embedded default keeps its data in a folder")
    result = cli(*command)
    assert result.exit_code != 0
    assert "sentimeter init" in result.stderr and "Traceback" not in result.output
    assert not (settings.data_dir / "master.key").exists()
