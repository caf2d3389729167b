"""'Did you mean': a word nobody understood, close to a word of the semantic model, offered corrected.

The vocabulary is the model's own words (metric names and synonyms, table and column synonyms, listed
values), so a suggestion always names something the data has. Closeness is ``difflib``'s ratio (the
standard library's; no extra dependency), strict enough that short words need a near-exact match.
"""

from __future__ import annotations

import difflib
import re

from catalog_semantics.model import SemanticModel

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def model_words(model: SemanticModel) -> tuple[str, ...]:
    phrases: list[str] = []
    for m in model.metrics:
        phrases += [m.name, *m.synonyms]
    for f in model.filters:
        phrases += [f.name, *f.synonyms]
    for t in model.tables:
        phrases += [t.name, *t.synonyms]
        for c in t.columns:
            phrases += [*c.synonyms, *c.sample_values]
    words = {w.lower() for p in phrases for w in _WORD.findall(p) if len(w) >= 3}
    return tuple(sorted(words))


def did_you_mean(question: str, unknown: tuple[str, ...], model: SemanticModel) -> str | None:
    """The question with each unknown word replaced by the closest model word, or None.

    >>> from catalog_semantics.model import Column, Metric, SemanticModel, Table
    >>> m = SemanticModel((Table("lineitem", (Column("l_shipmode", "TEXT", synonyms=("ship mode",)),)),),
    ...                   metrics=(Metric("revenue", "SUM(x)", "lineitem"),))
    >>> did_you_mean("averge revenue by shp mode", ("shp",), m)
    'averge revenue by ship mode'
    >>> did_you_mean("revenue by category", ("category",), m) is None
    True
    """
    vocab = model_words(model)
    fixed = question
    changed = False
    for word in unknown:
        low = word.lower()
        if low in vocab:
            continue
        cutoff = 0.85 if len(low) <= 4 else 0.8
        close = difflib.get_close_matches(low, vocab, n=1, cutoff=cutoff)
        if not close:
            continue
        fixed = re.sub(rf"(?i)\b{re.escape(word)}\b", close[0], fixed, count=1)
        changed = True
    return fixed if changed and fixed != question else None
