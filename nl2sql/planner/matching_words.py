"""Function words the matcher reads from the vocabulary file: column head words, meaningful words, signs, a
date's name said without a date."""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING

from catalog_semantics.text import stem, words
from nl2sql.planner.items import Item
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.tokens import Token, singular
from nl2sql.planner.vocabulary import Cue
from nl2sql.planner.words import vocabulary, word_list

if TYPE_CHECKING:
    from nl2sql.planner.lexicon import Lexicon


@functools.cache
def column_heads() -> frozenset[str]:
    """Words said after a column's name that add nothing to it (vocabulary.yaml ``column_heads``)."""
    return frozenset(stem(w) for w in word_list("column_heads"))


def column_head(word_stem: str, last: Item, lex: Lexicon) -> bool:
    """Whether a word said right after a column's name adds nothing to it: a ``column_heads`` word ("priority
    level"), or a ``modifier_heads`` word the column's own comment says it with ("zip code" of ZIP, "ZIP code.").
    Another column's name ("customer code" beside a customer name with no such comment) is never guessed."""
    columns = [c for c in last.concepts if c.kind == "column"]
    if not columns or word_stem in column_heads() or own_last_word(word_stem, last, lex):
        return bool(columns)
    if word_stem not in {stem(w) for w in word_list("modifier_heads")}:
        return False
    for c in columns:
        info = lex.tables.get(c.table)
        column = info.table.column(c.column or "") if info is not None else None
        if column is None or word_stem not in {stem(w) for w in words(column.comment or "")}:
            return False
    return True


def own_last_word(word_stem: str, last: Item, lex: Lexicon) -> bool:
    """'reason code' of rsn_cd named by its synonym "reason": the last word of the column's own name (split and
    spelled out: "cd" is "code"), said after another of its names, is part of that name, never a value or another
    column of its own."""
    columns = [c for c in last.concepts if c.kind == "column"]
    return bool(columns) and all(
        len(own := lex.tables[c.table].column_words.get(c.column or "", ())) > 1 and stem(own[-1]) == word_stem
        and stem(own[0]) not in {stem(w) for w in words(last.text)} for c in columns if c.table in lex.tables)


def meaningful_words() -> frozenset[str]:
    """Words never dropped as stop words (vocabulary.yaml ``meaningful``): "will" asks for a forecast,
    "why" for an explanation, which recorded data cannot answer; left unknown, the planner abstains."""
    return _MEANINGFUL or _set_meaningful(frozenset(word_list("meaningful")))


def _set_meaningful(words: frozenset[str]) -> frozenset[str]:
    global _MEANINGFUL
    _MEANINGFUL = words
    return words


_MEANINGFUL: frozenset[str] = frozenset()


def symbol_cues(symbol: str) -> tuple[Cue, ...]:
    ops = {">": ">", "<": "<", ">=": ">=", "<=": "<=", "=": "=", "<>": "!="}
    if symbol in ops:
        return (Cue("cmp", ops[symbol]),)
    return (Cue("stop"),)


@functools.cache
def determiners() -> frozenset[str]:
    """Words after which a word is a noun (vocabulary ``determiners``): "an order by region" is no "order by"."""
    return frozenset(word_list("determiners"))


def phrasal_verbs(items: list[Item]) -> list[Item]:
    """'events that sold out', 'vehicles that are out': a dropped word followed by a particle (vocabulary
    ``phrasal_particles``) is a phrasal verb with a meaning of its own, not two fillers; unless the vocabulary
    names the pair (a date verb, "went out"), it is left unknown so the question is declined naming it."""
    out: list[Item] = []
    n = 0
    while n < len(items):
        it, nxt = items[n], items[n + 1] if n + 1 < len(items) else None
        after = items[n + 2].text.lower() if n + 2 < len(items) else ""
        if nxt is not None and _filler(it) and _filler(nxt) and nxt.start == it.end and it.text.isalpha() \
                and nxt.text.lower() in _particles() and after != "of" \
                and (it.text.lower(), nxt.text.lower()) not in _named_pairs():
            out.append(Item("unknown", it.start, nxt.end, f"{it.text} {nxt.text}"))
            n += 2
            continue
        out.append(it)
        n += 1
    return out


def state_phrases(items: list[Item]) -> list[Item]:
    """'projects that are on hold', 'parts out of stock': function words that together name a state (vocabulary
    ``state_phrases``) are one phrase with a meaning of its own, not fillers; a model that names the state matched
    it already (a value's label, a filter's synonym), so here it is left unknown and the question is declined
    naming it, never answered as if the words were not there."""
    out: list[Item] = []
    n = 0
    while n < len(items):
        for phrase in _states():
            span = items[n:n + len(phrase)]
            if len(span) == len(phrase) and all(it.kind in ("cue", "unknown") and not it.concepts for it in span) \
                    and tuple(it.text.lower() for it in span) == phrase:
                out.append(Item("unknown", span[0].start, span[-1].end, " ".join(it.text for it in span)))
                n += len(phrase)
                break
        else:
            out.append(items[n])
            n += 1
    return out


@functools.cache
def _states() -> tuple[tuple[str, ...], ...]:
    return tuple(sorted((tuple(str(p).split()) for p in word_list("state_phrases")), key=len, reverse=True))


def verbs_after_subject(items: list[Item], lex: Lexicon) -> list[Item]:
    """'how many units did we ship per carrier': a word right after a subject and its auxiliary ("did we", "we")
    is the verb, so a date's verb ("ship" of the ship date) names that date, never a stored value spelled alike
    (the ship mode SHIP); it is left to the date verbs as an unknown word."""
    leads = _auxiliaries()
    return [Item("unknown", it.start, it.end, it.text)
            if it.kind == "concept" and n and items[n - 1].text.lower() in leads and " " not in it.text
            and all(c.kind in ("value", "valueword") for c in it.concepts) and stem(it.text.lower()) in lex.date_hints
            else it for n, it in enumerate(items)]


@functools.cache
def _auxiliaries() -> frozenset[str]:
    return frozenset(word_list("metric_phrasings", "verb_auxiliaries"))


def _filler(it: Item) -> bool:
    return it.kind == "cue" and not it.concepts and it.end - it.start == 1 and all(c.kind == "stop" for c in it.cues)


@functools.cache
def _particles() -> frozenset[str]:
    return frozenset(word_list("phrasal_particles"))


@functools.cache
def _named_pairs() -> frozenset[tuple[str, str]]:
    """Word pairs the vocabulary's date verbs name ("went out", "sent out")."""
    phrases = (tuple(words(str(p))) for ps in dict(vocabulary().get("date_verbs") or {}).values() for p in ps)
    return frozenset((p[k], p[k + 1]) for p in phrases for k in range(len(p) - 1))


def date_said_without_date(span: tuple[Token, ...], after: tuple[Token, ...], model: tuple[Concept, ...],
                            lex: Lexicon, cues: dict[tuple[str, ...], tuple[Cue, ...]]) -> bool:
    """A date's name that ends with a preposition ("billed on", "paid on") with no date after it: the preposition
    goes with what follows ("on them"), so the phrase is not the date's (a shorter one is read)."""
    last = cues.get((span[-1].stem,), ()) if len(span) > 1 else ()
    dates = bool(model) and all(c.kind == "column" and c.table in lex.tables and c.column in lex.tables[c.table].dates
                                for c in model)
    dated = bool(after) and (after[0].kind in ("number", "date") or after[0].word in _month_words())
    return dates and bool(last) and all(c.kind == "stop" for c in last) and not dated


@functools.cache
def _month_words() -> frozenset[str]:
    return frozenset(w for names in vocabulary()["months"].values() for w in names)


def share_next(tokens: tuple[Token, ...], i: int, cues: dict[tuple[str, ...], tuple[Cue, ...]]) -> bool:
    """Whether the token at ``i`` is a share word ("rate"): a list verb before it is a noun ("return rate")."""
    return i < len(tokens) and any(c.kind == "share" for c in cues.get((tokens[i].stem,), ()))


def _state_adverbs(items: list[Item]) -> list[Item]:
    """'still open', 'still unpaid': an adverb of state (vocabulary ``state_adverbs``, meaningful words) right
    before a named filter or a stored value says the state holds now, which is what the data records; said
    elsewhere ("still growing") it stays unknown and the question is declined."""
    adverbs = frozenset(word_list("state_adverbs"))
    out = list(items)
    for n, it in enumerate(items[:-1]):
        nxt = items[n + 1]
        if it.kind == "unknown" and it.text.lower() in adverbs and nxt.kind == "concept" \
                and any(c.kind in ("filter", "value") for c in nxt.concepts):
            out[n] = dataclasses.replace(it, kind="cue", cues=(Cue("stop"),))
    return out


def _adverb_filter(items: list[Item], lex: Lexicon) -> list[Item]:
    """'how many members does each location currently have': an adverb of state (vocabulary
    ``state_adverb_stems``) is the one named filter, of a table the question names, whose name starts with its
    adjective ("current member"); with none it stays a filler."""
    stems = dict(vocabulary().get("state_adverb_stems") or {})
    named = {c.table for it in items if it.kind == "concept" for c in it.concepts if c.kind == "table"}
    out = list(items)
    for n, it in enumerate(items):
        adjective = stems.get(it.text.lower()) if it.kind in ("unknown", "cue") else None
        found = [f for f in lex.filters.values() if adjective and f.table.lower() in named
                 and f.name.lower().split()[0] == adjective]
        if len(found) == 1:
            concept = Concept("filter", found[0].table.lower(), name=found[0].name, strength=3)
            out[n] = dataclasses.replace(it, kind="concept", concepts=(concept,))
    return out


def _command_no_value(items: list[Item]) -> list[Item]:
    """'add the number of projects': a request's verb typed first in lower case (vocabulary ``command_verbs``) asks
    for something, it is never a stored code spelled alike (a project type ADD); it is read as a function word."""
    first = items[0] if items else None
    if first is None or first.kind != "concept" or first.text != first.text.lower() \
            or first.text not in word_list("command_verbs") or not all(c.kind == "value" for c in first.concepts):
        return items
    return [Item("cue", first.start, first.end, first.text, cues=(Cue("stop"),)), *items[1:]]


def settled_words(items: list[Item], lex: Lexicon) -> list[Item]:
    """The matched items after the rules that read words by their neighbours: a state adverb before a value, a
    state said in function words, a phrasal verb, a request's verb first, a verb after its subject."""
    return verbs_after_subject(_command_no_value(phrasal_verbs(state_phrases(_adverb_filter(
        _state_adverbs(items), lex)))), lex)


def one_token_item(tok: Token, i: int, items: list[Item], lex: Lexicon) -> Item | None:
    """The item one token makes on its own: a quoted value, a date, a capital letter's code ("an A grade"), or
    the item before it taken on when the token stands for its noun ("fulfilled ones", popped from ``items``)."""
    if tok.kind == "quoted":
        concepts = tuple(lex.values.get(tuple(singular(w) for w in words(tok.word)), ()))
        return Item("literal", i, i + 1, tok.text, concepts=concepts)
    if tok.kind == "date":
        return Item("date", i, i + 1, tok.text)
    if code := _letter_code(tok, i, lex, items[-1] if items else None):
        return Item("concept", i, i + 1, tok.text, concepts=code)
    if _stands_for_noun(tok, items):
        last = items.pop()
        return dataclasses.replace(last, end=i + 1, text=f"{last.text} {tok.text}")
    return None


def _stands_for_noun(tok: Token, items: list[Item]) -> bool:
    """'open orders compared with fulfilled ones': a pronoun of a noun (vocabulary ``noun_pronouns``) right after a
    named filter or a value stands for the rows of its table, named before in the question; it adds nothing."""
    if tok.word not in word_list("noun_pronouns") or not items or items[-1].kind != "concept" or not items[-1].concepts:
        return False
    said = items[-1].concepts      # "the 5-LOW priority ones": a value, then its own column
    top = max(c.strength for c in said)
    if len(items) > 1 and all(c.kind == "column" for c in said) and {(c.table, c.column) for c in said
                                                                      if c.strength == top} == {
            (c.table, c.column) for c in items[-2].concepts if c.kind == "value"}:
        said = items[-2].concepts
    if any(c.kind not in ("filter", "value") for c in said):
        return False
    tables = {c.table for c in said}     # said before: else "the ELECTRIC ones" of a follow-up
    return any(c.table in tables for it in items[:-1] for c in it.concepts if it.concepts is not said)


def _letter_code(tok: Token, i: int, lex: Lexicon, prev: Item | None = None) -> tuple[Concept, ...]:
    """The stored values a capital letter typed inside the question stands for ("grade A", "an A grade");
    the pronoun "I", a capital that starts the question, and one right after a phrase naming only other tables
    ("... the AUTOMOBILE segment? A fraction is fine": a sentence's article) are words."""
    if i == 0 or tok.kind != "word" or len(tok.text) != 1 or not tok.text.isupper() or tok.text == "I":
        return ()
    codes = tuple(lex.letters.get(tok.word, ()))
    if prev is not None and prev.kind == "concept" and prev.concepts \
            and not {c.table for c in prev.concepts} & {c.table for c in codes}:
        return ()
    return codes
