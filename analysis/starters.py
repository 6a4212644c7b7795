"""Conversation starters: turn a team's published scale results into questions for the meeting.

The surveys exist to give a team leader a starting point to talk with the team. From the
gated results we pick the weakest scales, the biggest changes since the previous round and
one strength, each with a plain sentence saying why it was chosen. Input is only what the
privacy gate already published (``score`` is None where a figure was suppressed), so this
module can never reveal more than the report it sits beside.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

Kind = Literal["weak", "declined", "improved", "strength", "general"]

LANGS = ("nl", "en")
SCALE_IDS = ("atmosphere", "psych_safety", "belonging", "social_safety", "cooperation", "workload")
SCALE_ALIASES = {"inclusion": "belonging"}
"""Other ids the instruments use for a scale in the library (the files say "inclusion")."""
MIN_STARTERS = 3
MAX_STARTERS = 5
NOTABLE_CHANGE = 5.0
"""A change of at least this many points (0-100 scale) is worth a question."""
SECOND_WEAK_BELOW = 60.0
"""The second-weakest scale only gets its own question when it scores below this."""

# Minimum number of prompts per kind, so the chooser always has some variety to draw from.
_MIN_PROMPTS: dict[str, int] = {"weak": 3, "strength": 2, "declined": 2, "improved": 1}
_MIN_GENERAL = MAX_STARTERS  # so a fully general list never repeats a prompt
_GUIDE_LENGTH = range(5, 9)
_ORDER: tuple[Kind, ...] = ("weak", "declined", "improved", "strength", "general")

_BECAUSE: dict[str, dict[str, str]] = {
    "weak": {
        "nl": "{name} scoort het laagst van jullie schalen ({score} van 100).",
        "en": "{name} has the lowest score of your scales ({score} out of 100).",
    },
    "weak_second": {
        "nl": "{name} scoort het op één na laagst van jullie schalen ({score} van 100).",
        "en": "{name} has the second-lowest score of your scales ({score} out of 100).",
    },
    "only": {
        "nl": "{name} is de enige schaal met een uitkomst die we mogen tonen ({score} van 100).",
        "en": "{name} is the only scale with a result we may show ({score} out of 100).",
    },
    "strength": {
        "nl": "{name} scoort het hoogst van jullie schalen ({score} van 100): "
        "iets om op te bouwen.",
        "en": "{name} has the highest score of your scales ({score} out of 100): "
        "something to build on.",
    },
    "declined": {
        "nl": "{name} is sinds de vorige ronde {change} punten ongunstiger geworden "
        "(nu {score} van 100; hoger is gunstiger).",
        "en": "{name} became {change} points less favourable since the previous round "
        "(now {score} out of 100; higher is more favourable).",
    },
    "improved": {
        "nl": "{name} is sinds de vorige ronde {change} punten gunstiger geworden "
        "(nu {score} van 100; hoger is gunstiger).",
        "en": "{name} became {change} points more favourable since the previous round "
        "(now {score} out of 100; higher is more favourable).",
    },
    "general_fill": {
        "nl": "Een open vraag, zodat ook onderwerpen buiten de uitkomsten aan bod komen.",
        "en": "An open question, so that topics outside the results get room too.",
    },
    "general_only": {
        "nl": "Er zijn geen uitkomsten per schaal die we mogen tonen, daarom een open vraag.",
        "en": "There are no scale results we may show, so this is an open question.",
    },
}


@dataclass(frozen=True)
class ScaleResult:
    """One scale's published result for a team; None where the gate suppressed it."""

    scale: str
    name: str
    score: float | None
    change: float | None


@dataclass(frozen=True)
class Starter:
    """One question for the team meeting, with the reason it was chosen."""

    kind: Kind
    scale: str | None
    text: str
    because: str


@dataclass(frozen=True)
class _Pick:
    kind: Kind
    result: ScaleResult | None
    because_key: str


# --- library ---------------------------------------------------------------------------


@cache
def load_library() -> dict[str, Any]:
    """Read and validate analysis/starters.json once; callers must treat it as read-only."""
    raw = resources.files("analysis").joinpath("starters.json").read_text(encoding="utf-8")
    return validate_library(json.loads(raw))


def validate_library(data: Any) -> dict[str, Any]:
    """Check the library's shape so a missing translation fails at start, not in a meeting."""
    if not isinstance(data, dict):
        raise ValueError("starters.json: the top level must be an object")
    _validate_guide(data.get("guide"))
    by_scale = data.get("by_scale")
    if not isinstance(by_scale, dict):
        raise ValueError("starters.json: 'by_scale' must be an object")
    for scale_id in SCALE_IDS:
        if scale_id not in by_scale:
            raise ValueError(f"starters.json: by_scale.{scale_id} is missing")
    for scale_id, kinds in by_scale.items():
        _validate_scale(str(scale_id), kinds)
    _validate_entries("general", data.get("general"), _MIN_GENERAL)
    return data


def _validate_guide(guide: Any) -> None:
    if not isinstance(guide, dict):
        raise ValueError("starters.json: 'guide' must be an object with 'nl' and 'en'")
    for lang in LANGS:
        points = guide.get(lang)
        if not isinstance(points, list) or len(points) not in _GUIDE_LENGTH:
            raise ValueError(f"starters.json: guide.{lang} must be a list of 5 to 8 points")
        for index, point in enumerate(points):
            if not isinstance(point, str) or not point.strip():
                raise ValueError(f"starters.json: guide.{lang}[{index}] is empty")
    if len(guide["nl"]) != len(guide["en"]):
        raise ValueError("starters.json: guide.nl and guide.en have a different number of points")


def _validate_scale(scale_id: str, kinds: Any) -> None:
    if not isinstance(kinds, dict):
        raise ValueError(f"starters.json: by_scale.{scale_id} must be an object")
    for kind, minimum in _MIN_PROMPTS.items():
        _validate_entries(f"by_scale.{scale_id}.{kind}", kinds.get(kind), minimum)


def _validate_entries(where: str, entries: Any, minimum: int) -> None:
    if not isinstance(entries, list) or len(entries) < minimum:
        raise ValueError(f"starters.json: {where} needs a list of at least {minimum} prompts")
    for index, entry in enumerate(entries):
        for lang in LANGS:
            text = entry.get(lang) if isinstance(entry, dict) else None
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"starters.json: {where}[{index}] has no '{lang}' text")


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


def leader_guide(lang: str) -> list[str]:
    """The short guide for holding the team conversation safely, in one language."""
    return list(load_library()["guide"][_check_lang(lang)])


# --- chooser ---------------------------------------------------------------------------


def choose_starters(results: Sequence[ScaleResult], lang: str, *, seed: int = 0) -> list[Starter]:
    """Pick 3 to 5 questions: weakest scales, largest decline and rise, one strength, fill."""
    _check_lang(lang)
    scored = _scored(results)
    picks = _data_picks(scored)[:MAX_STARTERS]
    fill_key = "general_fill" if scored else "general_only"
    while len(picks) < MIN_STARTERS:
        picks.append(_Pick("general", None, fill_key))
    picks.sort(key=lambda pick: _ORDER.index(pick.kind))
    return _render(picks, lang, seed)


def _scored(results: Sequence[ScaleResult]) -> list[ScaleResult]:
    """Published results, lowest first; one per scale so no scale is counted twice."""
    seen: set[str] = set()
    scored: list[ScaleResult] = []
    for result in results:
        if result.score is None or not math.isfinite(result.score) or result.scale in seen:
            continue
        seen.add(result.scale)
        scored.append(result)
    return sorted(scored, key=lambda r: (r.score, r.scale))


def _data_picks(scored: list[ScaleResult]) -> list[_Pick]:
    """Questions driven by the results, most important first."""
    if not scored:
        return []
    if len(scored) == 1:
        only = scored[0]
        kind: Kind = "weak" if (only.score or 0.0) < SECOND_WEAK_BELOW else "strength"
        picks = [_Pick(kind, only, "only")]
    else:
        picks = [_Pick("weak", scored[0], "weak"), _Pick("strength", scored[-1], "strength")]
        second = scored[1]
        if len(scored) >= 3 and (second.score or 0.0) < SECOND_WEAK_BELOW:
            picks.append(_Pick("weak", second, "weak_second"))
    decline = _largest_change(scored, sign=-1)
    if decline is not None:
        picks.insert(1, _Pick("declined", decline, "declined"))
    rise = _largest_change(scored, sign=1)
    if rise is not None:
        picks.append(_Pick("improved", rise, "improved"))
    return picks


def _largest_change(scored: list[ScaleResult], *, sign: int) -> ScaleResult | None:
    """The scale with the largest notable change in one direction (ties: by scale id)."""
    notable = [
        r
        for r in scored
        if r.change is not None and math.isfinite(r.change) and sign * r.change >= NOTABLE_CHANGE
    ]
    if not notable:
        return None
    return min(notable, key=lambda r: (-sign * (r.change or 0.0), r.scale))


def _render(picks: list[_Pick], lang: str, seed: int) -> list[Starter]:
    library = load_library()
    used: set[str] = set()
    starters: list[Starter] = []
    for pick in picks:
        scale = pick.result.scale if pick.result is not None else None
        pool = _prompt_pool(library, pick.kind, scale)
        text = _draw(pool, lang, used, f"{seed}:{scale}:{pick.kind}")
        used.add(text)
        because = _because(pick, lang)
        starters.append(Starter(kind=pick.kind, scale=scale, text=text, because=because))
    return starters


def _prompt_pool(library: dict[str, Any], kind: Kind, scale: str | None) -> list[dict[str, str]]:
    """The scale's own prompts for this kind; general prompts for unknown scales."""
    if scale is not None and kind != "general":
        kinds = library["by_scale"].get(SCALE_ALIASES.get(scale, scale))
        if kinds is not None:
            return list(kinds[kind])
    return list(library["general"])


def _draw(pool: list[dict[str, str]], lang: str, used: set[str], salt: str) -> str:
    """A seeded pick that depends only on seed, scale and kind, and never repeats a text."""
    texts = sorted(
        (entry[lang] for entry in pool),
        key=lambda text: hashlib.sha256(f"{salt}:{text}".encode()).digest(),
    )
    fresh = [text for text in texts if text not in used]
    return fresh[0] if fresh else texts[0]


def _because(pick: _Pick, lang: str) -> str:
    template = _BECAUSE[pick.because_key][lang]
    result = pick.result
    if result is None:
        return template
    return template.format(
        name=result.name,
        score=_whole(result.score or 0.0),
        change=_whole(abs(result.change or 0.0)),
    )


def _whole(value: float) -> int:
    """Round half up, so 48.5 reads as 49 as people expect (not banker's rounding)."""
    return math.floor(value + 0.5)
