"""The CLI contract of issue 2: every command has --help, --json prints machine-readable
output on stdout, ``init`` is idempotent, and bad input exits non-zero with a message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from sentimeter.db import session_scope
from sentimeter.models import User
from sentimeter.runtime import Runtime

COMMANDS = [
    ["init"], ["import-org"], ["user", "add"], ["round", "create"], ["round", "open"],
    ["round", "close"], ["codes", "issue"], ["codes", "print"], ["serve"], ["demo"],
]


@pytest.fixture
def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("does not touch the database")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_contract_command_has_help(sqlite_only: None, cli: Any, command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


def test_the_documented_options_exist(sqlite_only: None, cli: Any) -> None:
    expected = {
        ("round", "create"): ["--instrument", "--unit", "--k", "--opens", "--closes", "--name",
                              "--json"],
        ("codes", "issue"): ["--unit", "--count", "--json"],
        ("codes", "print"): ["--unit", "--count", "--out"],
        ("user", "add"): ["--role", "--unit", "--password-stdin"],
        ("serve",): ["--host", "--port", "--workers"],
        ("demo",): ["--host", "--port"],
    }
    for command, options in expected.items():
        text = cli(*command, "--help").stdout
        for option in options:
            assert option in text, (command, option)


def test_init_is_idempotent(cli: Any, settings: Any) -> None:
    first = cli("init", "--json")
    assert first.exit_code == 0, first.output
    again = cli("init", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["key_generated"] is False
    if settings.embedded:
        assert json.loads(first.stdout)["key_generated"] is True
        assert (settings.data_dir / "master.key").exists()
        assert "generated a new master key" in first.stderr
        assert "generated a new master key" not in again.stderr


def test_a_malformed_setting_stops_a_command_with_a_message(
        sqlite_only: None, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMETER_SESSION_HOURS", "lots")
    result = cli("init")
    assert result.exit_code != 0
    assert "SENTIMETER_SESSION_HOURS" in result.stderr and "Traceback" not in result.output


def test_a_database_url_without_a_key_stops_init_and_writes_nothing(
        sqlite_only: None, cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("SENTIMETER_DATABASE_URL", f"sqlite:///{tmp_path}/other.db")
    result = cli("init")
    assert result.exit_code != 0 and "no master key" in result.stderr
    assert not (tmp_path / "other.db").exists()


def test_user_add_reads_the_password_from_stdin(runtime: Runtime, org: object, cli: Any) -> None:
    result = cli("user", "add", "Lea@Politie.test", "--role", "team_leader", "--unit", "T-MID",
                 "--password-stdin", "--json", input="a-long-enough-passphrase\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["email"] == "lea@politie.test"
    with session_scope(runtime.engine) as session:
        user = session.exec(select(User).where(User.email == "lea@politie.test")).one()
        assert user.role == "team_leader" and user.unit_code == "T-MID"


@pytest.mark.parametrize("args,message", [
    (["--role", "boss", "--unit", "T-MID"], "boss"),
    (["--role", "analyst", "--unit", "NOPE"], "Unknown unit"),
])
def test_user_add_refuses_a_bad_role_or_unit(runtime: Runtime, org: object, cli: Any,
                                             args: list[str], message: str) -> None:
    result = cli("user", "add", "x@politie.test", *args, "--password-stdin",
                 input="a-long-enough-passphrase\n")
    assert result.exit_code != 0 and message in result.output


def test_user_add_refuses_a_short_password(runtime: Runtime, org: object, cli: Any) -> None:
    result = cli("user", "add", "x@politie.test", "--role", "analyst", "--unit", "NP",
                 "--password-stdin", input="short\n")
    assert result.exit_code != 0 and "Password refused" in result.stderr


def test_round_create_json_prints_an_object_with_an_id(
        runtime: Runtime, org: object, cli: Any) -> None:
    result = cli("round", "create", "--instrument", "sentimeter", "--unit", "E1", "--json")
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert isinstance(created, dict) and isinstance(created["id"], int)
    assert created["k"] == 5 and created["state"] == "draft"
    issued = cli("codes", "issue", str(created["id"]), "--unit", "T-BIG", "--count", "2", "--json")
    assert issued.exit_code == 0, issued.output
    codes = json.loads(issued.stdout)
    assert isinstance(codes, list) and len(codes) == 2 and all(isinstance(c, str) for c in codes)
