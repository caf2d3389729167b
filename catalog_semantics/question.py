"""A question's words, read once: its typed tokens and the word views that schema linking and the offline planner
match against the model.

``read_question`` returns one frozen ``QuestionWords``: the tokens (words, numbers, dates, quoted literals, each
with its folded word and name stem) and the question's words split as names are (``text.words``: camelCase
split) and as values are written (``text.plain_words``). Linking (``link_match.Question``) and the planner
(``nl2sql.planner``: matching, the checks before an answer, default filters, doubts) all read these, so a
question is split into words once. Word forms that no suffix rule undoes (irregular plurals, signs read as words)
are data the caller passes in: the planner's vocabulary file holds them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Literal

from catalog_semantics.text import fold, plain_words, stem, words

# One alternative per token kind, tried in order. Samples: 'Little Lever' · 1996-03-15 · 4,000,000 ·
# 12.5% · $5,000 · 5k · -900 (a sign only before the digits, not in 3-4) · Brand#34 · don't · q3 · 40
_TOKEN = re.compile(
    r"""(?P<quoted>(?<!\w)'[^']*'(?!\w)|"[^"]*"|“[^”]*”|‘[^’]*’|`[^`]*`)
      |(?P<date>\b\d{4}-\d{2}-\d{2}\b)
      |(?P<number>(?:(?<![\w-])-)?(?:\$?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|\$?\d+(?:\.\d+)?%?(?:\s?(?:k|m|bn)\b)?))
      |(?P<word>[^\W_]+(?:'[a-z]+)?)
      |(?P<symbol>[<>=]+)
      |(?P<sign>%|&(?!\w)|(?<!\w)&)""",        # "R&D", "F&I": one name, split as names are (``words``)
    re.VERBOSE | re.IGNORECASE,
)
_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,5}s")
_SCALE = {"k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}
_CONTRACTIONS = {"n't": " not", "'s": "", "'ve": " have", "'re": " are", "'ll": " will"}
_NO_FORMS: Mapping[str, str] = MappingProxyType({})


NumberWords = tuple[Mapping[str, str], Mapping[str, str]]  # scale words ("million"), small number words ("three")
TokenKind = Literal["word", "number", "date", "quoted", "symbol"]  # the groups of _TOKEN


@dataclass(frozen=True)
class Token:
    text: str  # as typed (quotes removed from literals)
    word: str  # folded, used to match values
    stem: str  # light stem, used to match names
    kind: TokenKind
    number: float | None = None
    fuzzy: bool = False  # corrected from a typo

    @property
    def singular(self) -> str:
        return singular(self.word)


@dataclass(frozen=True)
class QuestionWords:
    """The question as words, split once for everything that matches it against the model."""

    text: str
    words: tuple[str, ...]  # folded, camelCase split (``text.words``): how names are written
    plain: tuple[str, ...]  # folded, camelCase kept (``text.plain_words``): how values are written
    stems: tuple[str, ...]  # the stem of each of ``words``
    plain_stems: tuple[str, ...]  # the stem of each of ``plain``
    irregular: Mapping[str, str] = field(default_factory=lambda: _NO_FORMS, compare=False, repr=False)
    signs: Mapping[str, str] = field(default_factory=lambda: _NO_FORMS, compare=False, repr=False)
    numbers: NumberWords = field(default_factory=lambda: (_NO_FORMS, _NO_FORMS), compare=False, repr=False)

    @cached_property
    def tokens(self) -> tuple[Token, ...]:
        """Typed tokens, what the planner matches phrase by phrase; made on first use (linking alone needs none)."""
        return tokenize(self.text, self.irregular, self.signs, self.numbers)


def read_question(
    text: str,
    irregular: Mapping[str, str] = _NO_FORMS,
    signs: Mapping[str, str] = _NO_FORMS,
    numbers: NumberWords = (_NO_FORMS, _NO_FORMS),
) -> QuestionWords:
    """The question's words, each view computed once; ``irregular`` and ``signs`` are the tokens' word forms.

    >>> q = read_question("Revenue of JetBlue in 1996")
    >>> [t.word for t in q.tokens], q.words, q.plain
    (['revenue', 'of', 'jetblue', 'in', '1996'], ('revenue', 'of', 'jet', 'blue', 'in', '1996'), ('revenue', 'of', 'jetblue', 'in', '1996'))
    """
    split, plain = words(text), plain_words(text)
    return QuestionWords(
        text, split, plain, tuple(stem(w) for w in split), tuple(stem(w) for w in plain), irregular, signs, numbers
    )


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


def tokenize(
    question: str,
    irregular: Mapping[str, str] = _NO_FORMS,
    signs: Mapping[str, str] = _NO_FORMS,
    numbers: NumberWords = (_NO_FORMS, _NO_FORMS),
) -> tuple[Token, ...]:
    """Split a question into tokens; ``irregular`` plurals meet their singular's stem, ``signs`` are read as words,
    ``numbers`` (scale words, small number words) join a number and its scale ("three million").

    >>> [(t.kind, t.word) for t in tokenize("Top 5 customers' revenue above $4,000,000 in 'Canada' since 1996-03-01")]
    [('word', 'top'), ('number', '5'), ('word', 'customers'), ('word', 'revenue'), ('word', 'above'), ('number', '4000000'), ('word', 'in'), ('quoted', 'canada'), ('word', 'since'), ('date', '1996-03-01')]
    >>> [t.word for t in tokenize("F&I income & fees", signs={"&": "and"})]
    ['f', 'i', 'income', 'and', 'fees']
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
        elif kind in ("date", "symbol"):
            out.append(Token(raw, raw, raw, "date" if kind == "date" else "symbol"))
        else:
            # an acronym's plural ("EVs", "SUVs") is the acronym: its code is what the data stores
            w = signs.get(raw, raw) if kind == "sign" else fold(raw[:-1] if _ACRONYM_PLURAL.fullmatch(raw) else raw)
            out.append(Token(raw, w, stem(irregular.get(w) or _compound_plural(w, irregular)), "word"))
    return _scaled(out, *numbers)


def _compound_plural(word: str, irregular: Mapping[str, str]) -> str:
    """A compound ending in a long irregular plural takes its singular ("salespeople": salesperson); short ones
    ("men") end too many other words ("specimen") to be undone this way.

    >>> _compound_plural("salespeople", {"people": "person"}), _compound_plural("specimen", {"men": "man"})
    ('salesperson', 'specimen')
    """
    for plural, one in irregular.items():
        if len(plural) >= 6 and word.endswith(plural) and len(word) > len(plural):
            return word[: -len(plural)] + one
    return word


def _scaled(tokens: list[Token], scales: Mapping[str, str], small: Mapping[str, str]) -> tuple[Token, ...]:
    """A number (or a small number word) and the scale word after it as one number.

    >>> [(t.text, t.number) for t in tokenize("over three million", numbers=({"million": "1000000"}, {"three": "3"}))]
    [('over', None), ('three million', 3000000.0)]
    """
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
    that read the question in parts (the planner's set operations).

    >>> q = "cats and 'Big Dog'"; [q[a:b] for a, b in token_spans(q)]
    ['cats', 'and', "'Big Dog'"]
    """
    return tuple(m.span() for m in _TOKEN.finditer(question))


def parse_number(raw: str) -> float:
    """Read '4,000,000', '$5k', '12.5%' (as 12.5) or '1.5 m' as a number.

    >>> parse_number("4,000,000"), parse_number("$5k"), parse_number("12.5%"), parse_number("1.5 m"), parse_number("-900")
    (4000000.0, 5000.0, 12.5, 1500000.0, -900.0)
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
