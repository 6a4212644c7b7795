"""Survey instruments: versioned JSON files, validated once and used read-only.

An instrument is data, not code, so that its wording can be reviewed (and a new version
released) without touching the application. Answers are sealed together with the instrument
version, so a published version never changes: a new wording is a new ``<id>.v<n>.json``.

The loader is strict on purpose. Every mistake in a file (a misspelt key, a missing
translation, a favourable value that cannot occur) stops loading with an
:class:`InstrumentError` naming the file and the item, instead of silently skewing reports.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Lang = Literal["nl", "en"]
LANGS: tuple[Lang, ...] = ("nl", "en")
Category = Literal["unfavourable", "neutral", "favourable"]

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"
ITEM_TYPES = ("agree5", "scale10", "choice")
MAX_COMMENT_LENGTH = 2000

AGREE5_LABELS: dict[int, dict[str, str]] = {
    1: {"nl": "Helemaal oneens", "en": "Strongly disagree"},
    2: {"nl": "Oneens", "en": "Disagree"},
    3: {"nl": "Neutraal", "en": "Neutral"},
    4: {"nl": "Eens", "en": "Agree"},
    5: {"nl": "Helemaal eens", "en": "Strongly agree"},
}
_DEFAULT_FAVOURABLE = {"agree5": frozenset({4, 5}), "scale10": frozenset(range(7, 11))}
_DEFAULT_HINTS = {
    0: {"nl": "heel slecht", "en": "very bad"},
    10: {"nl": "heel goed", "en": "very good"},
}
_FILE_NAME = re.compile(r"^(?P<id>[a-z][a-z0-9-]{0,39})\.v(?P<version>[1-9][0-9]*)\.json$")
_INSTRUMENT_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_ITEM_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class InstrumentError(ValueError):
    """An instrument file is missing or invalid; the message names the file and the field."""


@dataclass(frozen=True)
class Option:
    """One answer option; ``label`` holds a text per language."""

    value: int
    label: dict[str, str] = field(hash=False)

    def text(self, lang: Lang) -> str:
        return self.label[lang]


@dataclass(frozen=True)
class Item:
    """One question. Cut items describe the respondent and are never scored."""

    id: str
    type: str
    scale: str | None
    text: dict[str, str] = field(hash=False)
    options: tuple[Option, ...]
    favourable: frozenset[int]
    cut: bool

    def prompt(self, lang: Lang) -> str:
        return self.text[lang]

    @property
    def values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)

    def is_favourable(self, value: int) -> bool:
        return value in self.favourable

    def category(self, value: int) -> Category:
        """Three-way bucket used for diverging bars and the share favourable.

        Raises ValueError for a value the item cannot take or for a cut item, since
        either means a caller is about to report something that was never asked.
        """
        if self.cut:
            raise ValueError(f"item {self.id!r} is a cut item and has no category")
        if value not in self.values:
            raise ValueError(f"item {self.id!r} cannot take the value {value!r}")
        if value in self.favourable:
            return "favourable"
        if self.type == "agree5":
            mirror = {6 - v for v in self.favourable}
            return "unfavourable" if value in mirror else "neutral"
        if self.type == "scale10":
            return "neutral" if value in _scale10_neutral(self.favourable) else "unfavourable"
        return "unfavourable"


def _scale10_neutral(favourable: frozenset[int]) -> frozenset[int]:
    """5-6 are neutral when 7-10 is favourable; mirrored (4-5) for a reversed item."""
    if min(favourable) >= 5:
        return frozenset({5, 6}) - favourable
    if max(favourable) <= 5:
        return frozenset({4, 5}) - favourable
    return frozenset()


@dataclass(frozen=True)
class Scale:
    id: str
    name: dict[str, str] = field(hash=False)


@dataclass(frozen=True)
class CommentSpec:
    enabled: bool
    max_length: int
    prompt: dict[str, str] = field(hash=False)
    warning: dict[str, str] = field(hash=False)


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    name: dict[str, str] = field(hash=False)
    description: dict[str, str] = field(hash=False)
    scales: tuple[Scale, ...]
    items: tuple[Item, ...]
    comment: CommentSpec

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"instrument {self.id!r} v{self.version} has no item {item_id!r}")

    @property
    def rated_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if not item.cut)

    @property
    def cut_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.cut)

    def scale_items(self, scale_id: str) -> tuple[Item, ...]:
        """Items of one scale; an unknown scale id is a KeyError, not an empty scale."""
        if scale_id not in {scale.id for scale in self.scales}:
            raise KeyError(f"instrument {self.id!r} v{self.version} has no scale {scale_id!r}")
        return tuple(item for item in self.items if item.scale == scale_id)


# --- validation helpers: each takes ``where`` (e.g. "item 'ps1'") for the error message ---


class _Fail(Exception):
    """Internal: a validation failure before the file name is known to the message."""


def _obj(
    value: object, where: str, required: set[str], optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Fail(f"{where}: expected an object, got {type(value).__name__}")
    missing = sorted(required - value.keys())
    if missing:
        raise _Fail(f"{where}: missing key(s) {', '.join(missing)}")
    unknown = sorted(value.keys() - required - optional)
    if unknown:
        raise _Fail(f"{where}: unknown key(s) {', '.join(unknown)}")
    return value


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Fail(f"{where}: expected a whole number, got {value!r}")
    return value


def _str(value: object, where: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _Fail(f"{where}: {value!r} is not a valid id (pattern {pattern.pattern})")
    return value


def _text(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Fail(f"{where}: expected an object with 'nl' and 'en', got {value!r}")
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise _Fail(f"{where}: missing {lang!r} translation")
    unknown = sorted(set(value) - set(LANGS))
    if unknown:
        raise _Fail(f"{where}: unknown language(s) {', '.join(map(str, unknown))}")
    return {lang: value[lang] for lang in LANGS}


def _parse_options(raw: object, where: str) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        raise _Fail(f"{where}: 'options' must be a non-empty list")
    options: list[Option] = []
    for index, entry in enumerate(raw):
        here = f"{where}, option {index + 1}"
        data = _obj(entry, here, {"value", "label"})
        options.append(Option(_int(data["value"], f"{here}, value"), _text(data["label"], here)))
    values = [option.value for option in options]
    if len(set(values)) != len(values):
        raise _Fail(f"{where}: duplicate option values in {values}")
    return tuple(options)


def _scale10_options(raw: object, where: str) -> tuple[Option, ...]:
    """Labels are the numbers; optional options give the end-point hints of 0 and 10."""
    hints: dict[int, dict[str, str]] = dict(_DEFAULT_HINTS)
    if raw is not None:
        for option in _parse_options(raw, where):
            if option.value not in (0, 10):
                raise _Fail(f"{where}: scale10 options may only give hints for 0 and 10")
            hints[option.value] = option.label
    return tuple(
        Option(v, {lang: f"{v} – {hints[v][lang]}" if v in hints else str(v) for lang in LANGS})
        for v in range(11)
    )


def _item_options(data: dict[str, Any], kind: str, where: str) -> tuple[Option, ...]:
    raw = data.get("options")
    if kind == "choice":
        if raw is None:
            raise _Fail(f"{where}: a choice item needs 'options'")
        return _parse_options(raw, where)
    if kind == "scale10":
        return _scale10_options(raw, where)
    if raw is not None:
        raise _Fail(f"{where}: an agree5 item has built-in options; remove 'options'")
    return tuple(Option(v, dict(label)) for v, label in AGREE5_LABELS.items())


def _favourable(
    data: dict[str, Any], kind: str, cut: bool, values: frozenset[int], where: str
) -> frozenset[int]:
    raw = data.get("favourable")
    if raw is None:
        if kind == "choice":
            raise _Fail(f"{where}: a choice item needs 'favourable'")
        return frozenset() if cut else _DEFAULT_FAVOURABLE[kind]
    if not isinstance(raw, list):
        raise _Fail(f"{where}: 'favourable' must be a list, got {raw!r}")
    favourable = frozenset(_int(v, f"{where}, favourable") for v in raw)
    if cut and favourable:
        raise _Fail(f"{where}: a cut item is never scored, so 'favourable' must be []")
    if not cut and not favourable:
        raise _Fail(f"{where}: 'favourable' may be empty only for cut items")
    strange = sorted(favourable - values)
    if strange:
        raise _Fail(f"{where}: favourable value(s) {strange} not among values {sorted(values)}")
    if kind == "agree5" and favourable & {6 - v for v in favourable}:
        raise _Fail(f"{where}: favourable {sorted(favourable)} contains its own mirror image")
    return favourable


def _parse_item(raw: object, index: int, scale_ids: set[str]) -> Item:
    data = _obj(
        raw,
        f"item {index + 1}",
        {"id", "type", "scale", "text"},
        frozenset({"options", "favourable", "cut"}),
    )
    item_id = _str(data["id"], f"item {index + 1}, id", _ITEM_ID)
    where = f"item {item_id!r}"
    kind = data["type"]
    if kind not in ITEM_TYPES:
        raise _Fail(f"{where}: unknown type {kind!r} (expected one of {', '.join(ITEM_TYPES)})")
    cut = data.get("cut", False)
    if not isinstance(cut, bool):
        raise _Fail(f"{where}: 'cut' must be true or false, got {cut!r}")
    scale = data["scale"]
    if cut and scale is not None:
        raise _Fail(f"{where}: a cut item must have scale null")
    if not cut and (not isinstance(scale, str) or scale not in scale_ids):
        raise _Fail(f"{where}: scale {scale!r} is not declared in 'scales'")
    text = _text(data["text"], f"{where}, text")
    options = _item_options(data, kind, where)
    favourable = _favourable(data, kind, cut, frozenset(o.value for o in options), where)
    return Item(item_id, kind, scale, text, options, favourable, cut)


def _parse_scales(raw: object) -> tuple[Scale, ...]:
    if not isinstance(raw, list):
        raise _Fail("'scales' must be a list")
    scales: list[Scale] = []
    for index, entry in enumerate(raw):
        data = _obj(entry, f"scale {index + 1}", {"id", "name"})
        scale_id = _str(data["id"], f"scale {index + 1}, id", _ITEM_ID)
        if any(scale.id == scale_id for scale in scales):
            raise _Fail(f"scale {scale_id!r}: duplicate scale id")
        scales.append(Scale(scale_id, _text(data["name"], f"scale {scale_id!r}, name")))
    return tuple(scales)


def _parse_items(raw: object, scales: tuple[Scale, ...]) -> tuple[Item, ...]:
    if not isinstance(raw, list) or not raw:
        raise _Fail("'items' must be a non-empty list")
    scale_ids = {scale.id for scale in scales}
    items: list[Item] = []
    for index, entry in enumerate(raw):
        item = _parse_item(entry, index, scale_ids)
        if any(other.id == item.id for other in items):
            raise _Fail(f"item {item.id!r}: duplicate item id")
        items.append(item)
    for scale in scales:
        if not any(item.scale == scale.id for item in items):
            raise _Fail(f"scale {scale.id!r}: no item uses this scale")
    return tuple(items)


def _parse_comment(raw: object) -> CommentSpec:
    data = _obj(raw, "comment", {"enabled", "max_length", "prompt", "warning"})
    if not isinstance(data["enabled"], bool):
        raise _Fail(f"comment, enabled: expected true or false, got {data['enabled']!r}")
    max_length = _int(data["max_length"], "comment, max_length")
    if not 1 <= max_length <= MAX_COMMENT_LENGTH:
        raise _Fail(f"comment, max_length: {max_length} is not within 1..{MAX_COMMENT_LENGTH}")
    return CommentSpec(
        data["enabled"],
        max_length,
        _text(data["prompt"], "comment, prompt"),
        _text(data["warning"], "comment, warning"),
    )


def parse_instrument(raw: object, source: str = "<instrument>") -> Instrument:
    """Validate a decoded JSON document; ``source`` names it in error messages."""
    try:
        data = _obj(
            raw,
            "instrument",
            {"id", "version", "name", "description", "scales", "items", "comment"},
        )
        version = _int(data["version"], "version")
        if version < 1:
            raise _Fail(f"version: must be a positive whole number, got {version}")
        scales = _parse_scales(data["scales"])
        return Instrument(
            id=_str(data["id"], "id", _INSTRUMENT_ID),
            version=version,
            name=_text(data["name"], "name"),
            description=_text(data["description"], "description"),
            scales=scales,
            items=_parse_items(data["items"], scales),
            comment=_parse_comment(data["comment"]),
        )
    except _Fail as exc:
        raise InstrumentError(f"{source}: {exc}") from None


def load_instrument_file(path: Path) -> Instrument:
    """Read and validate one instrument file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InstrumentError(f"{path}: cannot read instrument: {exc}") from exc
    return parse_instrument(raw, str(path))


def available_instruments(directory: Path = INSTRUMENTS_DIR) -> list[tuple[str, int]]:
    """(id, version) of every ``<id>.v<version>.json`` in the directory, sorted."""
    found = (_FILE_NAME.fullmatch(path.name) for path in directory.glob("*.json"))
    return sorted((m["id"], int(m["version"])) for m in found if m)


def load_instrument(
    instrument_id: str, version: int | None = None, *, directory: Path = INSTRUMENTS_DIR
) -> Instrument:
    """Load a shipped instrument, the latest version when none is given (cached)."""
    if version is None:
        versions = [v for i, v in available_instruments(directory) if i == instrument_id]
        if not versions:
            raise InstrumentError(f"{directory}: no instrument {instrument_id!r}")
        version = max(versions)
    return _load_cached(instrument_id, version, directory)


@functools.cache
def _load_cached(instrument_id: str, version: int, directory: Path) -> Instrument:
    path = directory / f"{instrument_id}.v{version}.json"
    if not _FILE_NAME.fullmatch(path.name) or not path.is_file():
        raise InstrumentError(f"{path}: no instrument {instrument_id!r} version {version}")
    instrument = load_instrument_file(path)
    if (instrument.id, instrument.version) != (instrument_id, version):
        raise InstrumentError(
            f"{path}: file declares {instrument.id!r} v{instrument.version}, "
            f"but its name says {instrument_id!r} v{version}"
        )
    return instrument


__all__ = [
    "AGREE5_LABELS",
    "INSTRUMENTS_DIR",
    "LANGS",
    "Category",
    "CommentSpec",
    "Instrument",
    "InstrumentError",
    "Item",
    "Lang",
    "Option",
    "Scale",
    "available_instruments",
    "load_instrument",
    "load_instrument_file",
    "parse_instrument",
]
