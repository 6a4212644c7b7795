"""When figures are released: at close (then frozen), or in interim steps of >= k.

The publication is computed once and stored; closed rounds are never decrypted again for
reports. An ``--interim`` round publishes snapshots of each team's answers in batches of
at least k (see ``released_frame``), so nobody can watch a single answer arrive; a round
without ``--interim`` shows nothing until it closes.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from datetime import UTC, timedelta
from typing import Any

import msgspec
import numpy as np
import pandas as pd
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from analysis.aggregate import aggregate, cut_frames
from analysis.decrypt import load_answers
from analysis.gate import publish
from analysis.storage_close import rewrite_closed_round
from sentimeter.models import Publication, Response, Round, utcnow
from sentimeter.vault import Vault
from surveys.codes import code_counts
from surveys.instrument import Instrument, load_instrument
from surveys.org import Tree
from surveys.rounds import RoundError, close_round, get_round

INTERIM_MIN_INTERVAL = timedelta(minutes=10)


def compute_publication(session: Session, vault: Vault, round_: Round, *,
                        frame: pd.DataFrame | None = None, final: bool) -> dict[str, Any]:
    """Decrypt, aggregate and gate a round (or the released part of an interim round)."""
    instrument = load_instrument(round_.instrument, round_.version)
    tree = Tree.load(session)
    if frame is None:
        frame = load_answers(session, vault, round_, instrument)
    agg = aggregate(frame, instrument, tree, round_.unit_code)
    cut_aggs = {c: aggregate(f, instrument, tree, round_.unit_code)
                for c, f in cut_frames(frame, instrument).items()} if final else {}
    assert round_.id is not None
    codes = {c.unit_code: (c.issued, c.used) for c in code_counts(session, round_.id)}
    payload = publish(tree=tree, root=round_.unit_code, instrument=instrument, k=round_.k,
                      agg=agg, cut_aggs=cut_aggs, codes=codes, final=final)
    payload["round_id"] = round_.id
    payload["kind"] = "final" if final else "interim"
    return payload


def _store(session: Session, round_id: int, kind: str, seq: int, payload: dict[str, Any]) -> None:
    payload["seq"] = seq
    session.add(Publication(round_id=round_id, kind=kind, seq=seq,
                            payload=json.dumps(payload, separators=(",", ":"))))
    session.flush()


def close_and_publish(session: Session, vault: Vault, round_id: int) -> dict[str, Any]:
    """Close an open round, shuffle its rows and store its final publication.

    An interim round's final publication is its last step: pending answers of a team join
    only as a batch of at least k, with the same masking as every snapshot, so the final
    minus the last snapshot is again 0 or at least k people per team and measure. The
    released frame is read before closing, because closing clears the batch numbers.
    """
    round_ = get_round(session, round_id)
    frame = None
    if round_.interim and round_.state == "open":
        _batch_pending(session, round_, _last_seq(session, round_id) + 1)
        instrument = load_instrument(round_.instrument, round_.version)
        frame = released_frame(load_answers(session, vault, round_, instrument), round_.k,
                               instrument)
    round_ = close_round(session, round_id)
    rewrite_closed_round(session, vault, round_)  # see analysis/storage_close.py
    vault.forget(round_id)
    payload = compute_publication(session, vault, round_, frame=frame, final=True)
    _store(session, round_id, "final", 0, payload)
    return payload


def stored_publication(session: Session, round_id: int) -> dict[str, Any] | None:
    """The latest stored publication of a round: final if any, else the newest interim.

    Stored publications never change, so each is parsed once per process and kept in a
    small cache (a force-wide publication is megabytes of JSON). Callers treat the result
    as read-only.
    """
    rows = session.execute(
        select(col(Publication.id), col(Publication.kind), col(Publication.created_at))
        .where(col(Publication.round_id) == round_id)
        .order_by(col(Publication.kind).asc(), col(Publication.seq).desc())).all()
    finals = [r for r in rows if r[1] == "final"]
    chosen = finals[0] if finals else (rows[0] if rows else None)
    if chosen is None:
        return None
    publication_id, _, created_at = chosen
    # keyed by database too: one process may see several (tests, a restore)
    key = (session.get_bind().engine.url.render_as_string(), publication_id, created_at)
    cached = _parsed.get(key)
    if cached is None:
        payload = session.execute(select(col(Publication.payload))
                                  .where(col(Publication.id) == publication_id)).scalar_one()
        cached = msgspec.json.decode(payload)
        cached["created_at"] = created_at.isoformat(timespec="minutes")
        _remember(key, cached)
    else:
        with _parsed_lock:
            if key in _parsed:
                _parsed.move_to_end(key)
    return cached


PARSED_CACHE_SIZE = 6
_parsed: OrderedDict[tuple[str, int, Any], dict[str, Any]] = OrderedDict()
_parsed_lock = threading.Lock()


def _remember(key: tuple[str, int, Any], parsed: dict[str, Any]) -> None:
    with _parsed_lock:
        _parsed[key] = parsed
        while len(_parsed) > PARSED_CACHE_SIZE:
            _parsed.popitem(last=False)


def current_publication(session: Session, vault: Vault, round_: Round) -> dict[str, Any] | None:
    """What may be shown of a round right now (None: nothing yet).

    A non-interim round shows nothing until it closes. A closed round without a stored
    publication (closed by ``close_round`` alone) is computed once from all its rows; if it
    had interim snapshots, their latest one stays the publication, because the batch
    numbers needed for a safe final step are gone.
    """
    assert round_.id is not None
    if round_.state == "closed":
        stored = stored_publication(session, round_.id)
        if stored is None and round_.keys_destroyed_at is None:
            payload = compute_publication(session, vault, round_, final=True)
            _store(session, round_.id, "final", 0, payload)
            return stored_publication(session, round_.id)
        return stored
    if round_.state == "open" and round_.interim:
        latest = stored_publication(session, round_.id)
        due = latest is None or utcnow() - _created(session, round_.id) >= INTERIM_MIN_INTERVAL
        if due:
            take_snapshot(session, vault, round_)
            latest = stored_publication(session, round_.id)
        return latest
    return None


def _created(session: Session, round_id: int) -> Any:
    created = session.exec(select(func.max(Publication.created_at))
                           .where(Publication.round_id == round_id)).one()
    if created is not None and created.tzinfo is None:  # SQLite returns naive datetimes
        created = created.replace(tzinfo=UTC)
    return created


def _last_seq(session: Session, round_id: int) -> int:
    last = session.exec(select(func.max(Publication.seq))
                        .where(Publication.round_id == round_id)).one()
    return int(last or 0)


def _batch_pending(session: Session, round_: Round, seq: int) -> list[str]:
    """Number the pending answers of every team with at least k of them; the teams batched."""
    pending = session.exec(
        select(Response.unit_code, func.count()).where(Response.round_id == round_.id)
        .where(col(Response.batch).is_(None)).group_by(Response.unit_code)).all()
    ready = [unit for unit, n in pending if n >= round_.k]
    if ready:
        session.execute(update(Response).where(col(Response.round_id) == round_.id)
                        .where(col(Response.batch).is_(None))
                        .where(col(Response.unit_code).in_(ready)).values(batch=seq))
        session.flush()
    return ready


def take_snapshot(session: Session, vault: Vault, round_: Round) -> bool:
    """Release new batches of >= k answers per team; store a snapshot if anything changed."""
    assert round_.id is not None
    if round_.state != "open" or not round_.interim:
        raise RoundError(f"Round {round_.id} is not an open interim round; "
                         "only those have snapshots.")
    last_seq = _last_seq(session, round_.id)
    ready = _batch_pending(session, round_, last_seq + 1)
    if not ready and last_seq:
        return False
    instrument = load_instrument(round_.instrument, round_.version)
    frame = released_frame(load_answers(session, vault, round_, instrument), round_.k,
                           instrument)
    _store(session, round_.id, "interim", last_seq + 1,
           compute_publication(session, vault, round_, frame=frame, final=False))
    return True


def released_frame(frame: pd.DataFrame, k: int, instrument: Instrument) -> pd.DataFrame:
    """Answers released so far: whole batches, each cut into cells of 0 or >= k people.

    A batch is at least k answers of one team. Within it, an item that 1..k-1 people
    answered is blanked for the whole batch, and so is every item of a scale that 1..k-1
    people of the batch answered at all; blanking only lowers counts to 0, so one pass
    suffices. Every figure of a unit is then a sum of such cells, and any difference between
    two snapshots (or between the final publication and the last snapshot) covers 0 or at
    least k people per measure: nobody can watch a single answer arrive, skips included.
    Blanked answers stay sealed but never enter a figure.
    """
    released = frame[frame["batch"].notna()].copy()
    if released.empty:
        return released
    ids = [item.id for item in instrument.items]
    column = {item_id: j for j, item_id in enumerate(ids)}
    scales = [[column[i.id] for i in instrument.scale_items(s.id)] for s in instrument.scales]
    answered = released[ids].notna().to_numpy()
    cells = released.groupby(["unit_code", "batch"]).ngroup().to_numpy()
    for cell in np.unique(cells):
        rows = cells == cell
        block = answered[rows]
        block[:, _small(block.sum(axis=0), k)] = False
        for members in scales:
            if members and _small(block[:, members].any(axis=1).sum(), k):
                block[:, members] = False
        answered[rows] = block
    released[ids] = released[ids].where(answered)
    return released


def _small(count: Any, k: int) -> Any:
    """1..k-1 (elementwise): a count that would single out fewer than k people."""
    return (count > 0) & (count < k)


def publication_history(session: Session, round_id: int) -> list[dict[str, Any]]:
    """Every stored snapshot of a round (for the attack tests and the audit)."""
    rows = session.exec(select(Publication).where(Publication.round_id == round_id)
                        .order_by(col(Publication.seq))).all()
    return [json.loads(r.payload) for r in rows]


def group_by_unit(payload: dict[str, Any]) -> dict[str, list[str]]:
    """Children per unit code in a publication (for drill-down)."""
    children: dict[str, list[str]] = defaultdict(list)
    for code, entry in payload["units"].items():
        if entry.get("parent"):
            children[entry["parent"]].append(code)
    return dict(children)
