"""Shared fixtures: a real database (SQLite file, and PostgreSQL when configured), the real
app behind the litestar test client, a small organisation and named personas.

Every test that takes ``runtime`` (or anything built on it) runs once on SQLite and once on
PostgreSQL when ``SENTIMETER_TEST_DATABASE_URL`` is set; each PostgreSQL run gets its own
schema, dropped afterwards.
"""

from __future__ import annotations

import atexit
import os
import random
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar.testing import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session

from sentimeter import accounts
from sentimeter.accounts import create_user
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime, open_runtime
from sentimeter.settings import Settings
from sentimeter.vault import generate_master_key
from surveys.codes import issue_codes, remaining_capacity
from surveys.org import OrgRow, import_org
from surveys.rounds import create_round, open_round

# Argon2 at production cost takes ~0.5 s per hash on this machine; fixtures hash many
# passwords. Tests in this process use cheap parameters; tests/sentimeter/test_accounts.py
# checks the production parameters, and servers started as subprocesses use those.
accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

PG_URL = os.environ.get("SENTIMETER_TEST_DATABASE_URL", "").strip()
# Servers started by tests must not spend a core loading the comment scrubber up front.
os.environ.setdefault("SENTIMETER_WARM_SCRUBBER", "false")
PASSWORD = "correct-horse-battery-9"

# A small force: korps > 2 eenheden > districts > basisteams > teams of various sizes.
SMALL_ORG = [
    ("NP", None, "korps", "Nationale Politie", 120),
    ("E1", "NP", "eenheid", "Eenheid Een", 80),
    ("E1-D1", "E1", "district", "District Een", 80),
    ("E1-D1-B1", "E1-D1", "basisteam", "Basisteam Een", 50),
    ("T-BIG", "E1-D1-B1", "team", "Team Groot", 20),
    ("T-MID", "E1-D1-B1", "team", "Team Middel", 12),
    ("T-SMALL", "E1-D1-B1", "team", "Team Klein", 4),
    ("T-TINY", "E1-D1-B1", "team", "Team Mini", 3),
    ("E1-D1-B2", "E1-D1", "basisteam", "Basisteam Twee", 30),
    ("T-B2A", "E1-D1-B2", "team", "Team B2 A", 15),
    ("T-B2B", "E1-D1-B2", "team", "Team B2 B", 15),
    ("E2", "NP", "eenheid", "Eenheid Twee", 40),
    ("E2-D1", "E2", "district", "District Twee", 40),
    ("E2-D1-B1", "E2-D1", "basisteam", "Basisteam Drie", 40),
    ("T-E2A", "E2-D1-B1", "team", "Team E2 A", 25),
    ("T-E2B", "E2-D1-B1", "team", "Team E2 B", 15),
]


def _backends() -> list[Any]:
    params: list[Any] = ["sqlite"]
    params.append(pytest.param("postgresql", marks=pytest.mark.skipif(
        not PG_URL, reason="SENTIMETER_TEST_DATABASE_URL not set")))
    return params


@pytest.fixture(params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Settings for a fresh database on the chosen backend: empty, or (when the test also
    takes ``runtime``) a copy of a database migrated once per session."""
    yield from _settings_for(backend, tmp_path, migrated="runtime" in request.fixturenames)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(settings, create=True,
                      migrate=settings.sqlalchemy_url not in _COPIED_FROM_TEMPLATE)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def db(runtime: Runtime) -> Iterator[Session]:
    with session_scope(runtime.engine) as session:
        yield session


@pytest.fixture
def org(runtime: Runtime) -> list[OrgRow]:
    rows = [OrgRow(*row) for row in SMALL_ORG]
    with session_scope(runtime.engine) as session:
        import_org(session, rows)
    return rows


@pytest.fixture
def app(runtime: Runtime) -> Any:
    from web.app import create_app

    return create_app(runtime=runtime)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient[Any]]:
    with TestClient(app=app) as test_client:
        yield test_client


@dataclass
class Persona:
    email: str
    role: str
    unit: str


PERSONAS = {
    "alice_team_leader": Persona("alice@politie.test", "team_leader", "T-BIG"),
    "tom_small_team_leader": Persona("tom@politie.test", "team_leader", "T-SMALL"),
    "dave_district_leader": Persona("dave@politie.test", "unit_leader", "E1-D1"),
    "bea_basisteam_leader": Persona("bea@politie.test", "unit_leader", "E1-D1-B1"),
    "bob_analyst": Persona("bob@politie.test", "analyst", "NP"),
    "ada_admin": Persona("ada@politie.test", "admin", "NP"),
}


@pytest.fixture
def personas(runtime: Runtime, org: list[OrgRow]) -> dict[str, Persona]:
    with session_scope(runtime.engine) as session:
        for persona in PERSONAS.values():
            create_user(session, email=persona.email, role=persona.role, unit_code=persona.unit,
                        password=PASSWORD)
    return PERSONAS


def login(client: TestClient[Any], persona: Persona) -> None:
    """Log in through the API with Litestar's CSRF convention."""
    client.cookies.clear()
    client.get("/login")
    token = client.cookies.get("csrftoken")
    response = client.post("/api/v1/auth/login",
                           json={"email": persona.email, "password": PASSWORD},
                           headers={"x-csrftoken": token or ""})
    assert response.status_code == 200, response.text


def csrf_headers(client: TestClient[Any]) -> dict[str, str]:
    if not client.cookies.get("csrftoken"):
        client.get("/login")
    return {"x-csrftoken": client.cookies.get("csrftoken") or ""}


def set_headcount(runtime: Runtime, team: str, headcount: int) -> None:
    """Give a team of the small organisation more people, e.g. before a load test that needs
    more codes than the team has (codes never exceed a team's headcount)."""
    from sentimeter.models import Unit

    with session_scope(runtime.engine) as session:
        unit = session.get(Unit, team)
        assert unit is not None
        unit.headcount = headcount
        session.add(unit)


def open_round_with_codes(runtime: Runtime, *, instrument: str = "team-thermometer",
                          unit: str = "NP", codes_per_team: dict[str, int] | None = None,
                          k: int = 5) -> tuple[int, dict[str, list[str]]]:
    """A round opened on ``unit`` with codes issued per team.

    A team gets at most as many codes as it has people (the cap, issue #11): tests that
    ask for more mean "enough for the answers they submit", which never exceed a team.
    """
    codes_per_team = codes_per_team or {}
    with session_scope(runtime.engine) as session:
        round_ = create_round(session, instrument=instrument, unit_code=unit, k=k,
                              name="Test round")
        assert round_.id is not None
        open_round(session, round_.id)
        issued = {team: issue_codes(session, runtime.vault, round_id=round_.id, unit_code=team,
                                    count=min(n, remaining_capacity(session, round_, team)))
                  for team, n in codes_per_team.items()}
        return round_.id, issued


def random_answers(instrument_id: str, rng: random.Random, *, skip: float = 0.1) -> dict[str, int]:
    from surveys.instrument import load_instrument

    instrument = load_instrument(instrument_id)
    answers: dict[str, int] = {}
    for item in instrument.items:
        if rng.random() < skip:
            continue
        answers[item.id] = rng.choice(sorted(item.values))
    rated = [i.id for i in instrument.rated_items]
    if not any(i in answers for i in rated):
        answers[rated[0]] = 3 if instrument.item(rated[0]).type == "agree5" else 5
    return answers


def answer_all(runtime: Runtime, codes: dict[str, list[str]], instrument: str,
               counts: dict[str, int], seed: int = 1, comment: str | None = None) -> None:
    """Submit ``counts[team]`` answers per team through the real intake."""
    from surveys.intake import submit

    rng = random.Random(seed)
    with session_scope(runtime.engine) as session:
        for team, n in counts.items():
            for token in codes[team][:n]:
                submit(session, runtime.vault, token=token,
                       answers=random_answers(instrument, rng), comment=comment)


def cli_env(settings: Settings) -> dict[str, str]:
    """Environment variables that make the CLI (or a server process) use ``settings``."""
    env = {"SENTIMETER_DATA_DIR": str(settings.data_dir),
           "SENTIMETER_DATABASE_URL": settings.database_url,
           "SENTIMETER_MASTER_KEY": settings.master_key,
           "SENTIMETER_MASTER_KEY_FILE": settings.master_key_file}
    return env


def run_cli(settings: Settings, *args: str, input: str | None = None) -> Any:
    """Invoke the ``sentimeter`` command in-process against ``settings``; returns the result."""
    from click.testing import CliRunner

    from sentimeter.cli import main
    from sentimeter.settings import get_settings

    get_settings.cache_clear()
    try:
        return CliRunner().invoke(main, list(args), env=cli_env(settings), input=input,
                                  catch_exceptions=False)
    finally:
        get_settings.cache_clear()


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run ``sentimeter`` commands (click's CliRunner) against the test database.

    The settings reach the CLI as ``SENTIMETER_*`` variables, as they would in a shell;
    ``get_settings`` is cleared before and after because it is cached per process.
    """
    from click.testing import CliRunner, Result

    from sentimeter.cli import main
    from sentimeter.settings import get_settings

    for name in [n for n in os.environ if n.startswith("SENTIMETER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SENTIMETER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SENTIMETER_BASE_URL", settings.base_url)
    if settings.database_url:
        monkeypatch.setenv("SENTIMETER_DATABASE_URL", settings.database_url)
    if settings.master_key:
        monkeypatch.setenv("SENTIMETER_MASTER_KEY", settings.master_key)
    get_settings.cache_clear()

    def run(*args: str, input: str | None = None) -> Result:  # noqa: A002
        get_settings.cache_clear()
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    yield run
    get_settings.cache_clear()


# Answers per team for the report tests: in Basisteam Een, Team Middel (10) is hidden by
# complementary suppression (25 - 12 - 10 would expose Team Klein's 3), Team Klein is too few.
REPORT_COUNTS = {"T-BIG": 12, "T-MID": 10, "T-SMALL": 3, "T-B2A": 12, "T-B2B": 10,
                 "T-E2A": 10, "T-E2B": 6}


def closed_rounds(runtime: Runtime, rounds: int = 2,
                  counts: dict[str, int] | None = None) -> list[int]:
    """``rounds`` closed Team Thermometer rounds on the whole force, published through the gate."""
    from analysis.release import close_and_publish

    counts = counts or REPORT_COUNTS
    ids = []
    for index in range(rounds):
        round_id, codes = open_round_with_codes(runtime, codes_per_team=counts)
        answer_all(runtime, codes, "team-thermometer", counts, seed=10 + index)
        with session_scope(runtime.engine) as session:
            close_and_publish(session, runtime.vault, round_id)
        ids.append(round_id)
    return ids


# Migrating a database costs ~0.7 s, copying a migrated SQLite file a few ms: SQLite tests
# copy a template migrated once per test process. (On PostgreSQL, CREATE DATABASE ... TEMPLATE
# measured 0.8-2 s on this loaded 2-core machine, slower than migrating a fresh schema.)
_COPIED_FROM_TEMPLATE: set[str] = set()


@cache
def _sqlite_template() -> Path:
    """A data folder (database and master key) migrated to head, copied by each test."""
    folder = Path(tempfile.mkdtemp(prefix="sentimeter-template-")) / "var"
    atexit.register(shutil.rmtree, folder.parent, True)
    open_runtime(Settings(data_dir=folder), create=True).engine.dispose()
    return folder


def _settings_for(backend: str, tmp_path: Path, *, migrated: bool = False) -> Iterator[Settings]:
    """A fresh database on ``backend``: a SQLite file (``migrated``: a copy of the session's
    template, already at head), or its own PostgreSQL schema.

    Used by the ``settings`` fixture and by wider-scoped fixtures; the PostgreSQL schema is
    dropped afterwards.
    """
    if backend == "sqlite":
        folder = tmp_path / "var"
        if migrated:
            shutil.copytree(_sqlite_template(), folder)
            _COPIED_FROM_TEMPLATE.add(Settings(data_dir=folder).sqlalchemy_url)
        yield Settings(data_dir=folder, base_url="http://testserver")
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    yield Settings(data_dir=tmp_path / "var", database_url=url,
                   master_key=generate_master_key().serialise(), base_url="http://testserver")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@dataclass
class ReportWorld:
    """SMALL_ORG with the personas and two closed, published rounds (see ``closed_rounds``)."""

    runtime: Runtime
    round_ids: list[int]


@pytest.fixture(scope="module", params=_backends())
def report_world(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReportWorld]:
    """Built once per test module and backend, because sealing and closing rounds is slow.

    Tests using it must only read (or add audit events); they share the database.
    """
    for settings_ in _settings_for(str(request.param), tmp_path_factory.mktemp("world"),
                                   migrated=True):
        rt = open_runtime(settings_, create=True,
                          migrate=settings_.sqlalchemy_url not in _COPIED_FROM_TEMPLATE)
        with session_scope(rt.engine) as session:
            import_org(session, [OrgRow(*row) for row in SMALL_ORG])
            for persona in PERSONAS.values():
                create_user(session, email=persona.email, role=persona.role,
                            unit_code=persona.unit, password=PASSWORD)
        yield ReportWorld(runtime=rt, round_ids=closed_rounds(rt))
        rt.engine.dispose()
