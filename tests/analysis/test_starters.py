"""The conversation-starter library and the chooser that turns team results into questions."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.starters import (
    LANGS,
    MAX_STARTERS,
    MIN_STARTERS,
    SCALE_IDS,
    ScaleResult,
    Starter,
    choose_starters,
    leader_guide,
    load_library,
    validate_library,
)

NAMES = {
    "atmosphere": "Sfeer",
    "psych_safety": "Psychologische veiligheid",
    "belonging": "Erbij horen",
    "social_safety": "Sociale veiligheid",
    "cooperation": "Samenwerking",
    "workload": "Werkdruk",
    "mystery_scale": "Onbekende schaal",
}


def result(scale: str, score: float | None, change: float | None = None) -> ScaleResult:
    return ScaleResult(scale=scale, name=NAMES[scale], score=score, change=change)


def kinds(starters: list[Starter]) -> list[tuple[str, str | None]]:
    return [(s.kind, s.scale) for s in starters]


def library_texts(scale: str, kind: str, lang: str) -> set[str]:
    return {entry[lang] for entry in load_library()["by_scale"][scale][kind]}


def general_texts(lang: str) -> set[str]:
    return {entry[lang] for entry in load_library()["general"]}


# --- the library -------------------------------------------------------------------------


def test_every_library_entry_has_dutch_and_english_text() -> None:
    library = load_library()
    entries = list(library["general"])
    for kinds_of_scale in library["by_scale"].values():
        for prompts in kinds_of_scale.values():
            entries.extend(prompts)
    assert len(entries) > 50
    for entry in entries:
        assert entry["nl"].strip() and entry["en"].strip()
        assert entry["nl"] != entry["en"]
    assert len(library["guide"]["nl"]) == len(library["guide"]["en"])
    assert 5 <= len(library["guide"]["nl"]) <= 8


def test_the_library_has_prompts_for_every_scale_of_both_instruments() -> None:
    by_scale = load_library()["by_scale"]
    for scale in SCALE_IDS:
        assert len(by_scale[scale]["weak"]) >= 3
        assert len(by_scale[scale]["strength"]) >= 2
        assert len(by_scale[scale]["declined"]) >= 2
        assert len(by_scale[scale]["improved"]) >= 1
    assert len(load_library()["general"]) >= 4


def test_no_prompt_asks_the_team_who_answered_what() -> None:
    library = load_library()
    texts = [e["en"].lower() for e in library["general"]]
    for kinds_of_scale in library["by_scale"].values():
        for prompts in kinds_of_scale.values():
            texts.extend(e["en"].lower() for e in prompts)
    assert not [t for t in texts if "who answered" in t or "who gave" in t]


def test_every_scale_of_the_shipped_instruments_gets_its_own_prompts() -> None:
    from surveys.instrument import available_instruments, load_instrument

    scale_ids = {
        scale.id
        for instrument_id, version in available_instruments()
        for scale in load_instrument(instrument_id, version).scales
    }
    assert scale_ids
    for scale_id in scale_ids:
        starters = choose_starters(
            [ScaleResult(scale_id, "Schaal", 20, None), result("workload", 99)], "nl"
        )
        assert (starters[0].kind, starters[0].scale) == ("weak", scale_id)
        assert starters[0].text not in general_texts("nl"), scale_id


def test_the_library_is_read_once_and_cached() -> None:
    assert load_library() is load_library()


def test_it_rejects_a_library_entry_without_english() -> None:
    broken: dict[str, Any] = copy.deepcopy(load_library())
    del broken["by_scale"]["workload"]["weak"][1]["en"]
    with pytest.raises(ValueError, match=r"by_scale\.workload\.weak\[1\] has no 'en'"):
        validate_library(broken)


def test_it_rejects_an_empty_dutch_general_prompt() -> None:
    broken: dict[str, Any] = copy.deepcopy(load_library())
    broken["general"][2]["nl"] = "  "
    with pytest.raises(ValueError, match=r"general\[2\] has no 'nl'"):
        validate_library(broken)


def test_it_rejects_a_library_without_one_of_the_instrument_scales() -> None:
    broken: dict[str, Any] = copy.deepcopy(load_library())
    del broken["by_scale"]["belonging"]
    with pytest.raises(ValueError, match=r"by_scale\.belonging is missing"):
        validate_library(broken)


def test_it_rejects_a_scale_with_too_few_weak_prompts() -> None:
    broken: dict[str, Any] = copy.deepcopy(load_library())
    broken["by_scale"]["atmosphere"]["weak"] = broken["by_scale"]["atmosphere"]["weak"][:2]
    with pytest.raises(ValueError, match=r"by_scale\.atmosphere\.weak needs"):
        validate_library(broken)


def test_it_rejects_a_guide_whose_languages_differ_in_length() -> None:
    broken: dict[str, Any] = copy.deepcopy(load_library())
    broken["guide"]["en"] = broken["guide"]["en"][:-1]
    with pytest.raises(ValueError, match="different number of points"):
        validate_library(broken)


# --- the leader guide --------------------------------------------------------------------


def test_the_guide_points_to_the_confidential_adviser_in_both_languages() -> None:
    assert any("vertrouwenspersoon" in point for point in leader_guide("nl"))
    assert any("confidential" in point for point in leader_guide("en"))


def test_the_guide_tells_the_leader_to_speak_last() -> None:
    assert any("last" in point for point in leader_guide("en"))
    assert leader_guide("nl") != leader_guide("en")


def test_changing_the_returned_guide_does_not_change_the_library() -> None:
    leader_guide("nl").clear()
    assert len(leader_guide("nl")) >= 5


def test_it_refuses_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        leader_guide("de")
    with pytest.raises(ValueError, match="unsupported language"):
        choose_starters([result("workload", 50)], "fr")


# --- the chooser -------------------------------------------------------------------------


def test_it_opens_with_the_weakest_scale() -> None:
    starters = choose_starters(
        [result("cooperation", 80), result("social_safety", 48), result("workload", 65)], "nl"
    )
    first = starters[0]
    assert (first.kind, first.scale) == ("weak", "social_safety")
    assert first.text in library_texts("social_safety", "weak", "nl")
    assert first.because == "Sociale veiligheid scoort het laagst van jullie schalen (48 van 100)."


def test_it_adds_the_second_weakest_scale_only_when_it_scores_low() -> None:
    low = choose_starters(
        [result("cooperation", 80), result("social_safety", 48), result("workload", 55)], "nl"
    )
    high = choose_starters(
        [result("cooperation", 80), result("social_safety", 48), result("workload", 75)], "nl"
    )
    assert ("weak", "workload") in kinds(low)
    assert ("weak", "workload") not in kinds(high)


def test_it_adds_the_largest_decline_of_at_least_five_points() -> None:
    starters = choose_starters(
        [
            result("atmosphere", 70, change=-6),
            result("cooperation", 60, change=-12.4),
            result("workload", 50, change=3),
        ],
        "en",
    )
    declined = [s for s in starters if s.kind == "declined"]
    assert [s.scale for s in declined] == ["cooperation"]
    assert declined[0].text in library_texts("cooperation", "declined", "en")
    assert declined[0].because == (
        "Samenwerking became 12 points less favourable since the previous round "
        "(now 60 out of 100; higher is more favourable)."
    )


def test_it_ignores_a_decline_smaller_than_five_points() -> None:
    starters = choose_starters(
        [result("atmosphere", 70, change=-4.9), result("workload", 50, change=-1)], "nl"
    )
    assert "declined" not in {s.kind for s in starters}


def test_it_picks_the_highest_scale_as_the_strength() -> None:
    starters = choose_starters(
        [result("belonging", 91), result("workload", 40), result("atmosphere", 77)], "nl"
    )
    strengths = [s for s in starters if s.kind == "strength"]
    assert [s.scale for s in strengths] == ["belonging"]
    assert strengths[0].text in library_texts("belonging", "strength", "nl")
    assert "Erbij horen scoort het hoogst" in strengths[0].because


def test_it_mentions_the_largest_improvement() -> None:
    starters = choose_starters(
        [result("belonging", 70, change=5), result("workload", 40, change=9.5)], "nl"
    )
    improved = [s for s in starters if s.kind == "improved"]
    assert [s.scale for s in improved] == ["workload"]
    assert improved[0].because == (
        "Werkdruk is sinds de vorige ronde 10 punten gunstiger geworden "
        "(nu 40 van 100; hoger is gunstiger)."
    )


def test_suppressed_scales_are_left_out_even_if_they_would_score_lowest() -> None:
    starters = choose_starters(
        [
            result("social_safety", None, change=-20),
            result("cooperation", 75),
            result("workload", 62),
        ],
        "nl",
    )
    assert "social_safety" not in {s.scale for s in starters}
    assert starters[0].scale == "workload"


@pytest.mark.parametrize("lang", LANGS)
def test_an_empty_or_fully_suppressed_input_returns_general_prompts_only(lang: str) -> None:
    for results in ([], [result("workload", None), result("belonging", None, change=-9)]):
        starters = choose_starters(results, lang)
        assert MIN_STARTERS <= len(starters) <= MAX_STARTERS
        assert {s.kind for s in starters} == {"general"}
        assert {s.scale for s in starters} == {None}
        assert {s.text for s in starters} <= general_texts(lang)
        assert len({s.text for s in starters}) == len(starters)


def test_an_unknown_scale_falls_back_to_general_prompts() -> None:
    starters = choose_starters([result("mystery_scale", 30), result("workload", 70)], "en")
    weak = starters[0]
    assert (weak.kind, weak.scale) == ("weak", "mystery_scale")
    assert weak.text in general_texts("en")
    assert "Onbekende schaal" in weak.because


def test_a_single_published_scale_is_described_as_the_only_one() -> None:
    starters = choose_starters([result("atmosphere", 85)], "nl")
    assert kinds(starters)[0] == ("strength", "atmosphere")
    assert "enige schaal" in starters[0].because
    assert len(starters) == MIN_STARTERS


def test_scores_are_rounded_half_up_in_the_reason() -> None:
    starters = choose_starters([result("workload", 48.5), result("atmosphere", 90)], "nl")
    assert "(49 van 100)" in starters[0].because


def test_the_same_seed_gives_the_same_questions_and_other_seeds_vary() -> None:
    results = [result(scale, 40 + 8 * i, change=-7 + 3 * i) for i, scale in enumerate(SCALE_IDS)]
    first = choose_starters(results, "nl", seed=3)
    assert choose_starters(list(results), "nl", seed=3) == first
    variants = {tuple(s.text for s in choose_starters(results, "nl", seed=n)) for n in range(10)}
    assert len(variants) > 1


# --- properties --------------------------------------------------------------------------

scores = st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False))
changes = st.one_of(st.none(), st.floats(min_value=-100, max_value=100, allow_nan=False))
result_lists = st.lists(
    st.builds(result, st.sampled_from(sorted(NAMES)), scores, changes), max_size=8
)


@settings(max_examples=150, deadline=None)
@given(results=result_lists, lang=st.sampled_from(LANGS), seed=st.integers(0, 2**32))
def test_it_always_gives_three_to_five_distinct_well_founded_questions(
    results: list[ScaleResult], lang: str, seed: int
) -> None:
    starters = choose_starters(results, lang, seed=seed)
    assert MIN_STARTERS <= len(starters) <= MAX_STARTERS
    scale_bound = [k for k in kinds(starters) if k[0] != "general"]
    assert len(set(scale_bound)) == len(scale_bound)
    assert len({s.text for s in starters}) == len(starters)
    published = {r.scale for r in results if r.score is not None}
    for starter in starters:
        assert starter.text and starter.because
        if starter.kind == "general":
            assert starter.scale is None
        else:
            assert starter.scale in published
            assert NAMES[starter.scale] in starter.because
    assert starters == choose_starters(results, lang, seed=seed)


@settings(max_examples=100, deadline=None)
@given(results=result_lists)
def test_a_published_scale_always_yields_the_weakest_question(results: list[ScaleResult]) -> None:
    first_seen: dict[str, float] = {}
    for r in results:
        if r.score is not None:
            first_seen.setdefault(r.scale, r.score)
    starters = choose_starters(results, "nl")
    if len(first_seen) > 1:
        assert starters[0].kind == "weak"
        assert starters[0].scale is not None
        assert first_seen[starters[0].scale] == min(first_seen.values())
