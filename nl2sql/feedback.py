"""Feedback on answers, and the verified question→SQL pairs editors promote from it, in a local SQLite file.

Durable and safe to share: every write is one ``BEGIN IMMEDIATE`` transaction in WAL mode with
``synchronous=FULL``, so a writer killed mid-way leaves either all of its change or none of it, readers
never block writers, and any number of threads or processes may use the same file. Each call opens
its own short-lived connection (SQLite connections must not cross threads), which costs well under a
millisecond and keeps the store free of shared mutable state.

The pipeline reads ``verified_queries()`` on every question, so a promoted answer is trusted at once.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from collections.abc import Iterator, Mapping

from catalog_semantics.model import VerifiedQuery
from nl2sql.errors import UserFacingError
from nl2sql.verified import question_key

Rating = Literal["up", "down"]
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,
    question    TEXT NOT NULL,
    sql         TEXT,
    rating      TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment     TEXT,
    meta        TEXT NOT NULL DEFAULT '{}',          -- JSON: generator, status, timings... of the answer
    promoted    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS verified (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    question_key TEXT NOT NULL UNIQUE,               -- one pair per question, however it is worded
    question     TEXT NOT NULL,
    sql          TEXT NOT NULL,
    alternates   TEXT NOT NULL DEFAULT '[]',         -- JSON list of other phrasings
    description  TEXT,
    feedback_id  INTEGER REFERENCES feedback(id),
    created_at   TEXT NOT NULL
);
"""


class FeedbackStoreError(UserFacingError):
    """The feedback store could not be read or written, or a request to it makes no sense."""

    code = "feedback"


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    created_at: str                             # UTC, ISO 8601
    question: str
    sql: str | None
    rating: Rating
    comment: str | None = None
    meta_json: str = "{}"
    promoted: bool = False

    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = json.loads(self.meta_json)
        return meta


class FeedbackStore:
    """Thumbs up/down with comments, and promoted verified queries, in one SQLite file."""

    def __init__(self, path: str | Path, *, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode=WAL")     # persistent: set once per file
            with self._write() as conn:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except (OSError, sqlite3.Error) as e:
            raise FeedbackStoreError(
                f"The feedback store at {self.path} could not be opened ({type(e).__name__}).",
                hint="Check that NL2SQL_DATA_DIR names a writable directory.",
            ) from e

    # ------------------------------------------------------------------ feedback
    def record(
        self,
        question: str,
        sql: str | None,
        rating: Rating,
        comment: str | None = None,
        answer_meta: Mapping[str, Any] | None = None,
    ) -> int:
        """Store one rating of an answer; returns its id."""
        if rating not in ("up", "down"):
            raise FeedbackStoreError(f"A rating is 'up' or 'down', not {rating!r}.")
        if not question or not question.strip():
            raise FeedbackStoreError("Feedback needs the question it is about.")
        meta = json.dumps(dict(answer_meta or {}), default=str, sort_keys=True)
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (created_at, question, sql, rating, comment, meta) VALUES (?, ?, ?, ?, ?, ?)",
                (_now(), question.strip(), sql, rating, (comment or "").strip() or None, meta),
            )
            return int(cursor.lastrowid or 0)

    def list(
        self, *, rating: Rating | None = None, promoted: bool | None = None, limit: int = 200
    ) -> tuple[FeedbackEntry, ...]:
        """Feedback, newest first, optionally only one rating or only (not) promoted entries."""
        where: list[str] = []
        params: list[object] = []
        if rating is not None:
            where.append("rating = ?")
            params.append(rating)
        if promoted is not None:
            where.append("promoted = ?")
            params.append(int(promoted))
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, created_at, question, sql, rating, comment, meta, promoted FROM feedback "
                f"{clause} ORDER BY id DESC LIMIT ?",
                (*params, int(limit)),
            ).fetchall()
        return tuple(_entry(row) for row in rows)

    def get(self, feedback_id: int) -> FeedbackEntry | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT id, created_at, question, sql, rating, comment, meta, promoted FROM feedback WHERE id = ?",
                (int(feedback_id),),
            ).fetchone()
        return _entry(row) if row else None

    # ------------------------------------------------------------------ verified queries
    def promote(
        self,
        feedback_id: int | None = None,
        *,
        question: str | None = None,
        sql: str | None = None,
        description: str | None = None,
        alternates: tuple[str, ...] = (),
    ) -> VerifiedQuery:
        """Make an answer a verified question→SQL pair: from a feedback entry, or from ``question`` and ``sql``.

        ``question``/``sql`` given with ``feedback_id`` replace the entry's own (an editor's correction).
        Promoting the same question again replaces its SQL. The pipeline then answers it as trusted.
        """
        with self._write() as conn:
            if feedback_id is not None:
                row = conn.execute("SELECT question, sql FROM feedback WHERE id = ?", (int(feedback_id),)).fetchone()
                if row is None:
                    raise FeedbackStoreError(f"There is no feedback with id {feedback_id}.")
                question, sql = question or row[0], sql or row[1]
            if not question or not question.strip() or not sql or not sql.strip():
                raise FeedbackStoreError(
                    "Only an answer with both a question and the SQL that ran can be promoted.",
                    hint="Pick feedback on an answered question.",
                )
            question, sql = question.strip(), sql.strip()
            key = " ".join(question_key(question)) or question.lower()
            conn.execute(
                "INSERT INTO verified (question_key, question, sql, alternates, description, feedback_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (question_key) DO UPDATE SET question = excluded.question, "
                "sql = excluded.sql, alternates = excluded.alternates, description = excluded.description, "
                "feedback_id = excluded.feedback_id, created_at = excluded.created_at",
                (key, question, sql, json.dumps(list(alternates)), description, feedback_id, _now()),
            )
            if feedback_id is not None:
                conn.execute("UPDATE feedback SET promoted = 1 WHERE id = ?", (int(feedback_id),))
        return VerifiedQuery(question=question, sql=sql, alternates=tuple(alternates), description=description)

    def verified_queries(self) -> tuple[VerifiedQuery, ...]:
        """Every promoted pair, oldest first."""
        with self._connect() as conn:
            rows = conn.execute("SELECT question, sql, alternates, description FROM verified ORDER BY id").fetchall()
        return tuple(VerifiedQuery(q, s, tuple(json.loads(a)), d) for q, s, a, d in rows)

    def unpromote(self, question: str) -> bool:
        """Remove the verified pair for a question (however worded); returns whether there was one."""
        key = " ".join(question_key(question)) or question.strip().lower()
        with self._write() as conn:
            row = conn.execute("SELECT feedback_id FROM verified WHERE question_key = ?", (key,)).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM verified WHERE question_key = ?", (key,))
            if row[0] is not None:
                conn.execute("UPDATE feedback SET promoted = 0 WHERE id = ?", (row[0],))
            return True

    # ------------------------------------------------------------------ connections
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=FULL")     # a committed rating survives a power cut
            conn.execute("PRAGMA foreign_keys=ON")
            yield conn
        except sqlite3.Error as e:
            raise FeedbackStoreError(
                f"The feedback store could not be used ({type(e).__name__}: {e}).",
                hint="Try again; if it persists, check the data directory.",
            ) from e
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: all of it is committed, or none of it."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")             # take the write lock now, not at the first write
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _entry(row: tuple[Any, ...]) -> FeedbackEntry:
    """A ``SELECT id, created_at, question, sql, rating, comment, meta, promoted`` row as an entry."""
    entry_id, created_at, question, sql, rating, comment, meta_json, promoted = row
    return FeedbackEntry(entry_id, created_at, question, sql, rating, comment, meta_json, promoted=bool(promoted))
