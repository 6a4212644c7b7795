"""The organisation tree: import (all-or-nothing) and navigation."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from sentimeter.audit import record
from sentimeter.models import LEVELS, Round, RoundTeam, Unit

HEADER = ["code", "parent_code", "level", "name", "headcount"]


class OrgImportError(ValueError):
    """The file was rejected as a whole; ``problems`` names each row and reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class OrgRow:
    code: str
    parent_code: str | None
    level: str
    name: str
    headcount: int


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int


def parse_org_csv(text: str) -> list[OrgRow]:
    """Parse the CSV; every malformed row is reported (row numbers count the header as 1)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise OrgImportError([f"row {reader.line_num}: not readable as CSV ({exc})"]) from exc
    if not rows or [h.strip() for h in rows[0]] != HEADER:
        raise OrgImportError([f"row 1: the header must be exactly {','.join(HEADER)}"])
    parsed: list[OrgRow] = []
    problems: list[str] = []
    for number, raw in enumerate(rows[1:], start=2):
        if not raw or all(not cell.strip() for cell in raw):
            continue
        if len(raw) != len(HEADER):
            problems.append(f"row {number}: expected {len(HEADER)} columns, got {len(raw)}")
            continue
        code, parent, level, name, headcount = (cell.strip() for cell in raw)
        row_problems = _row_problems(code, level, name, headcount)
        if row_problems:
            problems.extend(f"row {number} ({code or '?'}): {p}" for p in row_problems)
            continue
        parsed.append(OrgRow(code, parent or None, level, name, int(headcount)))
    if problems:
        raise OrgImportError(problems)
    return parsed


def _row_problems(code: str, level: str, name: str, headcount: str) -> list[str]:
    problems = []
    if not code or len(code) > 64 or any(c in code for c in "/\\?#% ") or not code.isprintable():
        problems.append("the code is empty, too long or has a character out of / \\ ? # % space "
                        "or a control character")
    if level not in LEVELS:
        problems.append(f"level {level!r} is not one of {', '.join(LEVELS)}")
    if not name or len(name) > 200 or not name.isprintable():
        problems.append("the name is empty, longer than 200 characters or has a control character")
    # isdigit() alone also takes "²" (which int() refuses) and other scripts' digits.
    if not (headcount.isascii() and headcount.isdigit()) or int(headcount) > 1_000_000:
        problems.append(f"headcount {headcount!r} is not a whole number from 0 to 1000000")
    return problems


def import_org(session: Session, rows: Sequence[OrgRow], *, actor: str = "") -> ImportResult:
    """Add or update units; any problem rejects the whole set and writes nothing.

    A headcount change of a team in an open round is written to the audit log (as
    ``actor``): it does not move the cap frozen at opening (surveys.codes.cap_of), but
    whoever reads the log sees who changed a team while people were answering.
    """
    existing = {u.code: u for u in session.exec(select(Unit))}
    problems = _validate_tree(rows, existing)
    if problems:
        raise OrgImportError(problems)
    _audit_headcounts(session, rows, existing, actor or "unknown")
    added = updated = 0
    for row in _parents_first(rows, existing):
        unit = existing.get(row.code)
        if unit is None:
            unit = Unit(code=row.code, level=row.level, name=row.name, headcount=row.headcount)
            added += 1
        else:
            updated += 1
        unit.parent_code, unit.level = row.parent_code, row.level
        unit.name, unit.headcount = row.name, row.headcount
        session.add(unit)
        session.flush()
    return ImportResult(added=added, updated=updated)


def _audit_headcounts(session: Session, rows: Sequence[OrgRow], existing: dict[str, Unit],
                      actor: str) -> None:
    changed = {r.code: (existing[r.code].headcount, r.headcount) for r in rows
               if r.code in existing and existing[r.code].headcount != r.headcount}
    if not changed:
        return
    frozen = session.exec(
        select(RoundTeam).join(Round, col(Round.id) == col(RoundTeam.round_id))
        .where(Round.state == "open").where(col(RoundTeam.unit_code).in_(list(changed)))).all()
    for team in frozen:
        old, new = changed[team.unit_code]
        record(session, actor=actor, action="org.headcount", target=f"unit:{team.unit_code}",
               detail=f"headcount {old} -> {new} during open round {team.round_id}; its cap "
                      f"stays {team.cap} unless a second administrator raises it")


def _validate_tree(rows: Sequence[OrgRow], existing: dict[str, Unit]) -> list[str]:
    problems: list[str] = []
    seen: dict[str, int] = {}
    parent_of = {code: unit.parent_code for code, unit in existing.items()}
    level_of = {code: unit.level for code, unit in existing.items()}
    for number, row in enumerate(rows, start=2):
        if row.code in seen:
            problems.append(f"row {number} ({row.code}): duplicate code, "
                            f"first on row {seen[row.code]}")
        seen[row.code] = number
        parent_of[row.code] = row.parent_code
        level_of[row.code] = row.level
    for number, row in enumerate(rows, start=2):
        parent = row.parent_code
        if parent is None:
            if row.level != "korps":
                problems.append(f"row {number} ({row.code}): only the korps may have no parent")
            continue
        if parent not in parent_of:
            problems.append(f"row {number} ({row.code}): unknown parent {parent!r}")
        elif LEVELS.index(level_of[parent]) >= LEVELS.index(row.level):
            problems.append(f"row {number} ({row.code}): level {row.level} cannot sit under "
                            f"{level_of[parent]} {parent}")
        if _has_cycle(row.code, parent_of):
            problems.append(f"row {number} ({row.code}): parent chain forms a cycle")
    problems.extend(_stranded_children(rows, existing, level_of))
    return problems


def _stranded_children(rows: Sequence[OrgRow], existing: dict[str, Unit],
                       level_of: dict[str, str]) -> list[str]:
    """A unit whose level changes must still sit above the children it already has."""
    in_file = {row.code for row in rows}
    problems = []
    for number, row in enumerate(rows, start=2):
        for child in existing.values():
            if child.parent_code != row.code or child.code in in_file:
                continue
            if LEVELS.index(row.level) >= LEVELS.index(level_of[child.code]):
                problems.append(f"row {number} ({row.code}): level {row.level} cannot sit above "
                                f"its existing {level_of[child.code]} {child.code}")
    return problems


def _has_cycle(start: str, parent_of: dict[str, str | None]) -> bool:
    seen = {start}
    current = parent_of.get(start)
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False


def _parents_first(rows: Sequence[OrgRow], existing: dict[str, Unit]) -> list[OrgRow]:
    placed = set(existing)
    pending = list(rows)
    ordered: list[OrgRow] = []
    while pending:
        ready = [r for r in pending if r.parent_code is None or r.parent_code in placed]
        ordered.extend(ready)
        placed.update(r.code for r in ready)
        pending = [r for r in pending if r not in ready]
    return ordered


@dataclass
class Tree:
    """An in-memory view of the organisation for navigation and aggregation."""

    units: dict[str, Unit]
    children: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Tree:
        units = {u.code: u for u in session.exec(select(Unit))}
        return cls.from_units(units.values())

    @classmethod
    def from_units(cls, units: Iterable[Unit]) -> Tree:
        by_code = {u.code: u for u in units}
        children: dict[str, list[str]] = {code: [] for code in by_code}
        for unit in by_code.values():
            if unit.parent_code is not None and unit.parent_code in children:
                children[unit.parent_code].append(unit.code)
        for kids in children.values():
            kids.sort(key=lambda c: by_code[c].name)
        return cls(units=by_code, children=children)

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent, ... up to the root."""
        chain = []
        parent = self.units[code].parent_code
        while parent is not None and parent in self.units:
            chain.append(parent)
            parent = self.units[parent].parent_code
        return chain

    def subtree(self, code: str) -> list[str]:
        """``code`` and everything below it, parents before children."""
        order, stack = [], [code]
        while stack:
            current = stack.pop()
            order.append(current)
            stack.extend(reversed(self.children.get(current, [])))
        return order

    def is_within(self, code: str, root: str) -> bool:
        return code == root or root in self.ancestors(code)

    def roots(self) -> list[str]:
        return [c for c, u in self.units.items() if u.parent_code is None]
