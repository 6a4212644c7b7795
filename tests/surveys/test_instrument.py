"""The shipped instruments load; every broken instrument file is refused with a clear message."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.instrument import (
    LANGS,
    Instrument,
    InstrumentError,
    available_instruments,
    load_instrument,
    load_instrument_file,
    parse_instrument,
)

SHIPPED = Path(__file__).resolve().parents[2] / "surveys" / "instruments"


def tr(nl: str, en: str | None = None) -> dict[str, str]:
    return {"nl": nl, "en": en or f"{nl} (en)"}


def minimal() -> dict[str, Any]:
    """A small valid instrument that each broken variant starts from."""
    return {
        "id": "mini",
        "version": 1,
        "name": tr("Mini"),
        "description": tr("Een klein instrument"),
        "scales": [{"id": "safety", "name": tr("Veiligheid")}, {"id": "load", "name": tr("Druk")}],
        "items": [
            {"id": "s1", "type": "agree5", "scale": "safety", "text": tr("Ik voel me veilig.")},
            {
                "id": "s2",
                "type": "agree5",
                "scale": "safety",
                "text": tr("Fouten worden mij kwalijk genomen."),
                "favourable": [1, 2],
            },
            {
                "id": "l1",
                "type": "scale10",
                "scale": "load",
                "text": tr("Hoe is de druk?"),
                "options": [
                    {"value": 0, "label": tr("slecht")},
                    {"value": 10, "label": tr("goed")},
                ],
            },
            {
                "id": "seen",
                "type": "choice",
                "scale": "safety",
                "text": tr("Iets gezien?"),
                "options": [{"value": 1, "label": tr("Ja")}, {"value": 2, "label": tr("Nee")}],
                "favourable": [2],
            },
            {
                "id": "minority",
                "type": "choice",
                "scale": None,
                "cut": True,
                "text": tr("Minderheid?"),
                "options": [{"value": 1, "label": tr("Ja")}, {"value": 2, "label": tr("Nee")}],
                "favourable": [],
            },
        ],
        "comment": {
            "enabled": True,
            "max_length": 2000,
            "prompt": tr("Nog iets?"),
            "warning": tr("Noem geen namen."),
        },
    }


def write(tmp_path: Path, data: object, name: str = "mini.v1.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def item_of(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(i for i in data["items"] if i["id"] == item_id)


@pytest.fixture
def mini(tmp_path: Path) -> Instrument:
    return load_instrument_file(write(tmp_path, minimal()))


# --- the shipped instruments ----------------------------------------------------------


def test_both_shipped_instruments_are_available_and_load() -> None:
    found = available_instruments()
    assert ("sentimeter", 1) in found
    assert ("team-thermometer", 1) in found
    for instrument_id, version in found:
        instrument = load_instrument(instrument_id, version)
        assert (instrument.id, instrument.version) == (instrument_id, version)


def test_the_sentimeter_has_six_rated_items_and_one_self_description() -> None:
    sentimeter = load_instrument("sentimeter")
    assert len(sentimeter.rated_items) == 6
    assert [item.id for item in sentimeter.cut_items] == ["minority"]


def test_the_team_thermometer_covers_five_scales_with_15_to_18_rated_items() -> None:
    thermometer = load_instrument("team-thermometer")
    assert 15 <= len(thermometer.rated_items) <= 18
    assert {s.id for s in thermometer.scales} == {
        "psych_safety",
        "inclusion",
        "social_safety",
        "cooperation",
        "workload",
    }
    for scale in thermometer.scales:
        assert len(thermometer.scale_items(scale.id)) >= 3
    assert {item.id for item in thermometer.cut_items} == {"minority", "service"}
    assert {item.type for item in thermometer.rated_items} == {"agree5", "scale10", "choice"}
    assert thermometer.item("ss2").favourable == frozenset({2})


def test_shipped_items_are_short_and_really_translated() -> None:
    for instrument_id, version in available_instruments():
        instrument = load_instrument(instrument_id, version)
        for item in instrument.items:
            assert item.prompt("nl") != item.prompt("en"), item.id
            assert all(len(item.prompt(lang)) <= 160 for lang in LANGS), item.id
        warning = instrument.comment.warning
        assert "namen" in warning["nl"] and "names" in warning["en"]


def test_shipped_cut_items_offer_rather_not_say_for_minority() -> None:
    minority = load_instrument("team-thermometer").item("minority")
    assert [o.text("nl") for o in minority.options] == ["Ja", "Nee", "Zeg ik liever niet"]
    assert minority.scale is None and minority.favourable == frozenset()


# --- the model --------------------------------------------------------------------------


def test_agree5_items_get_built_in_labels_and_default_favourable(mini: Instrument) -> None:
    s1 = mini.item("s1")
    assert s1.values == frozenset(range(1, 6))
    assert s1.options[0].text("nl") == "Helemaal oneens"
    assert s1.options[4].text("en") == "Strongly agree"
    assert s1.favourable == frozenset({4, 5})
    assert s1.prompt("nl") == "Ik voel me veilig."


def test_scale10_labels_are_numbers_with_end_point_hints(mini: Instrument) -> None:
    l1 = mini.item("l1")
    assert l1.values == frozenset(range(11))
    assert l1.options[0].text("nl") == "0 – slecht"
    assert l1.options[5].text("en") == "5"
    assert l1.options[10].text("en") == "10 – goed (en)"
    assert l1.favourable == frozenset(range(7, 11))


@pytest.mark.parametrize(
    ("item_id", "expected"),
    [
        (
            "s1",
            {1: "unfavourable", 2: "unfavourable", 3: "neutral", 4: "favourable", 5: "favourable"},
        ),
        (
            "s2",
            {1: "favourable", 2: "favourable", 3: "neutral", 4: "unfavourable", 5: "unfavourable"},
        ),
        (
            "l1",
            {
                0: "unfavourable",
                4: "unfavourable",
                5: "neutral",
                6: "neutral",
                7: "favourable",
                10: "favourable",
            },
        ),
        ("seen", {1: "unfavourable", 2: "favourable"}),
    ],
)
def test_category_maps_values_to_three_buckets(
    mini: Instrument, item_id: str, expected: dict[int, str]
) -> None:
    item = mini.item(item_id)
    assert {value: item.category(value) for value in expected} == expected
    for value, category in expected.items():
        assert item.is_favourable(value) == (category == "favourable")


def test_a_reversed_scale10_item_mirrors_its_neutral_band(tmp_path: Path) -> None:
    data = minimal()
    item_of(data, "l1")["favourable"] = [0, 1, 2, 3]
    l1 = load_instrument_file(write(tmp_path, data)).item("l1")
    assert [l1.category(v) for v in (3, 4, 5, 6, 10)] == [
        "favourable",
        "neutral",
        "neutral",
        "unfavourable",
        "unfavourable",
    ]


def test_category_refuses_cut_items_and_impossible_values(mini: Instrument) -> None:
    with pytest.raises(ValueError, match="cut item"):
        mini.item("minority").category(1)
    with pytest.raises(ValueError, match="cannot take the value 6"):
        mini.item("s1").category(6)


def test_items_are_grouped_by_scale_and_cut_items_stay_out(mini: Instrument) -> None:
    assert [i.id for i in mini.scale_items("safety")] == ["s1", "s2", "seen"]
    assert [i.id for i in mini.rated_items] == ["s1", "s2", "l1", "seen"]
    assert [i.id for i in mini.cut_items] == ["minority"]
    with pytest.raises(KeyError):
        mini.scale_items("nope")
    with pytest.raises(KeyError, match="nope"):
        mini.item("nope")


def test_items_are_hashable_despite_their_translation_dicts(mini: Instrument) -> None:
    assert len(set(mini.items)) == len(mini.items)


# --- validation -----------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: list[Any], value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: list[Any]) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _append_item(item: dict[str, Any]) -> Mutation:
    return lambda data: data["items"].append(item)


BROKEN: dict[str, tuple[Mutation, str]] = {
    "unknown type": (_set(["items", 0, "type"], "agree7"), r"item 's1': unknown type 'agree7'"),
    "duplicate item id": (_set(["items", 1, "id"], "s1"), r"item 's1': duplicate item id"),
    "duplicate scale id": (_set(["scales", 1, "id"], "safety"), r"scale 'safety': duplicate"),
    "undeclared scale": (
        _set(["items", 2, "scale"], "loads"),
        r"item 'l1': scale 'loads' is not declared",
    ),
    "missing en in item": (_delete(["items", 0, "text", "en"]), r"item 's1', text: missing 'en'"),
    "empty nl in option": (
        _set(["items", 3, "options", 1, "label", "nl"], " "),
        r"item 'seen', option 2: missing 'nl'",
    ),
    "missing nl in scale": (
        _delete(["scales", 0, "name", "nl"]),
        r"scale 'safety', name: missing 'nl'",
    ),
    "missing en in description": (_delete(["description", "en"]), r"description: missing 'en'"),
    "missing en in warning": (
        _delete(["comment", "warning", "en"]),
        r"comment, warning: missing 'en'",
    ),
    "choice without options": (
        _delete(["items", 3, "options"]),
        r"item 'seen': a choice item needs 'options'",
    ),
    "choice without favourable": (
        _delete(["items", 3, "favourable"]),
        r"item 'seen': .*needs 'favourable'",
    ),
    "rated choice with empty favourable": (
        _set(["items", 3, "favourable"], []),
        r"item 'seen': 'favourable' may be empty only for cut",
    ),
    "favourable not a value": (
        _set(["items", 0, "favourable"], [5, 6]),
        r"item 's1': favourable value\(s\) \[6\] not among values",
    ),
    "favourable of choice not an option": (
        _set(["items", 3, "favourable"], [3]),
        r"item 'seen': favourable value\(s\) \[3\]",
    ),
    "favourable its own mirror": (_set(["items", 0, "favourable"], [3, 4]), r"item 's1': .*mirror"),
    "version zero": (_set(["version"], 0), r"version: must be a positive"),
    "version text": (_set(["version"], "1"), r"version: expected a whole number"),
    "version boolean": (_set(["version"], True), r"version: expected a whole number"),
    "comment too long": (_set(["comment", "max_length"], 2001), r"comment, max_length: 2001"),
    "unknown key": (_set(["items", 0, "favorable"], [4, 5]), r"item 1: unknown key\(s\) favorable"),
    "missing key": (_delete(["comment"]), r"instrument: missing key\(s\) comment"),
    "cut item with a scale": (
        _set(["items", 4, "scale"], "safety"),
        r"item 'minority': .*scale null",
    ),
    "cut item scored": (_set(["items", 4, "favourable"], [1]), r"item 'minority': .*must be \[\]"),
    "agree5 with options": (
        _set(["items", 0, "options"], [{"value": 1, "label": tr("x")}]),
        r"item 's1': .*built-in options",
    ),
    "scale10 hint for 5": (
        _set(["items", 2, "options", 0, "value"], 5),
        r"item 'l1': .*only give hints",
    ),
    "duplicate option value": (
        _set(["items", 3, "options", 1, "value"], 1),
        r"item 'seen': duplicate option values",
    ),
    "item missing keys": (_append_item({"id": "x"}), r"item 6: missing key"),
    "bad item id": (_set(["items", 0, "id"], "S 1"), r"item 1, id: 'S 1' is not a valid id"),
    "empty scale": (
        _set(["items", 2, "scale"], "safety"),
        r"scale 'load': no item uses this scale",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_it_refuses_a_broken_instrument_naming_file_and_field(tmp_path: Path, case: str) -> None:
    mutate, message = BROKEN[case]
    data = minimal()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(InstrumentError, match=message) as caught:
        load_instrument_file(path)
    assert str(caught.value).startswith(str(path))


def test_it_refuses_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "mini.v1.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(InstrumentError, match="mini.v1.json: cannot read"):
        load_instrument_file(path)
    with pytest.raises(InstrumentError, match="cannot read"):
        load_instrument_file(tmp_path / "absent.v1.json")


# --- finding and caching ------------------------------------------------------------------


def test_load_instrument_picks_the_latest_version_and_caches_it(tmp_path: Path) -> None:
    v2 = minimal() | {"version": 2}
    write(tmp_path, minimal(), "mini.v1.json")
    write(tmp_path, v2, "mini.v2.json")
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")
    assert available_instruments(tmp_path) == [("mini", 1), ("mini", 2)]
    latest = load_instrument("mini", directory=tmp_path)
    assert latest.version == 2
    assert load_instrument("mini", 2, directory=tmp_path) is latest
    assert load_instrument("mini", 1, directory=tmp_path).version == 1


def test_load_instrument_refuses_unknown_ids_and_misnamed_files(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="no instrument 'nope'"):
        load_instrument("nope", directory=tmp_path)
    with pytest.raises(InstrumentError, match="version 7"):
        load_instrument("mini", 7, directory=tmp_path)
    write(tmp_path, minimal(), "other.v1.json")
    with pytest.raises(InstrumentError, match="declares 'mini' v1, but its name says 'other'"):
        load_instrument("other", directory=tmp_path)


# --- property: a mutated file loads or is refused, never crashes -------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 12)
    | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _containers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every object in the document, so a mutation can hit any level."""
    found = [path] if isinstance(node, dict) else []
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, child in children:
        found += _containers(child, (*path, key))
    return found


CONTAINERS = _containers(minimal())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_mutated_key_either_loads_or_raises_instrument_error(data: st.DataObject) -> None:
    document = copy.deepcopy(minimal())
    target: Any = document
    for key in data.draw(st.sampled_from(CONTAINERS)):
        target = target[key]
    key = data.draw(st.sampled_from(sorted(target)))
    if data.draw(st.booleans()):
        del target[key]
    else:
        target[key] = data.draw(json_values)
    try:
        instrument = parse_instrument(json.loads(json.dumps(document)), "fuzz")
    except InstrumentError as exc:
        assert str(exc).startswith("fuzz: ")
    else:
        # whatever loads is usable: every rated value has a category, cut items are unscored
        for item in instrument.rated_items:
            assert item.favourable and item.favourable <= item.values
            assert [item.category(v) for v in sorted(item.values)]
        assert all(not item.favourable and item.scale is None for item in instrument.cut_items)
