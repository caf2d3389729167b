"""Shared fixtures. Each fixture is added by the work that needs it; keep them small and separate."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def spider_dir() -> Path | None:
    """The Spider dev pack: $NL2SQL_SPIDER_DIR, else ../shared/benchmarks/spider beside the repo."""
    env = os.environ.get("NL2SQL_SPIDER_DIR")
    candidate = Path(env) if env else REPO_ROOT.parent / "shared" / "benchmarks" / "spider"
    return candidate if (candidate / "dev.json").exists() else None


@pytest.fixture(scope="session")
def spider() -> Path:
    path = spider_dir()
    if path is None:
        pytest.skip("Spider dev pack not found: set NL2SQL_SPIDER_DIR or place it at ../shared/benchmarks/spider")
    return path


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the demo warehouse (built once per session), as NL2SQL_DATA_DIR names it."""
    from nl2sql.demo.build import ensure_demo_warehouse

    data_dir = tmp_path_factory.mktemp("nl2sql-data")
    ensure_demo_warehouse(data_dir)
    return data_dir


if TYPE_CHECKING:  # the llm_stub fixture's types
    from tests.llm_stub import StubLlmServer


@pytest.fixture
def llm_stub() -> Iterator[StubLlmServer]:
    """A started OpenAI-compatible chat server on 127.0.0.1 (see tests/llm_stub.py); shut down afterwards."""
    from tests.llm_stub import StubLlmServer

    with StubLlmServer() as server:
        yield server


@pytest.fixture(scope="session")
def demo_warehouse(demo_data_dir: Path):
    """The hardened read-only DuckDB warehouse over the session's demo file."""
    from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse

    return DuckDbWarehouse(demo_data_dir / "demo_tpch.duckdb")


@pytest.fixture(scope="session")
def demo_model(demo_warehouse):
    """The demo's semantic model: its catalog with fixtures/tpch/overlay.yaml merged on top."""
    from nl2sql.settings import DEMO_OVERLAY
    from nl2sql.wiring import build_model

    return build_model(demo_warehouse, DEMO_OVERLAY)


_VALUE_INDEXES: dict[tuple[int, int], tuple[Any, Any, Any]] = {}


def shared_value_index(model: Any, warehouse: Any) -> Any:
    """One ``CachedValueIndex`` per (model, warehouse) pair for the whole session, keyed on the objects.

    Every ``Assistant`` builds its own index on first LLM use (about 0.4 s of CPU on the demo); the app and
    the eval build one per warehouse, but tests build an assistant per case. Pass this as ``value_index=``
    where a test builds LLM assistants over the session's demo objects; it is what ``for_principal`` shares.
    """
    from nl2sql.llm.value_index import CachedValueIndex

    key = (id(model), id(warehouse))
    if key not in _VALUE_INDEXES:                    # the objects are kept alive beside it, so ids stay theirs
        _VALUE_INDEXES[key] = (model, warehouse, CachedValueIndex(model, warehouse))
    return _VALUE_INDEXES[key][2]


def _pg_bin(name: str) -> str | None:
    import glob
    import shutil

    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1:]
    return found if isinstance(found, str) else (found[0] if found else None)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 (needs the server binaries and the psycopg driver)."""
    import os
    import shutil
    import socket
    import subprocess

    pytest.importorskip("psycopg", reason="the psycopg driver is not installed (pip install 'psycopg[binary]')")
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    import tempfile

    # Not under pytest's tmp dir: that is private to root, and the server runs as the postgres user.
    root = Path(tempfile.mkdtemp(prefix="nl2sql-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:                       # postgres refuses to run as root
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser")
        shutil.chown(root, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = root / "data"
    subprocess.run([*prefix, initdb, "-D", str(data), "-U", "postgres", "--auth=trust"], check=True,
                   capture_output=True)
    opts = f"-p {port} -c listen_addresses=127.0.0.1 -k {root}"
    subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", opts, "-w", "-l", str(root / "log"), "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_plain(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A plain read-only DuckDB connection to a private copy of the demo file, and the demo model.

    A copy, because one process cannot open a file that other tests hold open with another configuration.
    """
    import shutil

    import duckdb

    from catalog_semantics.adapters.duckdb_reader import read_duckdb_catalog
    from catalog_semantics.overlay import apply_overlay, load_overlay
    from nl2sql.settings import DEMO_OVERLAY

    copy = tmp_path_factory.mktemp("demo-plain") / "demo_tpch.duckdb"
    shutil.copyfile(demo_data_dir / "demo_tpch.duckdb", copy)
    con = duckdb.connect(str(copy), read_only=True)
    yield con, apply_overlay(read_duckdb_catalog(con), load_overlay(DEMO_OVERLAY))
    con.close()


# The fast profile, `pytest -m "not slow"` (README): what needs a JVM (Spark), a browser, or the whole Spider
# pack is slow by this rule; a few exhaustive sweeps are marked `slow` where they are defined, each beside a
# representative that stays fast (the rest of the resource attacks, the security corpus's generated huge
# queries, whole-golden-set runs through the harness or the pipeline, the fifty-question load run). Everything
# else runs on small data. CI runs everything.
SLOW_MARKERS = ("spark", "browser", "spider")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        uses_spider = "spider" in getattr(item, "fixturenames", ())
        if uses_spider or any(item.get_closest_marker(m) for m in SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)
