"""Organisation import: all or nothing, each problem named by row and reason, through the
function and through ``sentimeter import-org``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from sentimeter.db import session_scope
from sentimeter.models import Unit
from sentimeter.runtime import Runtime
from surveys.org import OrgImportError, Tree, import_org, parse_org_csv

HEADER = "code,parent_code,level,name,headcount\n"
GOOD = HEADER + "NP,,korps,Nationale Politie,100\nE1,NP,eenheid,Eenheid Een,60\n" \
    "D1,E1,district,District Een,60\nB1,D1,basisteam,Basisteam Een,60\nT1,B1,team,Team Een,12\n"

BAD_FILES = {
    "unknown parent": (GOOD + "T2,NOPE,team,Team Twee,8\n", "row 7 (T2): unknown parent 'NOPE'"),
    "duplicate code": (GOOD + "T1,B1,team,Team Een bis,8\n",
                       "row 7 (T1): duplicate code, first on row 6"),
    "bad level": (GOOD + "T2,B1,squad,Team Twee,8\n", "row 7 (T2): level 'squad' is not one of"),
    "negative headcount": (GOOD + "T2,B1,team,Team Twee,-3\n", "row 7 (T2): headcount '-3'"),
    "text headcount": (GOOD + "T2,B1,team,Team Twee,twelve\n", "row 7 (T2): headcount 'twelve'"),
    "superscript headcount": (GOOD + "T2,B1,team,Team Twee,\u00b2\n", "row 7 (T2): headcount"),
    "cycle": (HEADER + "NP,,korps,NP,10\nA,B,district,A,5\nB,A,basisteam,B,5\n",
              "row 3 (A): parent chain forms a cycle"),
    "level order": (GOOD + "D2,T1,district,District Twee,8\n",
                    "row 7 (D2): level district cannot sit under team T1"),
    "missing column": (GOOD + "T2,B1,team,8\n", "row 7: expected 5 columns, got 4"),
    "control character": (GOOD + "T\x002,B1,team,Team Twee,8\n", "row 7"),
    "wrong header": ("code;parent;level\nNP;;korps\n", "row 1: the header must be exactly"),
}


def _count(runtime: Runtime) -> int:
    with session_scope(runtime.engine) as session:
        return int(session.exec(select(func.count()).select_from(Unit)).one())


def _import_text(runtime: Runtime, text: str) -> Any:
    with session_scope(runtime.engine) as session:
        return import_org(session, parse_org_csv(text))


def test_a_good_file_adds_every_unit(runtime: Runtime) -> None:
    result = _import_text(runtime, GOOD)
    assert (result.added, result.updated) == (5, 0)
    with session_scope(runtime.engine) as session:
        tree = Tree.load(session)
    assert tree.subtree("NP") == ["NP", "E1", "D1", "B1", "T1"]
    assert tree.units["T1"].headcount == 12 and tree.ancestors("T1") == ["B1", "D1", "E1", "NP"]


def test_children_may_come_before_their_parents_in_the_file(runtime: Runtime) -> None:
    lines = GOOD.splitlines()
    result = _import_text(runtime, "\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    assert result.added == 5


def test_importing_again_updates_existing_units(runtime: Runtime) -> None:
    _import_text(runtime, GOOD)
    result = _import_text(runtime,
                          HEADER + "T1,B1,team,Team Een (nieuw),14\nT2,B1,team,Team Twee,9\n")
    assert (result.added, result.updated) == (1, 1)
    with session_scope(runtime.engine) as session:
        unit = session.get(Unit, "T1")
        assert unit is not None and unit.name == "Team Een (nieuw)" and unit.headcount == 14
    assert _count(runtime) == 6


def test_each_bad_file_is_rejected_whole_naming_the_row_and_reason(runtime: Runtime) -> None:
    # One database for all cases (setting one up is the slow part); each case starts from empty.
    for case, (text, expected) in BAD_FILES.items():
        with pytest.raises(OrgImportError) as caught:
            _import_text(runtime, text)
        assert any(expected in problem for problem in caught.value.problems), (case, caught.value)
        assert _count(runtime) == 0, f"{case}: nothing may be written, not even the good rows"


def test_a_bad_update_leaves_existing_units_untouched(runtime: Runtime) -> None:
    _import_text(runtime, GOOD)
    with pytest.raises(OrgImportError):
        _import_text(runtime, HEADER + "T1,B1,team,Renamed,14\nT9,GHOST,team,Ghost,5\n")
    with session_scope(runtime.engine) as session:
        unit = session.get(Unit, "T1")
        assert unit is not None and unit.name == "Team Een"
    assert _count(runtime) == 5


def test_changing_a_units_level_may_not_strand_its_existing_children(runtime: Runtime) -> None:
    _import_text(runtime, GOOD)
    with pytest.raises(OrgImportError, match="T1"):
        _import_text(runtime, HEADER + "B1,D1,team,Basisteam Een,60\n")
    with session_scope(runtime.engine) as session:
        unit = session.get(Unit, "B1")
        assert unit is not None and unit.level == "basisteam"


def test_the_cli_imports_a_good_file(runtime: Runtime, cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = cli("import-org", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert '"added": 5' in result.stdout
    assert _count(runtime) == 5


def test_the_cli_rejects_each_bad_file_with_the_row_and_a_nonzero_exit(
        runtime: Runtime, cli: Any, tmp_path: Path) -> None:
    for case, (text, expected) in BAD_FILES.items():
        path = tmp_path / "org.csv"
        path.write_text(text, encoding="utf-8")
        result = cli("import-org", str(path))
        assert result.exit_code != 0, case
        assert expected in result.stderr, (case, result.stderr)
        assert "nothing was imported" in result.stderr, case
        assert _count(runtime) == 0, case


def test_the_cli_refuses_a_file_that_is_not_utf8(
        runtime: Runtime, cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "org.csv"
    path.write_bytes(HEADER.encode() + "NP,,korps,Politie\xe9,5\n".encode("latin-1"))
    result = cli("import-org", str(path))
    assert result.exit_code != 0 and "UTF-8" in result.stderr
    assert _count(runtime) == 0


_cells = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
_row = st.lists(st.one_of(_cells, st.sampled_from(["NP", "E1", "team", "korps", "district", "5",
                                                   "-1", "T1", ""])), min_size=0, max_size=6)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.text(max_size=300),
    st.lists(_row, max_size=8).map(
        lambda rows: HEADER + "\n".join(",".join(cells) for cells in rows)),
))
def test_random_csv_text_raises_nothing_but_an_import_error(runtime: Runtime, text: str) -> None:
    before = _count(runtime)
    try:
        _import_text(runtime, text)
    except OrgImportError as exc:
        assert exc.problems
        assert _count(runtime) == before
