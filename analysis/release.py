"""When figures are released: once, when a round closes, and then frozen.

Nothing of an open round is ever published: no interim snapshots, no live figures. Closing
a round decrypts it once, gates it and stores the typed publication (``Publication``) with
the organisation tree as it was at close. Reading a publication never decrypts, never
computes and never writes: report code needs no key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import msgspec
import pandas as pd
from sqlmodel import Session, col, select

from analysis.aggregate import aggregate, cut_frames
from analysis.decrypt import load_answers
from analysis.gate import publish
from analysis.publication import Publication, decode, encode
from analysis.storage_close import rewrite_closed_round
from sentimeter.models import Publication as StoredPublication
from sentimeter.models import Round
from sentimeter.vault import Vault
from surveys.codes import code_counts
from surveys.instrument import load_instrument
from surveys.org import Tree
from surveys.rounds import close_round


def over_headcount(session: Session, round_: Round, tree: Tree) -> frozenset[str]:
    """Teams with more used codes than people: k answers there need not be k people.

    The headcount is the organisation's at close (a headcount frozen at open replaces it
    where the round records one); 0 means unknown and is not checked.
    """
    assert round_.id is not None
    frozen = getattr(round_, "headcounts", None) or {}
    over = set()
    for c in code_counts(session, round_.id):
        unit = tree.units.get(c.unit_code)
        headcount = int(frozen.get(c.unit_code, unit.headcount if unit else 0))
        if headcount > 0 and c.used > headcount:
            over.add(c.unit_code)
    return frozenset(over)


def compute_publication(session: Session, vault: Vault, round_: Round, *,
                        frame: pd.DataFrame | None = None) -> Publication:
    """Decrypt, aggregate and gate a closed round, with the tree as it is now (at close)."""
    assert round_.id is not None
    instrument = load_instrument(round_.instrument, round_.version)
    tree = Tree.load(session)
    if frame is None:
        frame = load_answers(session, vault, round_, instrument)
    over = over_headcount(session, round_, tree)
    frame = frame[~frame["unit_code"].isin(over)]
    agg = aggregate(frame, instrument, tree, round_.unit_code)
    cut_aggs = {c: aggregate(f, instrument, tree, round_.unit_code)
                for c, f in cut_frames(frame, instrument).items()}
    teams = {u: [t for t in tree.subtree(u) if t not in over]
             for u in tree.subtree(round_.unit_code)}
    return publish(tree=tree, root=round_.unit_code, instrument=instrument, k=round_.k,
                   agg=agg, cut_aggs=cut_aggs, round_id=round_.id, over_headcount=over,
                   teams=teams)


def _store(session: Session, publication: Publication) -> None:
    session.add(StoredPublication(round_id=publication.round_id, kind="final", seq=0,
                                  payload=encode(publication).decode()))
    session.flush()


def close_and_publish(session: Session, vault: Vault, round_id: int) -> Publication:
    """Close an open round, shuffle its rows and store its one, final publication."""
    round_ = close_round(session, round_id)
    rewrite_closed_round(session, vault, round_)  # see analysis/storage_close.py
    vault.forget(round_id)
    publication = compute_publication(session, vault, round_)
    _store(session, publication)
    return publication


def stored_publication(session: Session, round_id: int) -> Publication | None:
    """The stored publication of a closed round (None: the round was never published).

    Stored publications never change, so each is parsed once per process and kept in a
    small cache (a force-wide publication is megabytes of JSON).
    """
    row = session.execute(
        select(col(StoredPublication.id), col(StoredPublication.created_at))
        .where(col(StoredPublication.round_id) == round_id)
        .where(col(StoredPublication.kind) == "final")).first()
    if row is None:
        return None
    publication_id, created_at = row
    # keyed by database too: one process may see several (tests, a restore)
    key = (session.get_bind().engine.url.render_as_string(), publication_id, created_at)
    with _parsed_lock:
        cached = _parsed.get(key)
        if cached is not None:
            _parsed.move_to_end(key)
            return cached
    payload = session.execute(select(col(StoredPublication.payload))
                              .where(col(StoredPublication.id) == publication_id)).scalar_one()
    parsed = msgspec.structs.replace(decode(payload),
                                     created_at=created_at.isoformat(timespec="minutes"))
    _remember(key, parsed)
    return parsed


PARSED_CACHE_SIZE = 6
_parsed: OrderedDict[tuple[str, int, Any], Publication] = OrderedDict()
_parsed_lock = threading.Lock()


def _remember(key: tuple[str, int, Any], parsed: Publication) -> None:
    with _parsed_lock:
        _parsed[key] = parsed
        while len(_parsed) > PARSED_CACHE_SIZE:
            _parsed.popitem(last=False)


def current_publication(session: Session, round_: Round) -> Publication | None:
    """What may be shown of a round: its stored publication once closed, else nothing."""
    if round_.state != "closed" or round_.id is None:
        return None
    return stored_publication(session, round_.id)
