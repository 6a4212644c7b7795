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
