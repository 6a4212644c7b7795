"""Settings refuse to start on anything malformed, with a message that names the variable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sentimeter.settings import SettingsError, get_settings, settings_from_env
from sentimeter.vault import generate_master_key


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No SENTIMETER_* from the outer environment leaks into these tests."""
    import os

    for name in [n for n in os.environ if n.startswith("SENTIMETER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SENTIMETER_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_embedded_default_needs_no_settings(tmp_path: Path) -> None:
    settings = settings_from_env()
    assert settings.embedded
    assert settings.sqlalchemy_url.endswith("/var/sentimeter.db")
    assert settings.key_file == tmp_path / "var" / "master.key"
    assert settings.k_min == 5 and settings.cookie_secure is False


@pytest.mark.parametrize("value", ["maybe", "ja", "2", "tru"])
def test_a_malformed_boolean_is_refused_naming_the_variable(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SENTIMETER_COOKIE_SECURE", value)
    with pytest.raises(SettingsError, match="SENTIMETER_COOKIE_SECURE.*not a boolean"):
        settings_from_env()


@pytest.mark.parametrize("value", ["yes", "TRUE", " on ", "1"])
def test_usual_spellings_of_true_are_accepted(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SENTIMETER_COOKIE_SECURE", value)
    assert settings_from_env().cookie_secure is True


@pytest.mark.parametrize("name", ["SENTIMETER_SESSION_HOURS", "SENTIMETER_RETENTION_DAYS",
                                  "SENTIMETER_MAX_BODY_BYTES", "SENTIMETER_MIN_K"])
@pytest.mark.parametrize("value", ["eight", "8.5", "1_000", "\u0668", "1e3",
                                   "99999999999999999999"])
def test_a_malformed_whole_number_is_refused_naming_the_variable(
        monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"{name}.*not a whole number"):
        settings_from_env()


def test_k_below_the_floor_of_five_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMETER_MIN_K", "4")
    with pytest.raises(SettingsError, match="SENTIMETER_MIN_K must be at least 5"):
        settings_from_env()


def test_k_may_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMETER_MIN_K", " 7 ")
    assert settings_from_env().k_min == 7


def test_a_database_url_without_a_master_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMETER_DATABASE_URL", "postgresql+psycopg://app@db.example/sentimeter")
    with pytest.raises(SettingsError, match="no master key"):
        settings_from_env()


def test_a_database_url_with_a_master_key_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMETER_DATABASE_URL", "postgresql+psycopg://app@db.example/sentimeter")
    monkeypatch.setenv("SENTIMETER_MASTER_KEY", generate_master_key().serialise())
    settings = settings_from_env()
    assert not settings.embedded
    assert settings.cookie_secure is True  # secure cookies by default outside the embedded default
    assert settings.key_file is None


@pytest.mark.parametrize("url", ["not a url", "mysql://app@db/x", "://"])
def test_a_database_url_we_cannot_use_is_refused(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("SENTIMETER_DATABASE_URL", url)
    monkeypatch.setenv("SENTIMETER_MASTER_KEY", generate_master_key().serialise())
    with pytest.raises(SettingsError, match="SENTIMETER_DATABASE_URL"):
        settings_from_env()


def test_a_password_in_the_database_url_is_not_repeated_in_the_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMETER_DATABASE_URL", "oracle://app:s3cretpw@db/x")
    monkeypatch.setenv("SENTIMETER_MASTER_KEY", generate_master_key().serialise())
    with pytest.raises(SettingsError) as caught:
        settings_from_env()
    assert "s3cretpw" not in str(caught.value)


def test_an_unknown_log_level_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMETER_LOG_LEVEL", "loud")
    with pytest.raises(SettingsError, match="SENTIMETER_LOG_LEVEL.*not a log level"):
        settings_from_env()


def test_settings_are_read_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_settings()
    monkeypatch.setenv("SENTIMETER_SESSION_HOURS", "3")
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().session_hours == 3


def test_the_master_key_is_never_shown_in_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    key = generate_master_key()
    monkeypatch.setenv("SENTIMETER_MASTER_KEY", key.serialise())
    settings = settings_from_env()
    assert key.serialise() not in repr(settings)
    assert key.serialise().split(":")[1] not in repr(key)
