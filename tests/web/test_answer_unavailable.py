"""A database that cannot be reached at all still loses no answer on the officer's form."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import func
from sqlmodel import Session, create_engine, select

from sentimeter.models import Response
from sentimeter.runtime import Runtime
from tests.conftest import open_round_with_codes


def _unreachable(backend: str) -> Any:
    if backend == "sqlite":
        return create_engine("sqlite:////proc/sentimeter-nowhere/x.db")
    return create_engine("postgresql+psycopg://postgres@127.0.0.1:1/test",
                         connect_args={"connect_timeout": 2})


def test_an_unreachable_database_keeps_every_answer_in_the_form(
        client: TestClient[Any], runtime: Runtime, org: Any, backend: str) -> None:
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    token = codes["T-BIG"][0]
    form = client.get(f"/s/{token}")
    assert 'name="_instrument" value="team-thermometer"' in form.text
    real_engine = runtime.engine
    runtime.engine = _unreachable(backend)
    try:
        response = client.post(f"/s/{token}", data={
            "ps1": "4", "ss2": "1", "comment": "nachtdienst te druk",
            "_instrument": "team-thermometer", "_version": "1", "_k": "5"})
    finally:
        runtime.engine.dispose()
        runtime.engine = real_engine
    assert response.status_code == 503
    checked = re.findall(r'<input[^>]*name="(\w+)"[^>]*value="(\d+)"[^>]*checked', response.text)
    assert set(checked) == {("ps1", "4"), ("ss2", "1")}
    assert "nachtdienst te druk" in response.text
    assert f'action="/s/{token}"' in response.text
    with Session(real_engine) as session:
        assert session.exec(select(func.count()).select_from(Response)).one() == 0
    again = client.post(f"/s/{token}", data={"ps1": "4", "ss2": "1"}, follow_redirects=False)
    assert again.status_code == 303


def test_forged_hidden_fields_cannot_load_anything_but_a_real_instrument(
        client: TestClient[Any], runtime: Runtime, org: Any, backend: str) -> None:
    _, codes = open_round_with_codes(runtime, codes_per_team={"T-BIG": 1})
    real_engine = runtime.engine
    runtime.engine = _unreachable(backend)
    try:
        response = client.post(f"/s/{codes['T-BIG'][0]}", data={
            "ps1": "4", "_instrument": "../../etc/passwd", "_version": "1"})
    finally:
        runtime.engine.dispose()
        runtime.engine = real_engine
    assert response.status_code == 503
    assert "passwd" not in response.text
