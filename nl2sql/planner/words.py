"""The planner's English vocabulary file (``vocabulary.yaml``, shipped with the package), loaded once.

The words live in data so that a new wording is a line of YAML, not a branch of code.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from catalog_semantics.text import stem, words

_FILE = Path(__file__).with_name("vocabulary.yaml")


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    """The parsed vocabulary file."""
    loaded = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def word_list(*path: str) -> tuple[str, ...]:
    """One list of the file, by its keys.

    >>> "why" in word_list("meaningful")
    True
    """
    node: object = vocabulary()
    for key in path:
        node = node.get(key, ()) if isinstance(node, dict) else ()
    return tuple(str(w) for w in node) if isinstance(node, list) else ()


def word_map(*path: str) -> dict[str, str]:
    """One mapping of the file, by its keys (word -> word).

    >>> word_map("irregular_plurals")["people"]
    'person'
    """
    node: object = vocabulary()
    for key in path:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return {str(k): str(v) for k, v in node.items()} if isinstance(node, dict) else {}


def phrases(section: str, key: str = "") -> frozenset[tuple[str, ...]]:
    """The phrases of one list as stem tuples, the way questions are matched.

    >>> ("instead",) in phrases("followup", "fillers")
    True
    """
    return _phrases(section, key)


@cache
def _phrases(section: str, key: str) -> frozenset[tuple[str, ...]]:
    entries = word_list(section, key) if key else word_list(section)
    return frozenset(tuple(stem(w) for w in words(str(p))) for p in entries)
