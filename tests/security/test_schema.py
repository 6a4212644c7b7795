"""schemathesis against /schema through the ASGI app: no 500s, responses match the schema."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from sentimeter.runtime import open_runtime
from sentimeter.settings import Settings
from web.app import create_app

_DATA = Path(tempfile.mkdtemp(prefix="sentimeter-schemathesis-"))
APP = create_app(runtime=open_runtime(Settings(data_dir=_DATA), create=True))
# The JSON API is the contract; HTML pages are covered by the route walk and page tests.
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", APP).include(
    path_regex="^/api/v1/")
# Litestar documents only the success status of handlers returning Response[Any]; error
# statuses are checked by the tests beside each route, so status and Allow-header
# conformance are left out here. What must hold for every generated request: no server
# error, and a body that matches the documented schema and content type.
CHECKS = [checks.not_a_server_error, checks.response_schema_conformance,
          checks.content_type_conformance]


@schema.parametrize()
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_the_api_never_fails_and_keeps_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


def _hostile(value: object) -> object:
    """An id beyond a 64-bit integer, or a non-ASCII string with quotes, in place of ``value``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return 2**64 + 7
    if isinstance(value, str):
        return "T€\"';x"
    return value


@schema.parametrize()
@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_the_api_survives_huge_ids_and_non_ascii_path_values(case: schemathesis.Case) -> None:
    """Issue #14: ids above 2^63 and unit codes outside Latin-1 gave 500s."""
    if case.path_parameters:
        case.path_parameters = {k: _hostile(v) for k, v in case.path_parameters.items()}
    if case.query:
        case.query = {k: _hostile(v) for k, v in case.query.items()}
    case.call_and_validate(checks=[checks.not_a_server_error])
