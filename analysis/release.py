"""When figures are released: at close (then frozen), or in interim steps of >= k.

The publication is computed once and stored; closed rounds are never decrypted again for
reports. Interim snapshots release each team's new answers only in batches of at least k,
and each item's answers only once at least k new answers to it are in, so nobody can
watch a single answer arrive.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from analysis.aggregate import aggregate, cut_frames
from analysis.decrypt import load_answers
from analysis.gate import publish
from sentimeter.models import Publication, Response, Round, utcnow
from sentimeter.vault import Vault
from surveys.codes import code_counts
from surveys.instrument import load_instrument
from surveys.org import Tree
from surveys.rounds import close_round

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
                for c, f in cut_frames(frame, instrument).items()}
    assert round_.id is not None
    codes = {c.unit_code: (c.issued, c.used) for c in code_counts(session, round_.id)}
    payload = publish(tree=tree, root=round_.unit_code, instrument=instrument, k=round_.k,
                      agg=agg, cut_aggs=cut_aggs, codes=codes, allow_comments=final)
    payload["round_id"] = round_.id
    payload["kind"] = "final" if final else "interim"
    return payload


def _store(session: Session, round_id: int, kind: str, seq: int, payload: dict[str, Any]) -> None:
    payload["seq"] = seq
    session.add(Publication(round_id=round_id, kind=kind, seq=seq,
                            payload=json.dumps(payload, separators=(",", ":"))))
    session.flush()


def close_and_publish(session: Session, vault: Vault, round_id: int) -> dict[str, Any]:
    """Close an open round, shuffle its rows and store its final publication."""
    round_ = close_round(session, round_id)
    vault.forget(round_id)
    payload = compute_publication(session, vault, round_, final=True)
    _store(session, round_id, "final", 0, payload)
    return payload


def stored_publication(session: Session, round_id: int) -> dict[str, Any] | None:
    """The latest stored publication of a round: final if any, else the newest interim."""
    rows = session.exec(select(Publication).where(Publication.round_id == round_id)
                        .order_by(col(Publication.kind).asc(), col(Publication.seq).desc())).all()
    finals = [r for r in rows if r.kind == "final"]
    chosen = finals[0] if finals else (rows[0] if rows else None)
    if chosen is None:
        return None
    loaded: dict[str, Any] = json.loads(chosen.payload)
    loaded["created_at"] = chosen.created_at.isoformat(timespec="minutes")
    return loaded


def current_publication(session: Session, vault: Vault, round_: Round) -> dict[str, Any] | None:
    """What may be shown of a round right now (None: nothing yet)."""
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
    return session.exec(select(func.max(Publication.created_at))
                        .where(Publication.round_id == round_id)).one()


def take_snapshot(session: Session, vault: Vault, round_: Round) -> bool:
    """Release new batches of >= k answers per team; store a snapshot if anything changed."""
    assert round_.id is not None
    pending = session.exec(
        select(Response.unit_code, func.count()).where(Response.round_id == round_.id)
        .where(col(Response.batch).is_(None)).group_by(Response.unit_code)).all()
    ready = [unit for unit, n in pending if n >= round_.k]
    last_seq = session.exec(select(func.max(Publication.seq)).where(
        Publication.round_id == round_.id)).one() or 0
    if not ready and last_seq:
        return False
    seq = last_seq + 1
    if ready:
        session.execute(update(Response).where(col(Response.round_id) == round_.id)
                        .where(col(Response.batch).is_(None))
                        .where(col(Response.unit_code).in_(ready)).values(batch=seq))
        session.flush()
    instrument = load_instrument(round_.instrument, round_.version)
    frame = released_frame(load_answers(session, vault, round_, instrument), round_.k,
                           [i.id for i in instrument.items])
    _store(session, round_.id, "interim", seq,
           compute_publication(session, vault, round_, frame=frame, final=False))
    return True


def released_frame(frame: pd.DataFrame, k: int, item_ids: list[str]) -> pd.DataFrame:
    """Answers released so far: batched rows; per team and item only whole steps of >= k.

    An item's answers from a batch are released only when, counted since that item's last
    release, at least k answers to it have come in. Skips therefore cannot make one
    person's answer to an item visible as the difference between two snapshots.
    """
    released = frame[frame["batch"].notna()].copy()
    if released.empty:
        return released
    for unit, rows in released.groupby("unit_code"):
        answered = rows[item_ids].notna().groupby(rows["batch"]).sum()
        for item_id in item_ids:
            cutoff = _release_cutoff(answered[item_id].to_dict(), k)
            hide = (released["unit_code"] == unit) & (released["batch"] > cutoff)
            released.loc[hide, item_id] = pd.NA
    return released


def _release_cutoff(answered_per_batch: dict[Any, Any], k: int) -> float:
    """Last batch up to which an item's answers are released in steps of >= k."""
    cutoff, pending = 0.0, 0
    for batch in sorted(answered_per_batch):
        pending += int(answered_per_batch[batch])
        if pending >= k:
            cutoff, pending = float(batch), 0
    return cutoff


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
