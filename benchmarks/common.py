"""What every benchmark shares: the machine description, fresh databases, and the report.

Each benchmark writes its own section of ``docs/benchmarks.md`` between markers, so one
benchmark can be re-run without losing the figures of the others.
"""

from __future__ import annotations

import os
import platform
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from sentimeter.settings import Settings
from sentimeter.vault import generate_master_key
from surveys import demo_force
from surveys.org import OrgRow

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
PG_URL = os.environ.get("SENTIMETER_BENCH_PG",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
HEADER = """# Benchmarks

Figures written by `make bench` (`python -m benchmarks.run_all`); each section by its own
command, shown with it. Targets come from issue 5. Re-run a single benchmark to refresh
its section only.
"""


def machine() -> str:
    """nproc, CPU model, RAM and Python: enough to compare figures between machines."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown RAM"
    try:
        kib = int(re.findall(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[0])
        ram = f"{kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, IndexError):
        pass
    return (f"{os.cpu_count()} cores ({model}), {ram}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def write_section(name: str, title: str, body: str, command: str) -> None:
    """Replace (or append) the section ``name`` of docs/benchmarks.md."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"<!-- bench:{name}:start -->\n## {title}\n\n"
             f"- Machine: {machine()}\n- Date: {stamp}\n"
             f"- Command: `{command}`\n\n{body.strip()}\n"
             f"<!-- bench:{name}:end -->\n")
    text_ = REPORT.read_text(encoding="utf-8") if REPORT.exists() else HEADER
    pattern = re.compile(rf"<!-- bench:{name}:start -->.*?<!-- bench:{name}:end -->\n",
                         re.DOTALL)
    text_ = pattern.sub(lambda _: block, text_) if pattern.search(text_) else \
        f"{text_.rstrip()}\n\n{block}"
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text_, encoding="utf-8")


def pg_available() -> bool:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


@contextmanager
def fresh_settings(backend: str, workdir: Path) -> Iterator[Settings]:
    """Settings for an empty database: a SQLite file, or a throw-away PostgreSQL schema."""
    key = generate_master_key().serialise()
    if backend == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        yield Settings(data_dir=workdir, database_url=f"sqlite:///{path}", master_key=key)
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield Settings(data_dir=workdir, master_key=key,
                       database_url=f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def env_for(settings: Settings) -> dict[str, str]:
    """Environment for a `sentimeter` subprocess using ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTIMETER_")}
    env.update(SENTIMETER_DATA_DIR=str(settings.data_dir), SENTIMETER_LOG_LEVEL="warning",
               SENTIMETER_DATABASE_URL=settings.database_url,
               SENTIMETER_MASTER_KEY=settings.master_key, SENTIMETER_COOKIE_SECURE="false",
               # steady state: the load carries no comments, so the servers do not spend
               # their first seconds loading the comment scrubber
               SENTIMETER_WARM_SCRUBBER="false")
    return env


def synthetic_force(people: int) -> list[OrgRow]:
    """``generate_force`` as the rows ``import_org`` takes."""
    return [OrgRow(r.code, r.parent_code, r.level, r.name, r.headcount)
            for r in demo_force.generate_force(people=people)]
