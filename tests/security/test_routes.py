"""Every route, every role: the allowed set follows from the route's guard or public mark.

A new route without a guard and without ``opt={"public": True}`` fails here, and so does a
guard this test does not know: access rules are declared, never implied.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

import web.controllers.reports_api as reports_api
from analysis.release import close_and_publish
from sentimeter.db import session_scope
from sentimeter.runtime import Runtime
from tests.conftest import Persona, answer_all, csrf_headers, login, open_round_with_codes
from web.auth import (
    requires_admin,
    requires_analyst,
    requires_compare,
    requires_figures,
    requires_login,
)

STAFF = ("team_leader", "unit_leader", "analyst", "admin")
ALL = ("anonymous", *STAFF)
GUARD_ROLES: dict[Callable[..., Any], set[str]] = {
    requires_login: set(STAFF),
    requires_figures: {"team_leader", "unit_leader", "analyst"},
    requires_compare: {"unit_leader", "analyst"},
    requires_admin: {"admin"},
    requires_analyst: {"analyst"},
}
if hasattr(reports_api, "requires_analyst"):  # defined locally there before it moved to auth
    GUARD_ROLES[reports_api.requires_analyst] = {"analyst"}
# Litestar's own OpenAPI document is public by design (the /schema contract).
BUILTIN_PUBLIC = re.compile(r"^/schema(/|$)")
PERSONA_OF = {"team_leader": "alice_team_leader", "unit_leader": "dave_district_leader",
              "analyst": "bob_analyst", "admin": "ada_admin"}


def _allowed(app: Litestar) -> list[tuple[str, str, set[str]]]:
    """(method, path, roles allowed) for every route handler of the app."""
    table = []
    for route in app.routes:
        assert isinstance(route, HTTPRoute), f"unexpected route type at {route.path}"
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                guards = [getattr(g, "func", g) for g in handler.resolve_guards()]
                if guards:
                    unknown = [g for g in guards if g not in GUARD_ROLES]
                    assert not unknown, f"{method} {route.path}: unknown guard {unknown}"
                    roles = set(STAFF)
                    for guard in guards:
                        roles &= GUARD_ROLES[guard]
                elif (handler.opt.get("public") or BUILTIN_PUBLIC.match(route.path)):
                    roles = set(ALL)
                else:
                    raise AssertionError(f"{method} {route.path} has no guard and no public mark")
                table.append((method, route.path, roles))
    return table


def _concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+):\w+\}", lambda m: values.get(m.group(1), "x"), path)


# Routes whose handler narrows access further by scope (a 403 for an allowed role is fine).
SCOPED = {"/dashboard/{round_id:int}/{unit_code:str}/units"}


def _denied(response: Any, path: str) -> bool:
    """Did a guard turn this request away (not a wrong password or a logout redirect)?"""
    if response.status_code == 401:
        return "Log in first" in response.text
    if response.status_code == 403:
        return path not in SCOPED
    return response.status_code in (302, 303) and \
        response.headers.get("location", "").startswith("/login?next=")


@pytest.fixture
def walk_setup(runtime: Runtime, personas: dict[str, Persona]) -> dict[str, str]:
    # spare codes for the answer routes come from several teams: no team gets more codes
    # than it has people (the cap)
    round_id, codes = open_round_with_codes(
        runtime, codes_per_team={"T-BIG": 20, "T-E2A": 25, "T-B2A": 15, "T-B2B": 15})
    answer_all(runtime, codes, "team-thermometer", {"T-BIG": 7})
    with session_scope(runtime.engine) as db:
        close_and_publish(db, runtime.vault, round_id)
    spares = codes["T-BIG"][8:] + codes["T-E2A"] + codes["T-B2A"] + codes["T-B2B"]
    return {"round_id": str(round_id), "unit_code": "T-BIG", "code": "en",
            "file_path": "app.css", "path": "openapi.json", "token": codes["T-BIG"][7],
            "approval_id": "1", "decision": "approve", "codes": ",".join(spares)}


def test_every_route_has_a_guard_or_a_public_mark(app: Litestar) -> None:
    table = _allowed(app)
    assert len(table) > 20
    assert ("GET", "/admin", {"admin"}) in table
    # separation of duties: everything that issues codes, grants roles or decides on a
    # second administrator's request is for administrators only, and they read no figures
    for method, path in [("POST", "/admin/accounts"), ("POST", "/api/v1/admin/accounts"),
                         ("POST", "/admin/approvals/{approval_id:int}/{decision:str}"),
                         ("POST", "/api/v1/admin/approvals/{approval_id:int}"),
                         ("POST", "/api/v1/admin/rounds/{round_id:int}/codes"),
                         ("POST", "/admin/rounds/{round_id:int}/cap")]:
        assert (method, path, {"admin"}) in table, path
    figure_routes = [p for _, p, roles in table if roles and roles <= set(GUARD_ROLES[
        requires_figures])]
    assert figure_routes and not any("admin" in roles for _, p, roles in table
                                     if p in figure_routes)


def test_every_role_reaches_exactly_its_allowed_routes(
        app: Litestar, client: TestClient[Any], personas: dict[str, Persona],
        walk_setup: dict[str, str]) -> None:
    spare_codes = walk_setup.pop("codes").split(",")
    mistakes = []
    for role in ALL:
        client.cookies.clear()
        if role != "anonymous":
            login(client, personas[PERSONA_OF[role]])
        for method, path, roles in _allowed(app):
            values = dict(walk_setup, token=spare_codes.pop() if "{token" in path else "")
            url = _concrete(path, values)
            headers = csrf_headers(client)
            if method == "GET":
                response = client.get(url, follow_redirects=False)
            elif path.startswith("/api/"):
                response = client.post(url, json={}, headers=headers, follow_redirects=False)
            else:
                response = client.post(url, data={}, headers=headers, follow_redirects=False)
            if _denied(response, path) == (role in roles) and not (
                    path in SCOPED and response.status_code == 403):
                mistakes.append(f"{role} {method} {url} -> {response.status_code} "
                                f"(allowed: {sorted(roles)})")
            if response.status_code >= 500:
                mistakes.append(f"{role} {method} {url} -> {response.status_code} (server error)")
            if "logout" in path and role != "anonymous":
                login(client, personas[PERSONA_OF[role]])
    assert not mistakes, "\n".join(mistakes)


def test_team_leaders_cannot_issue_codes_or_see_code_counts(
        client: TestClient[Any], personas: dict[str, Persona], walk_setup: dict[str, str]) -> None:
    login(client, personas["alice_team_leader"])
    round_id = walk_setup["round_id"]
    assert client.get(f"/admin/rounds/{round_id}").status_code == 403
    issued = client.post(f"/admin/rounds/{round_id}/cards", data={"unit": "T-BIG", "count": "5"},
                         headers=csrf_headers(client))
    assert issued.status_code == 403


def test_administrators_see_no_figures(
        client: TestClient[Any], personas: dict[str, Persona], walk_setup: dict[str, str]) -> None:
    login(client, personas["ada_admin"])
    round_id = walk_setup["round_id"]
    assert client.get(f"/api/v1/reports/{round_id}/T-BIG").status_code == 403
    assert client.get(f"/dashboard/{round_id}/T-BIG").status_code == 403
    detail = client.get(f"/admin/rounds/{round_id}")
    assert detail.status_code == 200 and "T-BIG" in detail.text
    assert "favourable" not in detail.text.lower()
