"""Question tokens matched against the lexicon and the function words: the longest phrase wins.

Each token ends up in exactly one item: a model concept (with every candidate it could mean), a
function-word cue, a number, a date, a quoted literal, or an unknown word. Unknown words are first
corrected to a model word one typo away ("germny" -> "germany": spelling.py).
"""

from __future__ import annotations

import dataclasses
import weakref

from catalog_semantics.question import QuestionWords
from catalog_semantics.text import STOPWORDS, stem
from nl2sql.planner.items import Item as Item, ItemKind as ItemKind
from nl2sql.planner.lexicon import Concept, Lexicon
from nl2sql.planner.matching_words import column_head, date_said_without_date, determiners, meaningful_words
from nl2sql.planner.matching_words import one_token_item, own_last_word, settled_words, share_next, symbol_cues
from nl2sql.planner.spelling import correct
from nl2sql.planner.tokens import Token, question_words
from nl2sql.planner.vocabulary import Cue, CueKind, cue_index, exact_phrases
from nl2sql.planner.words import word_list

# Cue kinds a model name may override when both match the same words ("Year" as a column).
_WEAK_CUES: frozenset[CueKind] = frozenset({"stop", "list", "unit", "and", "numword", "group", "distinct", "top",
                                           "trend"})   # "declined" the model's named filter, not a fall


_MATCHED: dict[tuple[int, QuestionWords], tuple[weakref.ref[Lexicon], tuple[Item, ...]]] = {}


def matched(question: str | QuestionWords, lex: Lexicon) -> list[Item]:
    """The question's phrases matched against the lexicon: one pass per question and lexicon, shared by every
    step that reads them (the reading, the follow-up's edit, the reflected check, the earlier-rows test)."""
    words = question_words(question)
    key = (id(lex), words)
    hit = _MATCHED.get(key)
    if hit is not None and hit[0]() is lex:
        return list(hit[1])
    items = match_items(words.tokens, lex)
    if len(_MATCHED) > 512:
        _MATCHED.clear()
    _MATCHED[key] = (weakref.ref(lex), tuple(items))
    return items


def match_items(tokens: tuple[Token, ...], lex: Lexicon) -> list[Item]:
    tokens = tuple(correct(t, lex, tokens[n + 1] if n + 1 < len(tokens) else None)
                   for n, t in enumerate(tokens))
    items: list[Item] = []
    cues = cue_index()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        single = one_token_item(tok, i, items, lex)
        if single is not None:   # a quoted value, a date, a capital letter's code, "ones" of the noun before
            items.append(single)
            i += 1
            continue
        found = _longest(tokens, i, lex, cues)
        if found is not None and found.has("order") and i > 0 and tokens[i - 1].word in determiners():
            found = _longest(tokens, i, lex, {})     # "placed an order, by region": the noun, then a grouping
        found = _cue_before_longer(tokens, i, found, lex, cues)
        found = _cue_phrase_before_longer(tokens, i, found, lex, cues)
        found = _aggregated_column(tokens, i, found, items, lex)
        found = _filter_before_measure(tokens, i, found, lex, cues)
        if found is None or found.end == i + 1:
            found = _shared_head(tokens, i, lex) or found
        if found is not None and found.end == i + 1 and items and own_last_word(tok.stem, items[-1], lex):
            found = None            # "reason code": the name's own last word (planner/matching_words.own_last_word)
        if found is not None:
            items.append(found)
            i = found.end
            continue
        if tok.kind == "number":
            items.append(Item("number", i, i + 1, tok.text, number=tok.number))
        elif tok.kind == "symbol":
            items.append(Item("cue", i, i + 1, tok.text, cues=symbol_cues(tok.text)))
        elif tok.word in STOPWORDS and tok.word not in meaningful_words():
            items.append(Item("cue", i, i + 1, tok.text, cues=(Cue("stop"),)))
        elif items and column_head(tok.stem, items[-1], lex):
            last = items.pop()           # "priority level": the column, its head word adding nothing
            items.append(dataclasses.replace(last, end=i + 1, text=f"{last.text} {tok.text}"))
        else:
            items.append(Item("unknown", i, i + 1, tok.word if tok.fuzzy else tok.text))   # "recieved" read as "received"
        i += 1
    return settled_words(items, lex)


def _cue_before_longer(tokens: tuple[Token, ...], i: int, found: Item | None, lex: Lexicon,
                       cues: dict[tuple[str, ...], tuple[Cue, ...]]) -> Item | None:
    """'total compensation paid': when a name begins with a function word ("total compensation") and a longer
    name starts right after it ("compensation paid"), the word is the function word and the longer name wins,
    so no word is left over."""
    if found is None or found.kind != "concept" or found.end - i < 2:
        return found
    alone = cues.get((tokens[i].stem,), ())
    if not any(c.kind == "agg" for c in alone):
        return found
    nxt = _longest(tokens, i + 1, lex, cues)
    if nxt is None or nxt.kind != "concept" or nxt.end <= found.end:
        return found
    return Item("cue", i, i + 1, tokens[i].text, cues=alone)


def _cue_phrase_before_longer(tokens: tuple[Token, ...], i: int, found: Item | None, lex: Lexicon,
                              cues: dict[tuple[str, ...], tuple[Cue, ...]]) -> Item | None:
    """'how many order lines': a measure named with its function words ("how many orders") whose last word starts
    a longer name ("order lines") reads the function words alone; the longer name is what is counted."""
    if found is None or found.kind != "concept" or found.end - i < 2:
        return found
    said = cues.get(tuple(t.word for t in tokens[i:found.end - 1]), ())
    if not any(c.kind == "agg" for c in said):
        return found
    nxt = _longest(tokens, found.end - 1, lex, cues)
    if nxt is None or nxt.kind != "concept" or nxt.end <= found.end:
        return found
    return Item("cue", i, found.end - 1, " ".join(t.text for t in tokens[i:found.end - 1]), cues=said)


def _aggregated_column(tokens: tuple[Token, ...], i: int, found: Item | None, items: list[Item],
                       lex: Lexicon) -> Item | None:
    """'the maximum share of TV series' when a column is called Share: right after an aggregate or a superlative,
    a share word that is the whole name of a column is that column (a share has no maximum of its own)."""
    if found is None or found.kind != "cue" or not found.has("share") or not items \
            or not items[-1].has("agg", "extreme"):
        return found
    named = tuple(c for c in lex.names.get((tokens[i].stem,), []) if c.kind == "column" and c.strength >= 3)
    return Item("concept", i, i + 1, tokens[i].text, concepts=named) if named else found


def _filter_before_measure(tokens: tuple[Token, ...], i: int, found: Item | None, lex: Lexicon,
                           cues: dict[tuple[str, ...], tuple[Cue, ...]]) -> Item | None:
    """'unplanned downtime hours': a name ("unplanned downtime") whose last word starts a longer measure's name
    ("downtime hours") while the words before it name a filter or value alone ("unplanned"): the filter, then
    the measure, so the measure is not cut in two."""
    if found is None or found.kind != "concept" or found.end - i < 2:
        return found
    nxt = _longest(tokens, found.end - 1, lex, cues)
    if nxt is None or nxt.kind != "concept" or nxt.end <= found.end \
            or not any(c.kind in ("metric", "column") for c in nxt.concepts):
        return found
    head = tuple(t.stem for t in tokens[i:found.end - 1])
    if not _restricts(head, lex):
        return found
    concepts = tuple(lex.names.get(head, []) + lex.values.get(head, []))
    return Item("concept", i, found.end - 1, " ".join(t.text for t in tokens[i:found.end - 1]), concepts=concepts)


def _longest(tokens: tuple[Token, ...], i: int, lex: Lexicon, cues: dict[tuple[str, ...], tuple[Cue, ...]]) -> Item | None:
    longest = min(len(tokens) - i, max(lex.max_len, 8))
    for length in range(longest, 0, -1):
        span = tokens[i:i + length]
        if any(t.kind in ("quoted", "date") for t in span):
            continue
        stems = tuple(t.stem for t in span)
        singulars = tuple(t.singular for t in span)
        names = lex.names.get(stems, [])
        if not names and length == 3 and span[1].word == "of" and not _names_table(stems[0], lex):
            # "number of products": Number_products (not "parts of size 15": parts with that size)
            names = [c for c in lex.names.get((stems[0], stems[2]), []) if c.kind == "column" and c.strength >= 3]
        values = lex.values.get(singulars, [])
        cue = cues.get(stems, ())
        cue = tuple(c for c in cue if c.kind not in ("order", "date_cmp", "grain")   # "orders by month" groups, not
                    or tuple(t.word for t in span) in exact_phrases(c.kind))   # sorts; "started" is no "since";
        # "annuals" (plants) is no "annual"
        text = " ".join(t.text for t in span)
        fuzzy = any(t.fuzzy for t in span)
        model = tuple(names) + tuple(values)
        if date_said_without_date(span, tokens[i + length:i + length + 1], model, lex, cues):
            continue             # "how much was billed on them": the verb, not the date "billed on"
        if model and cue and all(c.kind == "stop" for c in cue) \
                and tuple(t.word for t in span) not in exact_phrases("stop"):
            cue = ()             # "herring" stems to the stop word "her": a word of the model is not a filler
        if model and cue and all(t.word in _OPENERS for t in tokens[:i]) and any(c.kind == "list" for c in cue) \
                and not share_next(tokens, i + length, cues):      # "return rate by region": the returns' rate
            return Item("cue", i, i + length, text, cues=cue)      # "Show ...", "List ...": the request
        if model and cue:
            exact_column = length >= 2 and any(c.kind == "column" and c.strength >= 3 for c in names)
            if exact_column and all(c.kind in _WEAK_CUES | {"agg"} for c in cue):
                # "number of products" when a column is called Number_products: the column
                return Item("concept", i, i + length, text, concepts=model, fuzzy=fuzzy)
            if all(c.kind in _WEAK_CUES for c in cue) and max(c.strength for c in model) >= 3:
                return Item("concept", i, i + length, text, concepts=model, cues=cue, fuzzy=fuzzy)
            return Item("cue", i, i + length, text, concepts=model, cues=cue)
        if model:
            return Item("concept", i, i + length, text, concepts=model, fuzzy=fuzzy)
        if cue and all(c.kind == "stop" for c in cue) and any(t.word in meaningful_words() for t in span) \
                and not (length > 1 and tuple(t.word for t in span) in exact_phrases("stop")):
            continue         # "existing" is not the stop word "exist" ("I shall need", written so, is a filler)
        if cue and length > 1 and all(c.kind == "stop" for c in cue) and _names_a_column(tokens[i], lex):
            continue         # "amount of" is a filler unless the model has an amount: then it names it
        if cue and length > 1 and not any(tuple(t.word for t in span) in exact_phrases(c.kind) for c in cue) \
                and _model_name_across(tokens, i, length, lex):
            continue         # "highest gross sales": "highest grossing" (said otherwise) stops before "gross sales"
        if cue:
            return Item("cue", i, i + length, text, cues=cue)
    return _swapped(tokens, i, lex) or _joined(tokens, i, lex)


def _model_name_across(tokens: tuple[Token, ...], i: int, length: int, lex: Lexicon) -> bool:
    """Whether a name of the model starts inside the span after its first word and runs past its end."""
    end = i + length
    return any(tuple(t.stem for t in tokens[k:k + n]) in lex.names
               for k in range(i + 1, end) for n in range(end - k + 1, min(lex.max_len, len(tokens) - k) + 1))


def _shared_head(tokens: tuple[Token, ...], i: int, lex: Lexicon) -> Item | None:
    """'billed and allowed amounts': the first word names 'billed amount' when both phrases are measures.

    Two measures sharing one head noun are both meant; read alone, the first word would be dropped or
    misread. Only columns and metrics count, and only when the phrase after 'and' is one too.
    """
    if i + 3 >= len(tokens) or tokens[i].kind != "word" or tokens[i + 1].word not in _PAIR_JOINERS:
        return None
    for length in (1, 2, 3):
        span = tokens[i + 2:i + 3 + length]
        if len(span) < 2 or not _measure_names(lex, tuple(t.stem for t in span)):
            continue
        names = _measure_names(lex, (tokens[i].stem, span[-1].stem))
        if names:
            return Item("concept", i, i + 1, f"{tokens[i].text} {span[-1].text}", concepts=names)
    return None


def _measure_names(lex: Lexicon, stems: tuple[str, ...]) -> tuple[Concept, ...]:
    return tuple(c for c in lex.names.get(stems, ()) if c.kind in ("column", "metric"))


def _names_table(word_stem: str, lex: Lexicon) -> bool:
    return any(c.kind == "table" for c in lex.names.get((word_stem,), ()))


def _names_a_column(tok: Token, lex: Lexicon) -> bool:
    return any(c.kind == "column" and c.strength >= 3 for c in lex.names.get((tok.stem,), ()))


def _joined(tokens: tuple[Token, ...], i: int, lex: Lexicon) -> Item | None:
    """'high schooler' for a table called Highschooler: two words written as one name."""
    if i + 1 >= len(tokens) or tokens[i].kind != "word" or tokens[i + 1].kind != "word":
        return None
    names = lex.names.get((stem(tokens[i].word + tokens[i + 1].word),), [])
    if not names:
        return None
    return Item("concept", i, i + 2, f"{tokens[i].text} {tokens[i + 1].text}", concepts=tuple(names))


_OPENERS = frozenset(word_list("openers"))
_PAIR_JOINERS = frozenset(word_list("shared_head_joiners"))
_OF_FILLERS = frozenset(word_list("of_fillers"))


def _swapped(tokens: tuple[Token, ...], i: int, lex: Lexicon) -> Item | None:
    """'value of all orders' read as 'order value' when only that order of words is a name."""
    if i + 2 >= len(tokens) or tokens[i + 1].word != "of" or tokens[i].kind != "word":
        return None
    k = i + 2
    while k < len(tokens) and tokens[k].word in _OF_FILLERS:
        k += 1
    if k >= len(tokens) or tokens[k].kind != "word":
        return None
    names = lex.names.get((tokens[k].stem, tokens[i].stem), [])
    if names:
        text = " ".join(t.text for t in tokens[i:k + 1])
        return Item("concept", i, k + 1, text, concepts=tuple(names))
    # "value of urgent orders": a filter or value between names the rows; "value of" alone is the name, the
    # filter and the noun are read on their own
    for n in (1, 2):
        noun = k + n
        if noun < len(tokens) and tokens[noun].kind == "word" and lex.names.get((tokens[noun].stem, tokens[i].stem)) \
                and (_restricts(tuple(t.stem for t in tokens[k:noun]), lex)
                     or _restricts(tuple(t.stem for t in tokens[k:noun + 1]), lex)):
            return Item("concept", i, i + 2, f"{tokens[i].text} {tokens[i + 1].text}",
                        concepts=tuple(lex.names[(tokens[noun].stem, tokens[i].stem)]))
    return None


def _restricts(stems: tuple[str, ...], lex: Lexicon) -> bool:
    """Whether words name a filter or a value (what narrows the rows of a noun right after them)."""
    found = lex.names.get(stems, []) + lex.values.get(stems, [])
    return bool(found) and all(c.kind in ("filter", "value") for c in found)
