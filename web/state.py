"""Access to the process runtime from handlers (set once by create_app)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litestar.datastructures import State
from sqlmodel import Session

from sentimeter.runtime import Runtime


def runtime_of(state: State) -> Runtime:
    runtime: Runtime = state["runtime"]
    return runtime


def provide_db(state: State) -> Iterator[Session]:
    """One session per request; committed when the handler succeeds, rolled back otherwise."""
    session = Session(runtime_of(state).engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def provide_runtime(state: State) -> Runtime:
    return runtime_of(state)


def dependency_names() -> dict[str, Any]:
    return {"db": provide_db, "runtime": provide_runtime}
