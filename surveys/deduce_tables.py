"""Deduce's lookup tables: built once per install, loaded once per process, and how far that got.

Deduce (the Dutch de-identification behind the comment scrubber) builds tries of Dutch
names, places and institutions from the word lists in its package and pickles them to
``<site-packages>/deduce/data/lookup/cache/lookup_structs.pickle`` (about 80 MB). Building
takes 1-3 minutes of one core; loading the pickle takes seconds. Deduce trusts the pickle
while its version is unchanged and no word list is newer than it, so the tables survive
restarts but not a reinstall or upgrade of deduce: ``make`` and ``sentimeter init`` build
them (``build_tables``). Where the package directory is read-only (a system-wide install
served by another user) the tables go to the user's cache directory instead, because
deduce fails outright when it cannot save them.

A server process loads them in a background thread at start (``warm_up``); ``/healthz``
says "not ready" until ``state()`` is ``"ready"``, and a comment that arrives earlier waits
for the same load rather than starting a second one.
"""

from __future__ import annotations

import gc
import importlib.util
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

logger = logging.getLogger(__name__)

State = Literal["idle", "loading", "ready", "failed"]
_PICKLE = Path("cache") / "lookup_structs.pickle"


class TableLoader:
    """Builds a value once per process, in a background thread or on first use.

    Callers that arrive while it loads wait on the same lock instead of loading twice;
    a failed load is logged and tried again by the next caller.
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._value: Any = None
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loading = False
        self._failed = False

    def start(self) -> threading.Thread:
        """Start the background load (once); returns its thread."""
        with self._start_lock:
            if self._thread is None:
                self._loading = True  # "loading" from now on, not only once the thread runs
                self._thread = threading.Thread(target=self._warm, name="deduce-warm-up",
                                                daemon=True)
                self._thread.start()
            return self._thread

    def get(self) -> Any:
        """The value, loading it (or waiting for the load under way) when needed."""
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._loading = True
                    try:
                        self._value = self._build()
                        self._failed = False
                    except BaseException:
                        self._failed = True
                        raise
                    finally:
                        self._loading = False
        return self._value

    def state(self) -> State:
        if self._value is not None:
            return "ready"
        if self._loading:
            return "loading"
        return "failed" if self._failed else "idle"

    def _warm(self) -> None:
        try:
            self.get()
        except Exception:
            logger.exception("loading the comment scrubber failed; the next comment tries again")


def package_lookup_dir() -> Path:
    """deduce's own ``data/lookup`` directory, found without importing deduce."""
    spec = importlib.util.find_spec("deduce")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the deduce package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "lookup"


def cache_dir() -> Path:
    """Where the built tables live: deduce's package directory unless it is read-only."""
    package = package_lookup_dir()
    if _is_fresh(package / _PICKLE) or os.access(package / _PICKLE.parent, os.W_OK):
        return package
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sentimeter" / "deduce"


def tables_built() -> bool:
    """True when this install's tables are built and current (a few stats, no unpickling)."""
    return _is_fresh(cache_dir() / _PICKLE)


def build_tables(echo: Callable[[str], None]) -> bool:
    """Build the tables now unless this install has them; True when it built them.

    Run at install time (``make``, ``sentimeter init``) so that no server start pays the
    1-3 minutes; a failure is reported, not raised: the server then builds them at start.
    """
    if tables_built():
        return False
    echo("building the Dutch comment scrubber's lookup tables "
         "(once per install, 1-3 minutes) ...")
    started = time.perf_counter()
    try:
        get_deduce()
    except (OSError, MemoryError) as exc:
        echo(f"warning: could not build them ({exc}); the server will build them when it starts")
        return False
    echo(f"comment scrubber tables built in {time.perf_counter() - started:.0f} s "
         f"({cache_dir() / _PICKLE})")
    return True


def _is_fresh(pickle: Path) -> bool:
    """A pickle newer than every word list (what deduce checks, besides its version, which an
    upgrade changes together with the word lists' modification times)."""
    try:
        built = pickle.stat().st_mtime
    except OSError:
        return False
    sources = package_lookup_dir() / "src"
    return all(path.stat().st_mtime <= built for path in sources.rglob("*"))


def _load_deduce() -> Any:
    """Load (or build and save) deduce's tables: seconds from the pickle, minutes without."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    # deduce's import calls logging.basicConfig(DEBUG, stdout); undone at once, so that no
    # library starts logging request details at DEBUG in a server process
    from deduce import Deduce

    root.setLevel(level)
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    cache = cache_dir()
    logger.info("loading deduce lookup tables from %s", cache)
    # The tables are ~4.5 million small objects. With the collector on, unpickling them
    # triggers collection after collection (4x slower), and afterwards every full collection
    # walks them all (seconds, holding the GIL, whatever request is in flight). So: collect
    # what is garbage now, load with the collector off, then freeze the result out of all
    # later collections (at most the cycles other threads make during the load stay too).
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        tables = Deduce(cache_path=cache)
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
    return tables


_TABLES = TableLoader(_load_deduce)


def warm_up() -> threading.Thread:
    """Start loading deduce in a daemon thread so the first comment does not wait for it."""
    return _TABLES.start()


def get_deduce() -> Any:
    """This process's deduce instance (loaded once; waits for a load under way)."""
    return _TABLES.get()


def state() -> State:
    """``ready``, ``loading``, ``failed`` or ``idle`` (not asked for yet) in this process."""
    return _TABLES.state()
