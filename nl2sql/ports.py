"""The small ports the pipeline talks through, written in our own types.

Adapters (``nl2sql/adapters``) implement them and convert driver errors into ours at the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol
from collections.abc import Sequence

if TYPE_CHECKING:
    import pandas as pd

    from catalog_semantics.model import Catalog
    from nl2sql.guard import CheckedSql


@dataclass(frozen=True)
class ResultTable:
    """Rows a warehouse returned: column names, row tuples, and whether the row cap cut them."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool = False
    elapsed_ms: float = 0.0

    def to_pandas(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=_unique(self.columns))


def _unique(names: Sequence[str]) -> list[str]:
    """Make duplicate column names distinct, as pandas needs (``count``, ``count_2``)."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


class Warehouse(Protocol):
    """Runs guarded SQL and reads its own catalog."""

    dialect: str

    @property
    def name(self) -> str: ...                     # read-only: an adapter may expose it as a property

    def run(self, checked: "CheckedSql", *, max_rows: int | None, timeout_s: float) -> ResultTable: ...

    def read_catalog(self) -> "Catalog": ...


Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class Completion:
    """An LLM reply and what it cost."""

    text: str
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elapsed_ms: float = 0.0
    attempts: int = 1
    extra: tuple[tuple[str, str], ...] = field(default=())
    finish_reason: str = "stop"                # "length": cut at the token budget, never to be run
    cached_tokens: int = 0                     # prompt tokens the provider served from its prompt cache
    reasoning_tokens: int = 0                  # completion tokens a reasoning model spent thinking


class LlmClient(Protocol):
    """A chat completion endpoint; raises LlmUnavailable / LlmReplyError on failure."""

    model: str

    def complete(self, messages: Sequence[Message]) -> Completion: ...


def complete_many(llm: LlmClient, messages: Sequence[Message], n: int) -> tuple[Completion, ...]:
    """Up to ``n`` replies to ``messages`` from one request: the client's own ``complete_many`` (the API's ``n``)
    when it has one, else its one reply. Fewer than ``n`` come back when the server ignores or refuses ``n``;
    the caller asks for the rest with ``complete_sample`` (the same request again may get the same reply)."""
    many = getattr(llm, "complete_many", None)
    if n > 1 and many is not None:
        return tuple(many(messages, n))
    return (llm.complete(messages),)


def complete_sample(llm: LlmClient, messages: Sequence[Message], index: int) -> Completion:
    """Sample ``index`` (1, 2, ...) of several, one request: the client's own ``complete_sample`` (its own seed and
    temperature) when it has one, else a plain ``complete``."""
    sample = getattr(llm, "complete_sample", None)
    return sample(messages, index) if sample is not None else llm.complete(messages)
