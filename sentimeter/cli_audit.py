"""Every completed ``sentimeter`` command goes into the audit log, as ``cli:<OS user>``.

One place rather than a line in each command: a new command is audited without anyone
remembering to. The command line is recorded with the values of secret-looking options
blanked; ``--help`` and commands that fail are not recorded (nothing happened). Recording is
best effort: a command whose database is gone (``keys check`` on a broken install) still
finishes, with a warning on standard error.
"""

from __future__ import annotations

from typing import Any

import click

SECRET_WORDS = ("password", "secret", "token", "key")


def redacted(args: list[str]) -> list[str]:
    """The arguments with the value of any secret-looking ``--option value`` replaced."""
    out: list[str] = []
    hide_next = False
    for arg in args:
        if hide_next:
            out.append("***")
            hide_next = False
            continue
        name, eq, _ = arg.partition("=")
        secret = name.startswith("--") and any(word in name.lower() for word in SECRET_WORDS)
        if secret and eq:
            out.append(f"{name}=***")
        else:
            out.append(arg)
            hide_next = secret and not name.endswith("-stdin") and not name.endswith("-file")
    return out


def _command_path(args: list[str], group: click.Group, ctx: click.Context) -> str:
    """``round create`` from the arguments: the chain of (sub)command names."""
    names: list[str] = []
    current: click.Command = group
    for arg in args:
        if not isinstance(current, click.Group):
            break
        sub = current.get_command(ctx, arg)
        if sub is None:
            break
        names.append(arg)
        current = sub
    return " ".join(names)


class AuditedGroup(click.Group):
    """The top-level group: records the command after it completed."""

    def invoke(self, ctx: click.Context) -> Any:
        # click keeps the subcommand name apart from the rest of the arguments
        args = [*getattr(ctx, "_protected_args", []), *ctx.args]
        result = super().invoke(ctx)
        _record(_command_path(args, self, ctx), redacted(args))
        return result


def _record(command: str, args: list[str]) -> None:
    if not command:
        return
    try:
        from sentimeter.audit import cli_actor, record
        from sentimeter.db import session_scope
        from sentimeter.runtime import open_runtime
        from sentimeter.settings import get_settings

        rt = open_runtime(get_settings(), create=False, migrate=False)
        try:
            with session_scope(rt.engine) as db:
                record(db, actor=cli_actor(), action=f"cli.{command.replace(' ', '.')}"[:64],
                       detail=" ".join(args))
        finally:
            rt.engine.dispose()
    except Exception as exc:  # noqa: BLE001  (the command itself succeeded)
        click.echo(f"warning: not recorded in the audit log ({type(exc).__name__})", err=True)
