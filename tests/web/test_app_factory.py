"""The composition root wires the scrubber warm-up only when asked (servers, not tests)."""

from __future__ import annotations

from dataclasses import replace

from sentimeter.runtime import Runtime
from surveys.scrub import warm_up
from web.app import create_app


def test_a_server_process_warms_the_scrubber_at_start_when_configured(runtime: Runtime) -> None:
    warm = replace(runtime, settings=replace(runtime.settings, warm_scrubber=True))
    assert warm_up in create_app(runtime=warm).on_startup


def test_the_scrubber_is_not_loaded_up_front_when_switched_off(runtime: Runtime) -> None:
    assert warm_up not in create_app(runtime=runtime).on_startup
