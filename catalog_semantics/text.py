"""Words out of names, questions and values: tokenising, normalising, light stemming, fuzzy matching.

Shared by the catalog readers (which columns hold text worth sampling), schema linking and the
offline planner, so that "Customers", "customer_id" and "CustomerID" all meet on the word ``customer``.
Pure functions over strings; no I/O, no dependencies beyond the standard library.
"""

from __future__ import annotations

import functools

import re
import unicodedata
from collections.abc import Iterable

# Words that carry no schema meaning in an analytics question. Kept short on purpose: a word like
# "name", "number" or "count" does point at columns, so it is not a stop word here.
STOPWORDS: frozenset[str] = frozenset(
    ["a", "an", "the", "of", "in", "on", "at", "to", "for", "by", "with", "from", "and", "or", "not", "no", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "me", "my", "i", "we", "our", "us", "you", "your", "it", "its", "this", "that", "these", "those", "there", "their", "them", "they", "he", "she", "his", "her", "as", "than", "then", "so", "such", "any", "all", "each", "every", "some", "many", "much", "more", "most", "show", "list", "give", "tell", "find", "get", "display", "return", "please", "can", "could", "would", "should", "will", "shall", "may", "might", "must", "has", "have", "had", "per", "about", "into", "over", "under", "between", "up", "down", "out", "off", "also", "just", "only", "very", "what's", "whats"]
)

# Words a question uses as operators (aggregations, extremes) more often than as names: schema linking across a
# big catalog counts them for less (they still point at columns, so they are not stop words).
OPERATOR_WORDS: frozenset[str] = frozenset(
    ["number", "count", "total", "sum", "average", "avg", "mean", "median", "maximum", "max", "minimum", "min",
     "overall", "combined", "cumulative", "aggregate"]
)

# An ordering phrase ("ordered by", "in descending order", "sorted"): its "order"/"sort" is an operator too, while
# "orders" alone names a table. Sample: "List names in ascending order of age" -> "in ascending order".
ORDERING = re.compile(r"\b(?:(?:order|sort)(?:ed)?\s+(?:by|on|in)\b|sort(?:ed|ing)?\b|in\s+(?:\w+\s+){0,2}order\b"
                      r"|(?:ascending|descending|alphabetical|lexicographical|reverse|reversed)\s+order\b)",
                      re.IGNORECASE)

# "CustomerID" -> Customer|ID; an acronym's plural stays whole ("SKUs", "KPIs": not SK|Us)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])(?![A-Z]s\b)")
_WORD = re.compile(r"[a-z0-9]+")
_TEXT_TYPES = ("CHAR", "TEXT", "STRING", "CLOB", "ENUM", "NAME", "CITEXT")
_MAX_VALUE_CHARS = 80   # longer strings are free text (comments, addresses), not categories


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Zürich' and 'zurich' compare equal.

    >>> fold("Zürich CAFÉ")
    'zurich cafe'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@functools.lru_cache(maxsize=65_536)
def words(text: str) -> tuple[str, ...]:
    """Split any name or sentence into folded words: underscores, spaces, punctuation and camelCase.

    >>> words("CustomerID of order_lines, totalPrice, SKUs")
    ('customer', 'id', 'of', 'order', 'lines', 'total', 'price', 'skus')
    """
    return tuple(_WORD.findall(fold(_CAMEL.sub(" ", text))))


def plain_words(text: str) -> tuple[str, ...]:
    """Folded words without splitting camelCase: how people write values ('JetBlue' is one word).

    >>> plain_words("JetBlue Airways, REG AIR")
    ('jetblue', 'airways', 'reg', 'air')
    """
    return tuple(_WORD.findall(fold(text)))


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A light English stemmer: enough to meet plurals and common suffixes, never clever.

    >>> [stem(w) for w in ("countries", "classes", "orders", "status", "shipped", "shipping", "boxes", "breed")]
    ['country', 'class', 'order', 'status', 'ship', 'ship', 'box', 'breed']
    """
    w = word.lower()
    if len(w) <= 3 or w.isdigit():
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is", "ous")):
        return w[:-1]
    for suffix in ("ing", "ed"):
        # "-eed" is a noun's or a verb's own ending ("breed", "speed", "exceed"), not a past tense
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("eed"):
            base = w[: -len(suffix)]
            if len(base) >= 2 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]                 # "shipped" -> "shipp" -> "ship"
            return base
    return w


@functools.lru_cache(maxsize=65_536)
def link_stem(word: str) -> str:
    """``stem`` taken to where it settles, as schema linking meets words: the plural of an -ing or -ed noun then
    meets its singular ("ratings" and "rating" both ``rat``), where ``stem`` stops at "rating" for the plural.
    The planner keeps ``stem``, which its vocabulary is written against.

    >>> [link_stem(w) for w in ("ratings", "rating", "breeds", "breed", "orders", "countries")]
    ['rat', 'rat', 'breed', 'breed', 'order', 'country']
    """
    once = stem(word)
    return stem(once) if once != word else once


def content_words(text: str) -> tuple[str, ...]:
    """Words of a question worth matching: folded, stop words dropped, order kept, duplicates kept.

    >>> content_words("How many orders were shipped by AIR?")
    ('orders', 'shipped', 'air')
    """
    return tuple(w for w in words(text) if w not in STOPWORDS)


def stems(text: str) -> frozenset[str]:
    """The set of stems of a name or sentence, stop words included (names rarely hold them)."""
    return frozenset(stem(w) for w in words(text))


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count once), giving up past ``limit``.

    >>> edit_distance("customer", "cusotmer"), edit_distance("region", "regoin"), edit_distance("air", "rail")
    (1, 1, 2)
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def typo_match(a: str, b: str) -> bool:
    """Whether two words are the same word give or take a typo; short words must match exactly.

    >>> typo_match("custmer", "customer"), typo_match("cat", "car"), typo_match("germny", "germany")
    (True, False, True)
    """
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter < 5 or a[0] != b[0]:
        return False
    allowed = 1 if shorter < 8 else 2
    # Cheap bounds first (linking tries thousands of pairs a question): each edit changes the length by at most
    # one and brings in or removes at most one distinct letter, so these never reject a pair within reach.
    if abs(len(a) - len(b)) > allowed or len(set(a) - set(b)) > allowed or len(set(b) - set(a)) > allowed:
        return False
    return edit_distance(a, b, 2) <= allowed


def is_text_type(type_name: str) -> bool:
    """Whether a warehouse type holds text worth sampling for value hints.

    >>> is_text_type("VARCHAR(25)"), is_text_type("ENUM"), is_text_type("DECIMAL(18,2)"), is_text_type("VARCHAR[]")
    (True, True, False, False)
    """
    t = type_name.upper()
    if "[" in t or t.startswith(("ARRAY", "STRUCT", "MAP", "LIST", "UNION", "ROW(")):
        return False
    return any(k in t for k in _TEXT_TYPES)


def clean_sample_values(values: Iterable[object], limit: int) -> tuple[str, ...]:
    """Distinct non-empty short strings in natural order (case-insensitive, numbers by value), at most ``limit``.

    >>> clean_sample_values(["MAIL", None, "AIR", "", "AIR", "x" * 200, "Brand#10", "Brand#9"], 10)
    ('AIR', 'Brand#9', 'Brand#10', 'MAIL')
    """
    kept = {str(v).strip() for v in values if isinstance(v, str)}
    kept = {v for v in kept if v and len(v) <= _MAX_VALUE_CHARS and "\n" not in v}
    return tuple(sorted(kept, key=_natural_key))[:limit]


def _natural_key(value: str) -> tuple[tuple[tuple[int, int | str], ...], str]:
    parts = re.split(r"(\d+)", value.lower())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p), value


# Words that imply an attribute the question does not name: comparatives and question words. General
# English, not tied to any schema; matched more weakly than a word the question actually uses.
_IMPLIED: dict[str, tuple[str, ...]] = {
    "tall": ("height",), "taller": ("height",), "tallest": ("height",), "short": ("height", "length"),
    "shorter": ("height", "length"), "shortest": ("height", "length"), "high": ("height",),
    "old": ("age", "year"), "older": ("age", "year"), "oldest": ("age", "year"),
    "young": ("age",), "younger": ("age",), "youngest": ("age",),
    "heavy": ("weight",), "heavier": ("weight",), "heaviest": ("weight",),
    "light": ("weight",), "lighter": ("weight",), "lightest": ("weight",),
    "expensive": ("price", "cost"), "cheap": ("price", "cost"), "cheaper": ("price", "cost"),
    "cheapest": ("price", "cost"), "costly": ("price", "cost"), "earn": ("earning", "salary"),
    "long": ("length", "duration"), "longer": ("length", "duration"), "longest": ("length", "duration"),
    "big": ("size",), "bigger": ("size",), "biggest": ("size",), "large": ("size",), "largest": ("size",),
    "small": ("size",), "smaller": ("size",), "smallest": ("size",),
    "populous": ("population",), "populated": ("population",), "populace": ("population",),
    "when": ("date", "year", "time"), "where": ("location", "city", "country", "address", "place"),
    "who": ("name",), "born": ("birth",), "rich": ("money", "wealth"), "richest": ("money", "wealth"),
    "speak": ("language",), "spoken": ("language",), "speaks": ("language",),
}
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
_PROPER = re.compile(r"""(?<![.?!]\s)(?<!^)\b[A-Z][\w'-]*|"[^"]+"|'[^']+'""")


def implied_stems(question_words: tuple[str, ...]) -> frozenset[str]:
    """Stems a question implies: attribute words, 'year' for a year, acronyms of consecutive words.

    >>> sorted(implied_stems(("tallest", "car", "in", "1995", "miles", "per", "gallon")))
    ['date', 'height', 'mpg', 'tci', 'year']
    """
    out: set[str] = set()
    for w in question_words:
        out.update(stem(x) for x in _IMPLIED.get(w, ()))
        if _YEAR.match(w):
            out.update(("year", "date"))
    for n in (3, 4):                             # "miles per gallon" -> "mpg" (two letters are too noisy)
        for i in range(len(question_words) - n + 1):
            window = question_words[i:i + n]
            if all(w.isalpha() for w in window):
                out.add("".join(w[0] for w in window))
    return frozenset(out)


def proper_nouns(text: str) -> tuple[str, ...]:
    """Capitalised words not starting a sentence, and quoted strings: likely data values.

    >>> proper_nouns('How many flights leave Aberdeen for "New York"? Which Airline?')
    ('aberdeen', 'new york', 'airline')
    """
    return tuple(fold(m.strip("'\"")) for m in _PROPER.findall(text.strip()))
