"""The issuer store and the answer store: separable, and with nothing to join them on."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import create_engine, inspect
from sqlmodel import Session, func, select

from sentimeter.db import session_scope
from sentimeter.issuer_store import issuer_engine
from sentimeter.models import Comment, Response
from sentimeter.runtime import Runtime, open_runtime
from sentimeter.settings import Settings
from sentimeter.token_models import ISSUER_TABLES, RosterOfficer, SpentToken, TokenIssuance
from surveys.org import OrgRow
from surveys.tokens import Officer, has_token, import_roster
from tests.conftest import open_round_with_codes, random_answers
from tests.tokens.conftest import answer, fetch_token

ANSWER_TABLES = (Response.__tablename__, Comment.__tablename__, SpentToken.__tablename__)


def _columns(engine: Any, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def test_issuer_and_answer_tables_share_no_column_that_singles_out_an_answer(
        runtime: Runtime) -> None:
    """Read the real schema. The issuance record shares no column with the answer tables; the
    roster only the team, which every answer of that team carries alike. No id, time, token
    or order column is shared."""
    issuance = _columns(runtime.engine, TokenIssuance.__tablename__)
    roster = _columns(runtime.engine, RosterOfficer.__tablename__)
    for answer_table in ANSWER_TABLES:
        answers = _columns(runtime.engine, answer_table)
        assert issuance & answers == set(), answer_table
        assert roster & answers <= {"unit_code"}, answer_table
    assert issuance == {"entry"}
    assert not any(c == "at" or c.endswith("_at") or "time" in c or c == "id"
                   for c in issuance | roster)
    assert _columns(runtime.engine, SpentToken.__tablename__) == {"token_hash"}


def test_the_issuer_store_can_live_in_its_own_database(
        runtime: Runtime, org: list[OrgRow], tmp_path: Path) -> None:
    """With SENTIMETER_ISSUER_DATABASE_URL the roster and issuance never touch the main one."""
    issuer_url = f"sqlite:///{tmp_path / 'issuer.db'}"
    settings = dataclasses.replace(runtime.settings, issuer_database_url=issuer_url)
    split = open_runtime(settings, migrate=False)
    from web.app import create_app

    round_id, _ = open_round_with_codes(split, instrument="sentimeter")
    with session_scope(split.engine) as main, Session(issuer_engine(issuer_url)) as issuer:
        links = import_roster(main, issuer, split.vault, [("officer-1", "T-MID"),
                                                          ("officer-2", "T-MID")])
        issuer.commit()
    tokens = []
    with TestClient(app=create_app(runtime=split)) as client:
        for _, secret in links:
            assert client.get(f"/s/token/enrol/{secret}").status_code == 200
            fetched = fetch_token(client, round_id, "T-MID")
            assert fetched.status == 200 and fetched.token
            tokens.append(fetched.token)
        for n, token in enumerate(tokens):
            answers = random_answers("sentimeter", random.Random(n), skip=0.0)
            assert answer(client, round_id, "T-MID", token, answers).status_code == 303
        client.get(f"/s/token/enrol/{links[0][1]}")  # used link: refused, nothing changes
    split.engine.dispose()

    main_engine = create_engine(settings.sqlalchemy_url)
    separate = create_engine(issuer_url)
    try:
        with Session(main_engine) as main:
            assert main.exec(select(func.count()).select_from(TokenIssuance)).one() == 0
            assert main.exec(select(func.count()).select_from(RosterOfficer)).one() == 0
            assert main.exec(select(func.count()).select_from(Response)
                             .where(Response.round_id == round_id)).one() == len(tokens)
        assert set(inspect(separate).get_table_names()) == set(ISSUER_TABLES)
        with Session(separate) as issuer:
            roster = issuer.exec(select(RosterOfficer)).all()
            officers = [Officer(officer_hash=r.officer_hash, unit_code=r.unit_code)
                        for r in roster]
            assert all(has_token(issuer, o, round_id) for o in officers)
            assert len(issuer.exec(select(TokenIssuance)).all()) == len(tokens)
        with Session(main_engine) as main:
            # Someone holding both databases joins on everything they share: each officer
            # matches every answer of their team in the round, never just their own.
            for officer in officers:
                matched = main.exec(select(Response.id).where(Response.round_id == round_id)
                                    .where(Response.unit_code == officer.unit_code)).all()
                assert len(matched) == len(tokens)
    finally:
        main_engine.dispose()
        separate.dispose()


def test_a_settings_url_for_the_issuer_store_is_checked_like_the_main_one(
        monkeypatch: Any) -> None:
    from sentimeter.settings import SettingsError, settings_from_env

    monkeypatch.setenv("SENTIMETER_ISSUER_DATABASE_URL", "mysql://x@y/z")
    try:
        settings_from_env()
    except SettingsError as exc:
        assert "SENTIMETER_ISSUER_DATABASE_URL" in str(exc)
    else:
        raise AssertionError("a MySQL issuer URL was accepted")
    assert Settings().issuer_database_url == ""
