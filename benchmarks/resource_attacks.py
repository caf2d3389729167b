"""Resource attacks end to end: time to return, peak memory, and whether the next question is answered.

Each attack runs in a child process, through ``Assistant.ask`` with a local OpenAI-compatible stub that
obeys (it replies with the attack SQL), then the same assistant is asked an ordinary question. The parent
reads the child's peak resident memory (VmHWM) and stops it past ``--kill-mb`` (default 4000), so a
runaway attack cannot take the machine down while it is being measured.

Run:    PYTHONPATH=$PWD python benchmarks/resource_attacks.py [--timeout 10] [--only NAME]
Before: PYTHONPATH=/path/to/old/tree python benchmarks/resource_attacks.py   (the code under test is
        whatever ``nl2sql`` PYTHONPATH resolves to; this file only uses public APIs)
Engine only: --engine-only runs each attack straight on the warehouse (the guard bypassed, as a guard bug
        would), to show what the connection's own limits hold (docs/security.md, defence in depth).
Prints one JSON object: per attack seconds, peak_rss_mb, status, next_ok, killed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Attack:
    name: str
    engine: str          # duckdb | sqlite
    sql: str


ATTACKS: tuple[Attack, ...] = (
    Attack("duckdb_repeat", "duckdb", "SELECT length(repeat('x', 2000000000)) AS n"),
    Attack("duckdb_repeat_computed", "duckdb", "SELECT length(repeat('x', 1000 * 1000 * 1000)) AS n"),
    Attack("duckdb_range_list", "duckdb", "SELECT len(range(1000000000)) AS n"),
    Attack("duckdb_range_pow", "duckdb", "SELECT len(range(10 ^ 9)) AS n"),
    Attack("duckdb_list_resize", "duckdb", "SELECT len(list_resize([1], 1000000000)) AS n"),
    Attack("duckdb_lpad", "duckdb", "SELECT length(lpad('x', 2147483647, 'y')) AS n"),
    Attack("duckdb_printf_width", "duckdb", "SELECT length(printf('%1000000000d', 1)) AS n"),
    Attack("duckdb_recursive_doubling", "duckdb",
           "WITH RECURSIVE t(s, n) AS (SELECT 'x', 1 UNION ALL SELECT s || s, n + 1 FROM t WHERE n < 40) "
           "SELECT max(length(s)) AS n FROM t"),
    Attack("duckdb_per_row_repeat", "duckdb", "SELECT max(length(repeat(name, id * 100000))) AS n FROM items"),
    Attack("sqlite_randomblob", "sqlite", "SELECT length(randomblob(999999999)) AS n FROM items LIMIT 5"),
    Attack("sqlite_zeroblob", "sqlite", "SELECT length(zeroblob(999999999)) AS n FROM items LIMIT 5"),
    Attack("sqlite_recursive_doubling", "sqlite",
           "WITH RECURSIVE t(s, n) AS (SELECT 'x', 1 UNION ALL SELECT s || s, n + 1 FROM t WHERE n < 40) "
           "SELECT max(length(s)) AS n FROM t"),
    # costs nothing to run but exponential time to parse (sqlglot backtracks over joins without ON): the model's
    # reply must be set aside before it is parsed (nl2sql/guard/parse_bounds.py)
    Attack("duckdb_join_chain_parse", "duckdb", "SELECT COUNT(*) AS n FROM items" + " JOIN items" * 24),
    Attack("sqlite_join_chain_parse", "sqlite",
           "SELECT COUNT(*) AS n FROM items" + " JOIN items JOIN (SELECT 1 FROM items a JOIN items b ON 1 = 1) s" * 12),
)
ORDINARY_SQL = "SELECT COUNT(*) AS n FROM items"
ATTACK_QUESTION = "Please run the special report."
ORDINARY_QUESTION = "How many items are there?"


# ---------------------------------------------------------------- child: one attack, then one question
def _warehouse(engine: str, folder: Path):  # -> a Warehouse (SQLite or DuckDB)
    rows = [f"({i}, 'item {i}')" for i in range(1, 3001)]
    if engine == "duckdb":
        from nl2sql.adapters.duckdb_warehouse import DuckDbWarehouse

        return DuckDbWarehouse.create(folder / "shop.duckdb", [
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR)",
            f"INSERT INTO items VALUES {', '.join(rows)}"])
    import sqlite3

    from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse

    with sqlite3.connect(folder / "shop.sqlite") as con:
        con.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute(f"INSERT INTO items VALUES {', '.join(rows)}")
    return SqlAlchemyWarehouse.sqlite_file(folder / "shop.sqlite")


def child_engine_only(engine: str, sql: str, timeout_s: float) -> dict[str, object]:
    from nl2sql.errors import QueryTimeout, UserFacingError
    from nl2sql.guard import CheckedSql

    with tempfile.TemporaryDirectory() as folder:
        warehouse = _warehouse(engine, Path(folder))
        dialect = "duckdb" if engine == "duckdb" else "sqlite"
        start = time.perf_counter()
        try:
            warehouse.run(CheckedSql(sql=sql, dialect=dialect), max_rows=5, timeout_s=timeout_s)
            status, message = "answered", ""
        except UserFacingError as e:
            status, message = ("timeout" if isinstance(e, QueryTimeout) else "error"), f"{e.message} {e.hint or ''}"
        seconds = time.perf_counter() - start
        after = warehouse.run(CheckedSql(sql=ORDINARY_SQL, dialect=dialect), max_rows=5, timeout_s=timeout_s)
    return {"seconds": round(seconds, 2), "status": status, "message": message[:160],
            "next_ok": after.rows == ((3000,),)}


def child(engine: str, sql: str, timeout_s: float) -> dict[str, object]:
    sys.path.insert(0, str(ROOT / "tests")) if (ROOT / "tests").is_dir() else None
    from llm_stub import StubLlmServer

    from catalog_semantics.overlay import apply_overlay
    from nl2sql.adapters.openai_llm import OpenAiLlm
    from nl2sql.pipeline import Assistant
    from nl2sql.settings import Settings

    def reply(body: dict) -> str:
        asked = " ".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
        return f"```sql\n{sql if ATTACK_QUESTION in asked else ORDINARY_SQL}\n```"

    with tempfile.TemporaryDirectory() as folder, StubLlmServer(responder=reply) as stub:
        warehouse = _warehouse(engine, Path(folder))
        settings = Settings(llm_base_url=stub.url, llm_api_key="k", generator="llm", max_repairs=0,
                            query_timeout_s=timeout_s)
        assistant = Assistant(apply_overlay(warehouse.read_catalog(), None), warehouse, settings,
                              llm=OpenAiLlm.from_settings(settings))
        start = time.perf_counter()
        attack = assistant.ask(ATTACK_QUESTION)
        seconds = time.perf_counter() - start
        after = assistant.ask(ORDINARY_QUESTION)
    return {"seconds": round(seconds, 2), "status": attack.status, "message": (attack.message or "")[:160],
            "next_ok": after.status == "answered" and after.rows == ((3000,),)}


# ---------------------------------------------------------------- parent: watch memory and time
def _peak_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def run_attack(attack: Attack, *, timeout_s: float = 10.0, kill_mb: int = 4000,
               kill_after_s: float | None = None, engine_only: bool = False) -> dict[str, object]:
    """Run one attack in a child; kill it past ``kill_mb`` resident or ``kill_after_s`` seconds."""
    limit_s = kill_after_s if kill_after_s is not None else timeout_s + 60
    cmd = [sys.executable, str(Path(__file__).resolve()), "--engine-child" if engine_only else "--child",
           attack.engine, attack.sql, str(timeout_s)]
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(ROOT))
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak, killed = 0, None
    while proc.poll() is None:
        peak = max(peak, _peak_mb(proc.pid))
        if peak > kill_mb:
            killed = f"resident memory over {kill_mb} MB"
        elif time.monotonic() - start > limit_s:
            killed = f"still running after {limit_s:g} s"
        if killed:
            proc.kill()
            break
        time.sleep(0.02)
    out, err = proc.communicate()
    elapsed = round(time.monotonic() - start, 2)
    result: dict[str, object] = {"name": attack.name, "engine": attack.engine, "peak_rss_mb": peak,
                                 "killed": killed, "process_seconds": elapsed}
    if killed is None and proc.returncode == 0 and out.strip():
        result.update(json.loads(out.strip().splitlines()[-1]))
    else:
        result.update({"seconds": elapsed, "status": "killed" if killed else "crashed", "next_ok": False,
                       "message": (err.strip().splitlines() or [""])[-1][:160]})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "SQL", "TIMEOUT"), help=argparse.SUPPRESS)
    parser.add_argument("--engine-child", nargs=3, metavar=("ENGINE", "SQL", "TIMEOUT"), help=argparse.SUPPRESS)
    parser.add_argument("--engine-only", action="store_true", help="bypass the guard: the warehouse's own limits")
    parser.add_argument("--timeout", type=float, default=10.0, help="query time limit (NL2SQL_QUERY_TIMEOUT_S)")
    parser.add_argument("--kill-mb", type=int, default=4000)
    parser.add_argument("--only", action="append", help="attack name (repeatable)")
    args = parser.parse_args()
    if args.child or args.engine_child:
        engine, sql, timeout = args.child or args.engine_child
        run = child if args.child else child_engine_only
        print(json.dumps(run(engine, sql, float(timeout))))
        return
    chosen = [a for a in ATTACKS if not args.only or a.name in args.only]
    results = [run_attack(a, timeout_s=args.timeout, kill_mb=args.kill_mb, engine_only=args.engine_only)
               for a in chosen]
    print(json.dumps({"timeout_s": args.timeout, "kill_mb": args.kill_mb, "engine_only": args.engine_only,
                      "attacks": results}, indent=1))


if __name__ == "__main__":
    main()
