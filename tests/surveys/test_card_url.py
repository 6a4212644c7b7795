"""The address on the code cards (issue 15, item 2): never a silent local default.

Outside the demo, printing without ``SENTIMETER_BASE_URL`` is refused with a message that says
what to set, before any code is spent; the demo sets it to the address it serves on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from sentimeter.cli import _reachable
from sentimeter.db import session_scope
from sentimeter.models import AccessCode
from sentimeter.runtime import Runtime
from sentimeter.settings import Settings, get_settings, settings_from_env
from surveys.cards import CardsUrlError, card_url
from tests.conftest import open_round_with_codes


def test_an_unset_base_url_refuses_cards_and_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(CardsUrlError, match="SENTIMETER_BASE_URL=https://"):
        card_url(Settings(data_dir=tmp_path))


def test_a_configured_base_url_is_what_the_cards_carry(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, base_url="https://sentimeter.example.nl/")
    assert card_url(settings) == "https://sentimeter.example.nl"


def test_the_environment_default_is_unset_not_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENTIMETER_BASE_URL", raising=False)
    settings = settings_from_env()
    assert settings.base_url == "" and settings.public_url.startswith("http://127.0.0.1")


def test_the_cli_refuses_to_print_without_a_base_url_and_spends_no_code(
        cli: Any, runtime: Runtime, org: object, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    round_id, _ = open_round_with_codes(runtime)
    monkeypatch.setenv("SENTIMETER_BASE_URL", "")
    out = tmp_path / "cards.pdf"
    result = cli("codes", "print", str(round_id), "--unit", "T-BIG", "--count", "5",
                 "--out", str(out))
    assert result.exit_code != 0 and "SENTIMETER_BASE_URL" in result.stderr
    assert not out.exists()
    with session_scope(runtime.engine) as db:
        assert db.exec(select(AccessCode).where(AccessCode.round_id == round_id)).first() is None


def test_the_cli_prints_cards_with_the_configured_address(
        cli: Any, runtime: Runtime, org: object, tmp_path: Path) -> None:
    round_id, _ = open_round_with_codes(runtime)
    out = tmp_path / "cards.pdf"
    result = cli("codes", "print", str(round_id), "--unit", "T-BIG", "--count", "5",
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(("host", "reached"), [("0.0.0.0", "127.0.0.1"), ("::", "127.0.0.1"),
                                               ("192.168.1.20", "192.168.1.20"),
                                               ("::1", "[::1]")])
def test_the_demo_puts_an_address_a_browser_can_open_on_its_cards(host: str,
                                                                  reached: str) -> None:
    assert _reachable(host) == reached


def test_the_demo_sets_its_own_address_when_none_is_configured(
        cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import web.demo
    import web.serve

    seen: list[str] = []
    monkeypatch.setattr(web.serve, "quiet_logs", lambda level: None)
    monkeypatch.setenv("SENTIMETER_BASE_URL", "")
    monkeypatch.setattr(web.demo, "seed_demo",
                        lambda rt, *, base_url, echo: seen.append(base_url) or [])
    result = cli("demo", "--no-serve", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert seen == ["http://127.0.0.1:8123"]
    assert card_url(get_settings()) == "http://127.0.0.1:8123"
