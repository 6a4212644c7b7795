"""Which answers of an item count as favourable, in words, so no page or export has to guess.

Scores are oriented so that higher is always more favourable, but statements are not: for a
negatively worded one ("the work was too much for me") disagreeing is favourable. Every chart,
table and summary that names a share says which answers that share counts.
"""

from __future__ import annotations

from surveys.instrument import Item

_AGREE: dict[str, tuple[str, str]] = {
    "nl": ("(helemaal) oneens", "(helemaal) eens"),
    "en": ("(strongly) disagree", "(strongly) agree"),
}


def is_reversed(item: Item) -> bool:
    """True when the favourable answers lie at the low end of the item's own scale."""
    if item.type == "choice" or not item.favourable:
        return False
    low, high = min(item.values), max(item.values)
    return max(item.favourable) < (low + high) / 2


def favourable_answers(item: Item, lang: str) -> str:
    """The favourable answers in the reader's words: "(helemaal) oneens", "7–10", "Nee"."""
    if not item.favourable:
        return ""
    if item.type == "agree5":
        disagree, agree = _AGREE.get(lang, _AGREE["nl"])
        return disagree if is_reversed(item) else agree
    if item.type == "choice":
        labels = [o.label.get(lang, str(o.value)) for o in item.options
                  if o.value in item.favourable]
        return " / ".join(labels)
    return f"{min(item.favourable)}–{max(item.favourable)}"


def mean_range(item: Item) -> str:
    """The item's own scale ends for its average ("1–5", "0–10"); empty for choice items."""
    if item.type == "choice":
        return ""
    return f"{min(item.values)}–{max(item.values)}"
