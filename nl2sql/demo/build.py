"""Build the demo warehouse: a DuckDB file with the TPC-H schema, comments, keys and generated data.

The file is written under a temporary name in the target folder and renamed into place only when
complete, so a reader never sees a half-built warehouse. ``ensure_demo_warehouse`` adds a file lock so
that two processes (or threads) asking for the demo at once build it only once.

This module loads data into DuckDB itself (it is the demo's own loader, not a query path), so it imports
``duckdb`` lazily inside ``build_demo_warehouse`` rather than through the warehouse adapter.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from nl2sql.demo.tpch_data import HUNDREDTHS, generate
from nl2sql.errors import ConfigError
from nl2sql.settings import REPO_ROOT

FIXTURES = REPO_ROOT / "fixtures" / "tpch"
SCHEMA_SQL = FIXTURES / "schema.sql"
DEMO_FILE_NAME = "demo_tpch.duckdb"
DEFAULT_SEED = 20_240_601

_THREAD_LOCK = threading.Lock()


def build_demo_warehouse(path: Path, *, scale: float = 0.01, seed: int = DEFAULT_SEED) -> Path:
    """Write the demo warehouse to ``path`` (replacing it) and return ``path``.

    Same ``scale`` and ``seed`` give the same table contents on every run and machine.
    """
    import duckdb  # the demo's own loader; see the module docstring

    path = Path(path)
    if path.is_dir():
        path = path / DEMO_FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    data = generate(scale=scale, seed=seed)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    _remove(tmp)
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
            for name, columns in data.tables:
                arrow = pa.table({c: _arrow_column(c, v) for c, v in columns.items()})
                con.register("staged", arrow)
                con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM staged")
                con.unregister("staged")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
    except (duckdb.Error, OSError) as e:
        raise ConfigError(f"Could not build the demo warehouse at {path}: {e}") from e
    finally:
        _remove(tmp)
    return path


def ensure_demo_warehouse(data_dir: Path) -> Path:
    """Return ``<data_dir>/demo_tpch.duckdb``, building it on first use (once, even under concurrency)."""
    target = Path(data_dir) / DEMO_FILE_NAME
    if target.exists():
        return target
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    with _THREAD_LOCK, _file_lock(Path(data_dir) / f".{DEMO_FILE_NAME}.lock"):
        if not target.exists():                     # another process may have built it meanwhile
            build_demo_warehouse(target)
    return target


def _arrow_column(name: str, values: Sequence[object]) -> pa.Array:
    if name in HUNDREDTHS:
        # exact: hundredths / 100 is the nearest double, and DuckDB rounds it into DECIMAL(18,2)
        # (the ints are below 2**53, so the cast to double is exact and the division rounds once, as v / 100 does)
        return pc.divide(pa.array(values, pa.int64()).cast(pa.float64()), 100.0)
    if values and isinstance(values[0], date):
        return pa.array(values, pa.date32())
    return pa.array(values)


@contextmanager
def _file_lock(lock_path: Path) -> Iterator[None]:
    """An exclusive advisory lock across processes (POSIX flock); elsewhere, the atomic rename suffices."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: concurrent builds each rename a complete file
        yield
        return
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass

