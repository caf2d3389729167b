"""Questions split into tokens: words, numbers, dates and quoted literals, each with its matching forms.

A token keeps the text the user typed (for messages and literals), its folded word (for values) and its
stem (for names), so "Shipped", "shipping" and "ship" meet while a value such as 'SHIP' is only met by
the word itself or its plural.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from catalog_semantics.text import fold, stem
from nl2sql.planner.words import word_map

# One alternative per token kind, tried in order. Samples: 'Little Lever' · 1996-03-15 · 4,000,000 ·
# 12.5% · $5,000 · 5k · Brand#34 · don't · q3 · 40
_TOKEN = re.compile(
    r"""(?P<quoted>(?<!\w)'[^']*'(?!\w)|"[^"]*"|“[^”]*”|‘[^’]*’|`[^`]*`)
      |(?P<date>\b\d{4}-\d{2}-\d{2}\b)
      |(?P<number>\$?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|\$?\d+(?:\.\d+)?%?(?:\s?(?:k|m|bn)\b)?)
      |(?P<word>[^\W_]+(?:'[a-z]+)?)
      |(?P<symbol>[<>=]+)
      |(?P<sign>[%&])""",
    re.VERBOSE | re.IGNORECASE,
)
# Plurals no suffix rule undoes.
_IRREGULAR = word_map("irregular_plurals")
_SCALE = {"k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}
# "what % of revenue", "R&D": a sign standing alone is read as its word (vocabulary sign_words), never skipped
_SIGNS = word_map("sign_words")
_CONTRACTIONS = {"n't": " not", "'s": ""}


TokenKind = Literal["word", "number", "date", "quoted", "symbol"]     # the groups of _TOKEN


@dataclass(frozen=True)
class Token:
    text: str                 # as typed (quotes removed from literals)
    word: str                 # folded, used to match values
    stem: str                 # light stem, used to match names
    kind: TokenKind
    number: float | None = None
    fuzzy: bool = False       # corrected from a typo

    @property
    def singular(self) -> str:
        return singular(self.word)


def singular(word: str) -> str:
    """Only the plural ending comes off, so verbs such as 'shipped' do not meet the value 'SHIP'.

    >>> singular("trucks"), singular("countries"), singular("boxes"), singular("shipped"), singular("class")
    ('truck', 'country', 'box', 'shipped', 'class')
    """
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("xes", "ches", "shes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


def tokenize(question: str) -> tuple[Token, ...]:
    """Split a question into tokens.

    >>> [(t.kind, t.word) for t in tokenize("Top 5 customers' revenue above $4,000,000 in 'Canada' since 1996-03-01")]
    [('word', 'top'), ('number', '5'), ('word', 'customers'), ('word', 'revenue'), ('word', 'above'), ('number', '4000000'), ('word', 'in'), ('quoted', 'canada'), ('word', 'since'), ('date', '1996-03-01')]
    """
    text = question.replace("’", "'")
    for contraction, replacement in _CONTRACTIONS.items():
        text = re.sub(rf"(?<=[a-z]){contraction}(?!\w)", replacement, text, flags=re.IGNORECASE)
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "word"
        raw = m.group(0)
        if kind == "quoted":
            inner = raw[1:-1].strip()
            if inner:
                out.append(Token(inner, fold(inner), fold(inner), "quoted"))
        elif kind == "number":
            value = parse_number(raw)
            word = _number_word(value)
            out.append(Token(raw, word, word, "number", value))
        elif kind == "date":
            out.append(Token(raw, raw, raw, "date"))
        elif kind == "symbol":
            out.append(Token(raw, raw, raw, "symbol"))
        elif kind == "sign":
            w = _SIGNS.get(raw, raw)
            out.append(Token(raw, w, name_stem(w), "word"))
        else:
            w = fold(raw)
            out.append(Token(raw, w, name_stem(w), "word"))
    return _scaled(out)


def _scaled(tokens: list[Token]) -> tuple[Token, ...]:
    """A number and the scale word after it as one number (vocabulary ``scale_words``, ``small_numbers``).

    >>> [(t.text, t.number) for t in _scaled(list(tokenize("over three million in sales")))][1]
    ('three million', 3000000.0)
    """
    scales, small = word_map("scale_words"), word_map("small_numbers")
    out: list[Token] = []
    for tok in tokens:
        prev = out[-1] if out else None
        base = None if prev is None else prev.number if prev.kind == "number" else \
            float(small[prev.word]) if prev.kind == "word" and prev.word in small else None
        if tok.kind == "word" and tok.word in scales and prev is not None and base is not None:
            value = base * float(scales[tok.word])
            word = _number_word(value)
            out[-1] = Token(f"{prev.text} {tok.text}", word, word, "number", value)
            continue
        out.append(tok)
    return tuple(out)


def token_spans(question: str) -> tuple[tuple[int, int], ...]:
    """Where each token of the question starts and ends, as typed (a quoted literal is one token), for rules
    that read the question in parts (planner.setops).

    >>> q = "cats and 'Big Dog'"; [q[a:b] for a, b in token_spans(q)]
    ['cats', 'and', "'Big Dog'"]
    """
    return tuple(m.span() for m in _TOKEN.finditer(question))


def name_stem(word: str) -> str:
    """The stem names are matched on, irregular plurals included: 'people' and 'person' meet."""
    return stem(_IRREGULAR.get(word, word))


def parse_number(raw: str) -> float:
    """Read '4,000,000', '$5k', '12.5%' (as 12.5) or '1.5 m' as a number.

    >>> parse_number("4,000,000"), parse_number("$5k"), parse_number("12.5%"), parse_number("1.5 m")
    (4000000.0, 5000.0, 12.5, 1500000.0)
    """
    s = raw.lower().replace(",", "").replace("$", "").replace("%", "").strip()
    scale = 1
    for suffix, factor in _SCALE.items():
        if s.endswith(suffix):
            s, scale = s[: -len(suffix)].strip(), factor
            break
    return float(s) * scale


def _number_word(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)
