"""Shared fixtures. Each fixture is added by the work that needs it; keep them small and separate."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

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
    from collections.abc import Iterator

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
