"""The feedback store: durable ratings, promotion to verified pairs, concurrency and killed writers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from nl2sql.feedback import FeedbackStore, FeedbackStoreError

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_record_and_list(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb" / "feedback.sqlite")
    first = store.record("revenue by region", "SELECT 1", "up", answer_meta={"generator": "offline"})
    second = store.record("orders per year", "SELECT 2", "down", comment="  wrong year  ")
    assert second > first
    entries = store.list()
    assert [e.id for e in entries] == [second, first]            # newest first
    assert entries[0].comment == "wrong year" and entries[0].rating == "down"
    assert entries[1].meta == {"generator": "offline"}
    assert [e.id for e in store.list(rating="up")] == [first]
    assert store.get(first) == entries[1]
    assert store.get(9999) is None


def test_ratings_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    FeedbackStore(path).record("q", "SELECT 1", "up")
    assert [e.question for e in FeedbackStore(path).list()] == ["q"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("bad", [{"rating": "meh"}, {"question": "  "}])
def test_bad_feedback_is_refused(tmp_path: Path, bad: dict[str, str]) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite")
    args = {"question": "q", "sql": "SELECT 1", "rating": "up", **bad}
    with pytest.raises(FeedbackStoreError):
        store.record(**args)  # type: ignore[arg-type]
    assert store.list() == ()


def test_promote_from_feedback_and_replace(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite")
    fid = store.record("Revenue by region?", "SELECT 1 AS r", "up")
    verified = store.promote(fid)
    assert (verified.question, verified.sql) == ("Revenue by region?", "SELECT 1 AS r")
    assert store.verified_queries() == (verified,)
    assert store.get(fid).promoted  # type: ignore[union-attr]
    # the same question, worded differently, replaces the pair rather than adding a second one
    again = store.promote(question="show me the revenue by regions", sql="SELECT 2 AS r")
    assert store.verified_queries() == (again,)
    assert store.unpromote("revenue by year") is False
    assert store.unpromote("revenue per region") is True
    assert store.verified_queries() == ()


def test_promote_needs_sql(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite")
    fid = store.record("what is the meaning of life", None, "down")
    with pytest.raises(FeedbackStoreError, match="SQL"):
        store.promote(fid)
    with pytest.raises(FeedbackStoreError, match="no feedback"):
        store.promote(12345)
    assert store.verified_queries() == () and not store.get(fid).promoted  # type: ignore[union-attr]


def test_unwritable_directory_is_a_friendly_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(FeedbackStoreError, match="could not be opened"):
        FeedbackStore(blocker / "feedback.sqlite")


def test_many_threads_write_at_once(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite")
    ids: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        for i in range(40):
            fid = store.record(f"question {n} {i}", f"SELECT {i}", "up" if i % 2 else "down")
            if i % 10 == 0:
                store.promote(fid)
            with lock:
                ids.append(fid)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 320
    assert len(store.list(limit=1000)) == 320
    assert len(store.verified_queries()) == 32


WRITER = textwrap.dedent(
    """
    import sys
    from nl2sql.feedback import FeedbackStore
    store = FeedbackStore(sys.argv[1])
    i = 0
    while True:
        fid = store.record(f"question number {i}", f"SELECT {i}", "up", comment="x" * 2000,
                           answer_meta={"i": i, "pad": "y" * 4000})
        store.promote(fid, description=f"d{i}")
        i += 1
    """
)


@pytest.mark.parametrize("kill_after_rows", [5, 60])
def test_a_writer_killed_mid_way_leaves_the_store_consistent(tmp_path: Path, kill_after_rows: int) -> None:
    path = tmp_path / "f.sqlite"
    FeedbackStore(path)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            with sqlite3.connect(path, timeout=30) as conn:
                if conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] >= kill_after_rows:
                    break
            time.sleep(0.005)
        assert proc.poll() is None, "the writer stopped by itself"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    store = FeedbackStore(path)                       # reopening recovers the WAL
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    entries = store.list(limit=100_000)
    assert len(entries) >= kill_after_rows
    for e in entries:                                 # every row is whole
        n = e.meta["i"]
        assert (e.question, e.sql, len(e.comment or ""), len(e.meta["pad"])) == (
            f"question number {n}", f"SELECT {n}", 2000, 4000)
    verified = {v.question: v for v in store.verified_queries()}
    for e in entries:                                 # promotion is all-or-nothing: flag and pair together
        assert e.promoted == (e.question in verified)
    assert all(v.description == "d" + v.sql.split()[-1] for v in verified.values())
    # and the store still takes writes
    fid = store.record("after the crash", "SELECT 1", "up")
    assert store.get(fid) is not None
