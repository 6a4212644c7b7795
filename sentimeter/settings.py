"""One typed settings object, read from the environment once.

Every field is a ``SENTIMETER_*`` environment variable and is listed in the README's
settings table (a test keeps the two in step). Misconfiguration refuses to start with a
message that says what to do, rather than running half-protected.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

LOCAL_URL = "http://127.0.0.1:8000"


class SettingsError(RuntimeError):
    """Raised when the environment describes a configuration we refuse to run with."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean; use true or false.")


def _int(name: str, default: int, *, minimum: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        # int() alone would also take "1_000" and non-ASCII digits; a setting is plain digits.
        raise SettingsError(f"{name}={raw!r} is not a whole number.")
    value = int(text)
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}.")
    return value


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; ``doc`` metadata feeds the README settings table."""

    data_dir: Path = field(
        default=Path("var"),
        metadata={"env": "SENTIMETER_DATA_DIR", "doc": "Folder for the embedded database and key."},
    )
    database_url: str = field(
        default="",
        metadata={
            "env": "SENTIMETER_DATABASE_URL",
            "doc": "SQLAlchemy URL; default SQLite `sentimeter.db` in the data dir. "
            "PostgreSQL: `postgresql+psycopg://user@host/db`.",
        },
    )
    master_key: str = field(
        default="",
        repr=False,
        metadata={
            "env": "SENTIMETER_MASTER_KEY",
            "doc": "Master key as `id:base64(32 bytes)`; required outside the embedded default.",
        },
    )
    master_key_file: str = field(
        default="",
        metadata={
            "env": "SENTIMETER_MASTER_KEY_FILE",
            "doc": "File holding the master key (same format); default `<data dir>/master.key` "
            "for the embedded default, generated on first start.",
        },
    )
    base_url: str = field(
        default="",
        metadata={
            "env": "SENTIMETER_BASE_URL",
            "doc": "Public address people reach Sentimeter at "
            "(e.g. `https://sentimeter.example.nl`), printed on code cards and used for the "
            "SSO callback. Required to print cards; "
            "`sentimeter demo` uses its own address when unset.",
        },
    )
    k_min: int = field(
        default=5,
        metadata={
            "env": "SENTIMETER_MIN_K",
            "doc": "Organisation-wide minimum group size k "
            "(floor 5; may be raised, never lowered).",
        },
    )
    cookie_secure: bool = field(
        default=False,
        metadata={
            "env": "SENTIMETER_COOKIE_SECURE",
            "doc": "Send cookies only over https; default true outside the embedded default.",
        },
    )
    session_hours: int = field(
        default=8,
        metadata={"env": "SENTIMETER_SESSION_HOURS", "doc": "Hours before a login expires."},
    )
    retention_days: int = field(
        default=730,
        metadata={
            "env": "SENTIMETER_RETENTION_DAYS",
            "doc": "Days after close before a round's data keys are destroyed by `retention run`.",
        },
    )
    max_body_bytes: int = field(
        default=64 * 1024,
        metadata={"env": "SENTIMETER_MAX_BODY_BYTES", "doc": "Largest request body accepted."},
    )
    warm_scrubber: bool = field(
        default=False,
        metadata={
            "env": "SENTIMETER_WARM_SCRUBBER",
            "doc": "Load the Dutch comment scrubber when a server process starts, so the first "
            "comment does not wait for it (default true for `serve` and `demo`).",
        },
    )
    log_level: str = field(
        default="info",
        metadata={"env": "SENTIMETER_LOG_LEVEL", "doc": "Log level (answer routes never log IPs)."},
    )
    oidc_issuer: str = field(
        default="",
        metadata={
            "env": "SENTIMETER_OIDC_ISSUER",
            "doc": "OpenID Connect issuer URL for single sign-on (https); empty turns SSO off.",
        },
    )
    oidc_client_id: str = field(
        default="",
        metadata={"env": "SENTIMETER_OIDC_CLIENT_ID",
                  "doc": "Client id registered at the OpenID provider (required with an issuer)."},
    )
    oidc_client_secret: str = field(
        default="",
        repr=False,
        metadata={"env": "SENTIMETER_OIDC_CLIENT_SECRET",
                  "doc": "Client secret at the OpenID provider (empty for a public client)."},
    )
    oidc_claim: str = field(
        default="email",
        metadata={
            "env": "SENTIMETER_OIDC_CLAIM",
            "doc": "ID-token claim matched to an existing account's e-mail address; SSO never "
            "creates accounts.",
        },
    )
    oidc_scopes: str = field(
        default="openid email",
        metadata={"env": "SENTIMETER_OIDC_SCOPES", "doc": "Scopes asked of the OpenID provider."},
    )
    oidc_officer_claim: str = field(
        default="sub",
        metadata={
            "env": "SENTIMETER_OIDC_OFFICER_CLAIM",
            "doc": "ID-token claim that identifies an officer asking for a personal token "
            "(one token per officer per round).",
        },
    )
    oidc_team_claim: str = field(
        default="",
        metadata={
            "env": "SENTIMETER_OIDC_TEAM_CLAIM",
            "doc": "ID-token claim naming the officer's team (a unit code) for personal tokens; "
            "empty: the team comes from the imported roster.",
        },
    )
    oidc_role_groups: str = field(
        default="",
        metadata={
            "env": "SENTIMETER_OIDC_ROLE_GROUPS",
            "doc": "With single sign-on, the identity provider's groups decide roles: "
            "`admin=GROUP,analyst=GROUP,unit_leader=GROUP,team_leader=GROUP` (read from the "
            "`groups` claim). An account then logs in only while one of its provider groups "
            "maps to its role, and never when they map to an administrator and a viewing role "
            "at once. Empty: roles come from Sentimeter's own (four-eyes) grants only.",
        },
    )
    issuer_database_url: str = field(
        default="",
        metadata={
            "env": "SENTIMETER_ISSUER_DATABASE_URL",
            "doc": "Separate database for the token roster and issuance record, so that its "
            "operators cannot join it with the answers; empty: the main database.",
        },
    )

    @property
    def embedded(self) -> bool:
        """The embedded default: SQLite in the data dir and no key given from outside."""
        return not self.database_url and not self.master_key and not self.master_key_file

    @property
    def public_url(self) -> str:
        """The configured public address, or this machine's default port when unset."""
        return self.base_url.rstrip("/") or LOCAL_URL

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'sentimeter.db').as_posix()}"

    @property
    def key_file(self) -> Path | None:
        if self.master_key:
            return None
        if self.master_key_file:
            return Path(self.master_key_file)
        if self.embedded:
            return self.data_dir / "master.key"
        return None


LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
DATABASE_SCHEMES = ("sqlite", "postgresql")


def _log_level(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip().lower() or default
    if value not in LOG_LEVELS:
        raise SettingsError(f"{name}={value!r} is not a log level; "
                            f"use one of {', '.join(LOG_LEVELS)}.")
    return value


def _database_url(name: str) -> str:
    """Refuse a URL SQLAlchemy cannot read, or a database we do not support, before start."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    try:
        backend = make_url(raw).get_backend_name()
    except ArgumentError as exc:
        raise SettingsError(f"{name} is not a database URL like "
                            "postgresql+psycopg://user@host/db.") from exc
    if backend not in DATABASE_SCHEMES:
        raise SettingsError(f"{name} names a {backend!r} database; use postgresql or sqlite.")
    return raw


def _oidc_issuer(name: str) -> str:
    """An https issuer URL (plain http only on this machine, for tests and trials)."""
    from urllib.parse import urlsplit

    raw = os.environ.get(name, "").strip().rstrip("/")
    if not raw:
        return ""
    parts = urlsplit(raw)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise SettingsError(f"{name}={raw!r} is not an https URL like "
                            "https://login.example.nl/realms/politie.")
    return raw


def _oidc_scopes(name: str) -> str:
    """Space-separated scopes; ``openid`` is always asked, or there is no ID token."""
    scopes = os.environ.get(name, "").split() or ["openid", "email"]
    if "openid" not in scopes:
        scopes.insert(0, "openid")
    return " ".join(scopes)


def settings_from_env() -> Settings:
    """Build settings from ``os.environ``; raise SettingsError on anything malformed."""
    k_min = _int("SENTIMETER_MIN_K", 5, minimum=5)
    database_url = _database_url("SENTIMETER_DATABASE_URL")
    master_key = os.environ.get("SENTIMETER_MASTER_KEY", "").strip()
    master_key_file = os.environ.get("SENTIMETER_MASTER_KEY_FILE", "").strip()
    embedded = not database_url and not master_key and not master_key_file
    settings = Settings(
        data_dir=Path(os.environ.get("SENTIMETER_DATA_DIR", "var")),
        database_url=database_url,
        master_key=master_key,
        master_key_file=master_key_file,
        base_url=os.environ.get("SENTIMETER_BASE_URL", "").strip().rstrip("/"),
        k_min=k_min,
        cookie_secure=_bool("SENTIMETER_COOKIE_SECURE", not embedded),
        session_hours=_int("SENTIMETER_SESSION_HOURS", 8, minimum=1),
        retention_days=_int("SENTIMETER_RETENTION_DAYS", 730, minimum=1),
        max_body_bytes=_int("SENTIMETER_MAX_BODY_BYTES", 64 * 1024, minimum=4096),
        log_level=_log_level("SENTIMETER_LOG_LEVEL", "info"),
        warm_scrubber=_bool("SENTIMETER_WARM_SCRUBBER", True),
        oidc_issuer=_oidc_issuer("SENTIMETER_OIDC_ISSUER"),
        oidc_client_id=os.environ.get("SENTIMETER_OIDC_CLIENT_ID", "").strip(),
        oidc_client_secret=os.environ.get("SENTIMETER_OIDC_CLIENT_SECRET", "").strip(),
        oidc_claim=os.environ.get("SENTIMETER_OIDC_CLAIM", "").strip() or "email",
        oidc_scopes=_oidc_scopes("SENTIMETER_OIDC_SCOPES"),
        oidc_officer_claim=os.environ.get("SENTIMETER_OIDC_OFFICER_CLAIM", "").strip() or "sub",
        oidc_team_claim=os.environ.get("SENTIMETER_OIDC_TEAM_CLAIM", "").strip(),
        oidc_role_groups=os.environ.get("SENTIMETER_OIDC_ROLE_GROUPS", "").strip(),
        issuer_database_url=_database_url("SENTIMETER_ISSUER_DATABASE_URL"),
    )
    if settings.oidc_issuer and not settings.oidc_client_id:
        raise SettingsError("SENTIMETER_OIDC_ISSUER is set but SENTIMETER_OIDC_CLIENT_ID is "
                            "not; register Sentimeter at the provider and set both.")
    if database_url and not (master_key or master_key_file):
        raise SettingsError(
            "SENTIMETER_DATABASE_URL is set but no master key was given. Set SENTIMETER_MASTER_KEY "
            "or SENTIMETER_MASTER_KEY_FILE (create one with `sentimeter keys generate`)."
        )
    return settings


def documented_env_vars() -> list[tuple[str, str]]:
    """(variable, description) pairs for the README table and its test."""
    return [(f.metadata["env"], f.metadata["doc"]) for f in fields(Settings)]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings for this process, read once."""
    return settings_from_env()
