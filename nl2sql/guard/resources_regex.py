"""Which regular expressions can backtrack catastrophically in a backtracking engine (Java's, so Spark's).

The pattern is parsed with Python's own regular-expression parser (``re._parser``: Java and Python share
the constructs that matter here) and its tree is checked for the three shapes that make a backtracking
matcher take exponential or high-polynomial time on a string that almost matches:

- a quantifier inside a quantifier, ``(a+)+``, ``(\\w+\\s?)*``, ``(.*?,){11}``: the inner and outer
  loops can split the same text in exponentially (or n^11) many ways; unless the inner one repeats a single
  character class that must stop at a character it cannot match (``(\\d+\\.)*``, ``([^,]*,){11}``);
- a quantified alternation whose alternatives can start with the same character, ``(a|ab)*``, ``(a|a)*``;
- a backreference, ``(a*)\\1``, which no engine can match without backtracking;
- and three or more unbounded quantifiers in a row over overlapping characters, ``.*.*.*x`` (cubic).

Possessive quantifiers (``a++``) and atomic groups (``(?>...)``) do not backtrack and are fine. A pattern
this parser cannot read (Java-only syntax such as ``\\p{Alpha}``) is refused: not sure means no.
Hand-written because no maintained library answers "can this Java regex backtrack catastrophically?"
as a function; checkers like ``regexploit`` are command-line tools without a stable API.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from collections.abc import Iterable, Iterator

from sqlglot import exp

from nl2sql.errors import Issue
from nl2sql.guard.functions import fold, function_names

if TYPE_CHECKING:
    from nl2sql.guard.policy import GuardPolicy

try:  # Python 3.11 moved the parser; 3.10 has it as sre_parse
    from re import _constants as C  # type: ignore[attr-defined]  # private module, absent from typeshed
    from re import _parser as sre  # type: ignore[attr-defined]  # private module, absent from typeshed
except ImportError:  # pragma: no cover
    import sre_constants as C
    import sre_parse as sre

_OTHER = 128                                    # stands for every non-ASCII character
ALL = frozenset(range(129))
_DIGITS = frozenset(range(48, 58))
_WORD = _DIGITS | frozenset(range(65, 91)) | frozenset(range(97, 123)) | {95, _OTHER}
_SPACE = frozenset({9, 10, 11, 12, 13, 32, _OTHER})
_CATEGORIES = {C.CATEGORY_DIGIT: _DIGITS, C.CATEGORY_NOT_DIGIT: ALL - _DIGITS | {_OTHER},
               C.CATEGORY_WORD: _WORD, C.CATEGORY_NOT_WORD: ALL - _WORD | {_OTHER},
               C.CATEGORY_SPACE: _SPACE, C.CATEGORY_NOT_SPACE: ALL - _SPACE | {_OTHER}}
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT)
_MANY = 16                                       # a counted repeat above this behaves like an unbounded one


def regex_risk(pattern: str) -> str | None:
    """Why a pattern can backtrack catastrophically, or None when it cannot.

    >>> regex_risk("^[A-Z]{2}[0-9]+$") is None, regex_risk("(\\\\d+)-(\\\\d+)") is None
    (True, True)
    >>> regex_risk("(a+)+$")
    'nests one repetition inside another'
    >>> regex_risk("(a|a)*c")
    'repeats alternatives that can match the same text'
    >>> regex_risk("(x+)\\\\1")
    'uses a backreference'
    """
    try:
        tree = sre.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return "could not be checked"
    return _risk(list(tree), in_loop=False)


def _risk(items: list[tuple[Any, Any]], *, in_loop: bool, follow: frozenset[int] = frozenset()) -> str | None:
    """``in_loop``: these items repeat (inside a repetition); ``follow``: characters that can come next."""
    run = _unbounded_run(items)
    if run >= 3:
        return "has several open-ended repetitions in a row that can match the same text"
    for i, (op, av) in enumerate(items):
        after = _after(items, i, follow)
        if op in (C.GROUPREF, C.GROUPREF_EXISTS):
            return "uses a backreference"
        if op in _REPEATS:
            low, high, body = av
            body = list(body)
            open_ended = high == C.MAXREPEAT or high - low > _MANY
            if in_loop and open_ended and not _separated(body, after):
                return "nests one repetition inside another"
            loops = high == C.MAXREPEAT or high > 3
            if loops and _nullable(body):
                return "nests one repetition inside another"
            if loops and _overlapping_branch(body):
                return "repeats alternatives that can match the same text"
            found = _risk(body, in_loop=in_loop or loops, follow=_first(body)[0] | after if loops else after)
            if found:
                return found
        elif op == C.SUBPATTERN:
            found = _risk(list(av[-1]), in_loop=in_loop, follow=after)
            if found:
                return found
        elif op == C.BRANCH:
            for alternative in av[1]:
                found = _risk(list(alternative), in_loop=in_loop, follow=after)
                if found:
                    return found
        elif op in (C.ASSERT, C.ASSERT_NOT):
            found = _risk(list(av[1]), in_loop=in_loop, follow=ALL)
            if found:
                return found
        # POSSESSIVE_REPEAT and ATOMIC_GROUP never backtrack into their body: nothing to check inside.
    return None


def _after(items: list[tuple[Any, Any]], i: int, follow: frozenset[int]) -> frozenset[int]:
    chars, nullable = _first(items[i + 1:])
    return chars | follow if nullable else chars


_SINGLE = (C.LITERAL, C.NOT_LITERAL, C.IN, C.ANY)


def _separated(body: list[tuple[Any, Any]], after: frozenset[int]) -> bool:
    """An inner repetition of one character class that must stop at a character it cannot match, as in
    ``(\\d+\\.)*`` or ``([^,]*,){11}``: there is one way to split the text, so nothing to backtrack over."""
    if len(body) != 1 or body[0][0] not in _SINGLE:
        return False
    return not (_first(body)[0] & after)


def _unbounded_run(items: list[tuple[Any, Any]]) -> int:
    """Longest run of adjacent open-ended repetitions whose characters overlap their neighbour's."""
    longest, current, previous = 0, 0, None
    for op, av in items:
        if op in _REPEATS and av[1] == C.MAXREPEAT:
            chars = _first(list(av[2]))[0]
            current = current + 1 if previous is not None and previous & chars else 1
            previous = chars
        elif op in _REPEATS and av[0] == 0:
            continue                                            # an optional item does not break the run
        else:
            current, previous = 0, None
        longest = max(longest, current)
    return longest


def _overlapping_branch(items: list[tuple[Any, Any]]) -> bool:
    """A repeated body holding alternatives that can begin with the same character or match nothing.

    Python's parser factors a shared prefix out of alternatives (``(a|ab)`` becomes ``a(|b)``), so an
    alternation left with an empty or overlapping remainder anywhere in the body is what overlapped.
    """
    for op, av in items:
        if op == C.BRANCH:
            firsts = [_first(list(a)) for a in av[1]]
            if any(nullable for _, nullable in firsts):
                return True
            seen: set[int] = set()
            for chars, _ in firsts:
                if seen & chars:
                    return True
                seen |= chars
            if any(_overlapping_branch(list(a)) for a in av[1]):
                return True
        elif op == C.IN and _members_overlap(av) or op == C.SUBPATTERN and _overlapping_branch(list(av[-1])) or op in _REPEATS and _overlapping_branch(list(av[2])):             # (\\d|[0-5]) is merged into one set
            return True
    return False


def _members_overlap(members: list[tuple[Any, Any]]) -> bool:
    if any(op == C.NEGATE for op, _ in members):
        return False
    seen: set[int] = set()
    for member in members:
        chars = _charset([member])
        if seen & chars:
            return True
        seen |= chars
    return False


def _nullable(items: list[tuple[Any, Any]]) -> bool:
    return _first(items)[1]


def _first(items: list[tuple[Any, Any]]) -> tuple[frozenset[int], bool]:
    """Characters a sequence can start with, and whether it can match the empty string."""
    chars: set[int] = set()
    for item in items:
        more, nullable = _first_item(item)
        chars |= more
        if not nullable:
            return frozenset(chars), False
    return frozenset(chars), True


def _first_item(item: tuple[Any, Any]) -> tuple[frozenset[int], bool]:
    op, av = item
    if op == C.LITERAL:
        return frozenset({min(av, _OTHER)}), False
    if op == C.NOT_LITERAL:
        return ALL - {av} if av < _OTHER else ALL, False
    if op == C.ANY:
        return ALL, False
    if op == C.IN:
        return _charset(av), False
    if op == C.BRANCH:
        firsts = [_first(list(a)) for a in av[1]]
        return frozenset().union(*(f for f, _ in firsts)), any(n for _, n in firsts)
    if op in (C.SUBPATTERN, C.ATOMIC_GROUP):
        return _first(list(av[-1] if op == C.SUBPATTERN else av))
    if op in _REPEATS or op == C.POSSESSIVE_REPEAT:
        chars, nullable = _first(list(av[2]))
        return chars, nullable or av[0] == 0
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return frozenset(), True
    return ALL, True                                            # backreferences and anything unforeseen


def _charset(members: Iterable[tuple[Any, Any]]) -> frozenset[int]:
    chars: set[int] = set()
    negate = False
    for op, av in members:
        if op == C.NEGATE:
            negate = True
        elif op == C.LITERAL:
            chars.add(min(av, _OTHER))
        elif op == C.RANGE:
            low, high = av
            chars.update(range(min(low, _OTHER), min(high, _OTHER - 1) + 1))
            if high >= _OTHER:
                chars.add(_OTHER)
        elif op == C.CATEGORY:
            chars |= _CATEGORIES.get(av, ALL)
        else:
            chars |= ALL
    return (ALL - chars) | {_OTHER} if negate else frozenset(chars)


# ---------------------------------------------------------------- the guard rule
REGEX_DIALECTS = frozenset({"databricks", "spark", "spark2", "hive"})
_REGEX_NODES: tuple[type[exp.Expr], ...] = tuple(
    c for c in (getattr(exp, n, None) for n in ("RegexpLike", "RegexpILike", "RegexpExtract", "RegexpExtractAll",
                                                "RegexpReplace", "RegexpSplit", "RegexpCount", "RegexpSubstr",
                                                "RegexpInstr")) if isinstance(c, type))
_REGEX_NAMES = frozenset({"rlike", "regexp", "regexp_like", "regexp_extract", "regexp_extract_all", "regexp_replace",
                          "regexp_count", "regexp_substr", "regexp_instr", "split", "str_to_map"})


def safe_regex(tree: exp.Expr, policy: GuardPolicy) -> Iterator[Issue]:
    """On Spark-family engines every regular expression is a literal that cannot backtrack catastrophically."""
    if fold(policy.dialect or "") not in REGEX_DIALECTS and fold(policy.output_dialect or "") not in REGEX_DIALECTS:
        return
    for node in tree.walk():
        if not isinstance(node, exp.Func):
            continue
        if isinstance(node, _REGEX_NODES):
            patterns = [node.expression]
        elif isinstance(node, exp.StrToMap):
            patterns = [node.args.get("pair_delim"), node.args.get("key_value_delim")]
        elif isinstance(node, exp.Anonymous) and function_names(node) & _REGEX_NAMES:
            patterns = list(node.expressions)[1:2]
        else:
            continue
        name = fold(node.name if isinstance(node, exp.Anonymous) else node.sql_name())
        for pattern in patterns:
            if pattern is None:
                continue
            if not (isinstance(pattern, exp.Literal) and pattern.is_string):
                yield Issue("unsafe_regex", f"The pattern of {name}() must be written out as text, not computed.", name)
                continue
            risk = regex_risk(str(pattern.this))
            if risk:
                yield Issue("unsafe_regex", f"The pattern '{str(pattern.this)[:60]}' of {name}() {risk}.",
                            str(pattern.this)[:60])
