"""Docs stay honest: every setting and every CLI command is in the README."""

from __future__ import annotations

from pathlib import Path

import click
import click.testing

from sentimeter.cli import main
from sentimeter.settings import documented_env_vars

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_settings_table() -> None:
    table = README.split("<!-- settings-table -->")[1].split("<!-- /settings-table -->")[0]
    missing = [name for name, _ in documented_env_vars() if f"`{name}`" not in table]
    assert missing == []


def _commands(group: click.Group, prefix: str = "sentimeter") -> list[str]:
    names = []
    for name, command in group.commands.items():
        full = f"{prefix} {name}"
        if isinstance(command, click.Group):
            names.extend(_commands(command, full))
        else:
            names.append(full)
    return names


def test_every_cli_command_is_documented_in_the_readme() -> None:
    table = README.split("## Command line")[1].split("## Settings")[0]
    undocumented = [c for c in _commands(main) if f"`{c.split(' ', 1)[1]}" not in table
                    and f"`{c}" not in table and f" {c.split(' ', 1)[1]}`" not in table]
    assert undocumented == []


def test_every_cli_command_has_help() -> None:
    for name in _commands(main):
        parts = name.split()[1:]
        result = click.testing.CliRunner().invoke(main, [*parts, "--help"])
        assert result.exit_code == 0, name
        assert "Usage" in result.output
