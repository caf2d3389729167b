"""Few-shot examples chosen by similarity (DAIL-SQL): the pairs nearest the question go beside it in the prompt.

The pool is the verified queries (the overlay's and those promoted from feedback) and, in eval, an optional
train split. Similarity is DAIL-SQL's two views, without its preliminary query: the question with the
schema's own words masked ("How many _ are there?" matches across tables, so the *shape* of the question
counts), and the plain content words (the same subject counts too). Picks are diverse in SQL skeleton (one
example per skeleton: three copies of one query shape teach nothing the first did not), bounded by ``k`` and a
token budget, and never the question itself (an eval must not show the model its own answer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import TokenType

from catalog_semantics.model import SemanticModel
from catalog_semantics.text import STOPWORDS, stem, words

MAX_EXAMPLES = 4
EXAMPLES_TOKEN_BUDGET = 700
MIN_SIMILARITY = 0.2
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ExamplePair:
    question: str
    sql: str


def pool_of(pairs: Iterable[tuple[str, str]]) -> tuple[ExamplePair, ...]:
    return tuple(ExamplePair(q, s) for q, s in pairs if q and s)


def vocabulary(model: SemanticModel) -> frozenset[str]:
    """Stems of the model's table and column name parts: the words masked before comparing question shapes."""
    parts = {p for t in model.tables for name in (t.name, *(c.name for c in t.columns))
             for p in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name) if p}
    return frozenset(stem(p.lower()) for p in parts if len(p) > 1)


def masked(question: str, vocab: frozenset[str]) -> tuple[str, ...]:
    """The question's words with schema words and numbers as ``_``.

    >>> masked("How many singers are older than 30?", frozenset({"singer", "age"}))
    ('how', 'many', '_', 'are', 'older', 'than', '_')
    """
    return tuple("_" if stem(w) in vocab or w.isdigit() else w for w in words(question))


def _grams(tokens: Sequence[str]) -> set[str]:
    return set(tokens) | {f"{a} {b}" for a, b in zip(tokens, tokens[1:])}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def similarity(question: str, other: str, vocab: frozenset[str]) -> float:
    """Half shape (masked words and word pairs), half subject (content-word stems), 0..1.

    >>> v = frozenset({"singer", "concert"})
    >>> round(similarity("How many singers are there?", "How many concerts are there?", v), 2)
    0.5
    """
    shape = _jaccard(_grams(masked(question, vocab)), _grams(masked(other, vocab)))
    subject = _jaccard({stem(w) for w in words(question) if w not in STOPWORDS},
                       {stem(w) for w in words(other) if w not in STOPWORDS})
    return 0.5 * shape + 0.5 * subject


def skeleton(sql: str) -> str:
    """The query's keywords and operators with every name and value as ``_`` (DAIL-SQL's SQL skeleton).

    >>> skeleton("SELECT name FROM singer WHERE age > 30 ORDER BY age DESC")
    'SELECT _ FROM _ WHERE _ > _ ORDER BY _ DESC'
    """
    try:
        tokens = sqlglot.tokenize(sql)
    except sqlglot.errors.SqlglotError:
        return _SPACE.sub(" ", sql)
    named = {TokenType.VAR, TokenType.STRING, TokenType.NUMBER, TokenType.IDENTIFIER}
    out: list[str] = []
    for t in tokens:
        piece = "_" if t.token_type in named else t.text.upper()
        if not (piece == "_" and out and out[-1] == "_") and piece != ".":
            out.append(piece)
    return " ".join(out)


def _key(question: str) -> str:
    return " ".join(words(question))


def select_examples(question: str, pool: Sequence[ExamplePair], model: SemanticModel, *, k: int = MAX_EXAMPLES,
                    budget_tokens: int = EXAMPLES_TOKEN_BUDGET) -> tuple[ExamplePair, ...]:
    """The ``k`` most similar pairs with distinct skeletons, within ``budget_tokens``; never ``question`` itself."""
    if not pool or k <= 0:
        return ()
    vocab = vocabulary(model)
    own = _key(question)
    scored = sorted(((similarity(question, p.question, vocab), i, p) for i, p in enumerate(pool)
                     if _key(p.question) != own), key=lambda t: (-t[0], t[1]))
    picked: list[ExamplePair] = []
    shapes: set[str] = set()
    used = 0
    for score, _, pair in scored:
        if score < MIN_SIMILARITY or len(picked) >= k:
            break
        shape = skeleton(pair.sql)
        cost = (len(pair.question) + len(pair.sql) + 24) // 4
        if shape in shapes or used + cost > budget_tokens:
            continue
        picked.append(pair)
        shapes.add(shape)
        used += cost
    return tuple(picked)


def render_examples(pairs: Sequence[ExamplePair]) -> str:
    """Examples as question / fenced SQL pairs, most similar first."""
    return "\n\n".join(f"Question: {p.question.strip()}\n```sql\n{p.sql.strip()}\n```" for p in pairs)
