"""Tags for the statements a question sends (question id, generator), carried by a context variable.

The pipeline sets them around the steps that run SQL; a warehouse that can label statements (Databricks
``query_tags``, visible in the query history and ``system.query.history``) reads ``current_tags()``. A context
variable keeps the ``Warehouse.run`` port unchanged and is per thread and per request, so concurrent
questions never mix their tags.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from collections.abc import Iterator

_TAGS: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("nl2sql_query_tags", default=())


@contextmanager
def tagged(**tags: str | None) -> Iterator[None]:
    """Add tags (None values are skipped) for the statements run inside the block.

    >>> with tagged(question_id="q1"):
    ...     with tagged(generator="llm"):
    ...         current_tags()
    {'question_id': 'q1', 'generator': 'llm'}
    >>> current_tags()
    {}
    """
    token = _TAGS.set(_TAGS.get() + tuple((k, str(v)) for k, v in tags.items() if v is not None))
    try:
        yield
    finally:
        _TAGS.reset(token)


def current_tags() -> dict[str, str]:
    return dict(_TAGS.get())
