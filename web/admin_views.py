"""What the administration pages show beyond raw rows: the organisation browser, schedule
checks and the confirmations after an action.

The organisation of a national force has thousands of units, so the admin page never lists
it whole: it shows one unit with its path and its children, and a search. Both work as
plain links and a GET form, without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sentimeter.models import Unit
from surveys.org import Tree

# Confirmations after a redirect (?done=...); their text lives in the templates (translated).
DONE_MESSAGES = ("created", "opened", "closed", "account", "requested", "decided")
SEARCH_LIMIT = 50


@dataclass
class OrgView:
    """One unit in focus (path from the root, children) and the results of a search."""

    focus: Unit | None
    path: list[Unit] = field(default_factory=list)
    children: list[tuple[Unit, int]] = field(default_factory=list)  # unit, its child count
    query: str = ""
    matches: list[tuple[Unit, list[Unit]]] = field(default_factory=list)  # unit, its path
    more: int = 0
    total: int = 0


def organisation_view(tree: Tree, *, query: str = "", focus: str = "") -> OrgView:
    """The root (or ``focus``) with its children, and units whose name or code holds ``query``."""
    roots = sorted(c for c, u in tree.units.items() if u.parent_code not in tree.units)
    code = focus if focus in tree.units else (roots[0] if roots else "")
    view = OrgView(focus=tree.units.get(code), query=query.strip(), total=len(tree.units))
    if code:
        view.path = [tree.units[c] for c in reversed(tree.ancestors(code))]
        view.children = [(tree.units[c], len(tree.children.get(c, [])))
                         for c in tree.children.get(code, [])]
    if view.query:
        needle = view.query.casefold()
        found = [u for u in tree.units.values()
                 if needle in u.name.casefold() or needle in u.code.casefold()]
        found.sort(key=lambda u: (len(tree.ancestors(u.code)), u.name))
        view.more = max(0, len(found) - SEARCH_LIMIT)
        view.matches = [(u, [tree.units[c] for c in reversed(tree.ancestors(u.code))])
                        for u in found[:SEARCH_LIMIT]]
    return view


def schedule_problem(opens: datetime | None, closes: datetime | None,
                     now: datetime) -> str | None:
    """Why a schedule is refused (a message key for the template), or None when it is fine."""
    if closes is not None and closes <= now:
        return "closes_past"
    if opens is not None and closes is not None and closes <= opens:
        return "closes_before_opens"
    return None
