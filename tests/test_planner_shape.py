"""The planner's shape (issue 10, item 7): modules at most 300 lines, functions at most 50, no ``type: ignore``.

A function that grows past the bound is split along a seam (a named helper that does one thing); this test
names the function, so a regression shows where it is.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PLANNER = Path(__file__).resolve().parent.parent / "nl2sql" / "planner"
MODULES = sorted(PLANNER.glob("*.py"))
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 50


def _functions(tree: ast.AST) -> list[tuple[str, int]]:
    """(name, lines from ``def`` to its last line) of every function and method, nested ones too."""
    return [(node.name, (node.end_lineno or node.lineno) - node.lineno + 1) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def test_planner_has_modules() -> None:
    assert len(MODULES) > 10


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_length(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines (at most {MAX_MODULE_LINES})"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_function_length(path: Path) -> None:
    long = [f"{name} ({n} lines)" for name, n in _functions(ast.parse(path.read_text())) if n > MAX_FUNCTION_LINES]
    assert not long, f"{path.name}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_type_ignore(path: Path) -> None:
    assert "type: ignore" not in path.read_text()


def test_function_bound_is_measured_from_def_to_last_line() -> None:
    source = "def f():\n" + "    x = 1\n" * (MAX_FUNCTION_LINES - 1) + "\ndef g():\n" + "    x = 1\n" * MAX_FUNCTION_LINES
    assert _functions(ast.parse(source)) == [("f", MAX_FUNCTION_LINES), ("g", MAX_FUNCTION_LINES + 1)]


def test_cue_kinds_are_exactly_those_the_vocabulary_gives() -> None:
    from typing import get_args

    from nl2sql.planner.vocabulary import CueKind, vocabulary

    given = {str(g["kind"]) for g in vocabulary()["cues"]} | {"month", "half", "quarter"}
    assert set(get_args(CueKind)) == given


def test_no_word_of_the_vocabulary_is_read_as_a_boolean() -> None:
    """YAML reads a bare on, off, yes or no as true or false: a word of a list must be quoted ('on'), or it is lost."""
    from nl2sql.planner.words import vocabulary

    def listed(node: object) -> list[object]:
        if isinstance(node, dict):
            return [x for v in node.values() for x in listed(v)]
        return [x for v in node for x in ([v] if not isinstance(v, (dict, list)) else listed(v))] \
            if isinstance(node, list) else []

    assert not [x for x in listed(vocabulary()) if isinstance(x, bool) or x is None]


def test_unknown_cue_kind_is_refused() -> None:
    from nl2sql.planner.vocabulary import _cue

    assert _cue("agg", "sum").kind == "agg"
    with pytest.raises(ValueError, match="superlative"):
        _cue("superlative", "")
