"""Conversations kept per user in a local SQLite file beside the feedback store, so they survive a restart.

A conversation is its turns as JSON (each answer's ``Answer.to_dict()`` plus what the app worked out
for it); ``answer_from_dict`` reads an answer back. Values JSON lacks come back as text (decimals as
numbers, dates as ISO text), which the formatted view still shows at their grain. Same durability as
the feedback store: WAL, one short connection per call, every write one transaction.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nl2sql.answer import Answer, Attempt, Choice
from nl2sql.errors import UserFacingError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversation (
    id          TEXT NOT NULL,
    owner       TEXT NOT NULL,                   -- the principal who asked
    title       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    turns       TEXT NOT NULL,                   -- JSON list of turns
    PRIMARY KEY (owner, id)
)
"""
MAX_LISTED = 20


class ConversationStoreError(UserFacingError):
    code = "conversations"


@dataclass(frozen=True)
class ConversationSummary:
    id: str
    title: str
    updated_at: str


class ConversationStore:
    def __init__(self, path: str | Path, *, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as conn, conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as e:
            raise ConversationStoreError(
                f"The conversation store at {self.path} could not be opened ({type(e).__name__}).",
                hint="Check that NL2SQL_DATA_DIR names a writable directory.") from e

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def save(self, owner: str, conversation_id: str, title: str, turns: builtins.list[dict[str, Any]]) -> None:
        body = json.dumps(turns, default=str)
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO conversation (id, owner, title, updated_at, turns) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (owner, id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at, "
                "turns = excluded.turns", (conversation_id, owner, title, _now(), body))
            conn.execute("COMMIT")

    def list(self, owner: str, *, limit: int = MAX_LISTED) -> tuple[ConversationSummary, ...]:
        """This owner's conversations, most recent first (nobody sees another's)."""
        with closing(self._connect()) as conn:
            rows = conn.execute("SELECT id, title, updated_at FROM conversation WHERE owner = ? "
                                "ORDER BY updated_at DESC LIMIT ?", (owner, limit)).fetchall()
        return tuple(ConversationSummary(*row) for row in rows)

    def load(self, owner: str, conversation_id: str) -> builtins.list[dict[str, Any]]:
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT turns FROM conversation WHERE owner = ? AND id = ?",
                               (owner, conversation_id)).fetchone()
        return json.loads(row[0]) if row else []


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """An ``Answer`` back from ``Answer.to_dict()`` (issues are not kept: a stored refusal keeps its words)."""
    tuples = ("columns", "tables", "linked_tables", "notes", "column_labels", "column_units", "followups")
    fields = {k: v for k, v in data.items() if k in Answer.__dataclass_fields__ and k not in ("issues",)}
    for key in tuples:
        if key in fields:
            fields[key] = tuple(fields[key] or ())
    fields["rows"] = tuple(tuple(r) for r in data.get("rows") or ())
    fields["choices"] = tuple(Choice(c["label"], c["question"]) for c in data.get("choices") or ())
    fields["attempts"] = tuple(Attempt(**a) for a in data.get("attempts") or ())
    return Answer(**fields)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
