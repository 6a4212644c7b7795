"""The thank-you link after answering names its round with a signature, so that
``/s/done?r=N`` cannot be used to read any round's k and closing date (drafts included).

The signature is per round, not per answer: everyone who answered a round gets the same
link, so it identifies no one. Without a valid signature, or for a round that is not open,
the page shows only the general text.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlmodel import Session

from sentimeter.models import Round
from sentimeter.runtime import Runtime


def _signature(runtime: Runtime, db: Session, round_id: int) -> str:
    key = runtime.vault.secret(db, "session")
    return hmac.new(key, f"done:{round_id}".encode(), hashlib.sha256).hexdigest()[:24]


def done_url(runtime: Runtime, db: Session, round_id: int, commented: bool) -> str:
    signature = _signature(runtime, db, round_id)
    return f"/s/done?r={round_id}&c={1 if commented else 0}&s={signature}"


def round_for_thanks(runtime: Runtime, db: Session, round_id: int | None,
                     signature: str | None) -> Round | None:
    """The round whose k and closing date the page may show: signed and open, else None."""
    if round_id is None or not signature or not 0 < round_id < 2**63:
        return None
    if not hmac.compare_digest(signature.encode(), _signature(runtime, db, round_id).encode()):
        return None
    round_ = db.get(Round, round_id)
    return round_ if round_ is not None and round_.state == "open" else None
