"""Typo correction of a question's words: a word no index knows, corrected to the one model or function word
a typo away ("germny" -> "germany"), before the words are matched (``matching.match_items``)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from catalog_semantics.text import STOPWORDS, edit_distance, stem, words
from nl2sql.planner.lexicon import Lexicon
from nl2sql.planner.tokens import Token
from nl2sql.planner.vocabulary import cue_index
from nl2sql.planner.words import vocabulary, word_list, word_map


def correct(tok: Token, lex: Lexicon, nxt: Token | None = None) -> Token:
    """A word no index knows, corrected to the one model or function word a typo away (if exactly one
    is, or exactly one makes a model name with the next word: 'markt segment' -> 'market segment'):
    'germny' -> 'germany', 'totl' -> 'total', 'yaer' -> 'year'. An adjective of a one-word value
    ('european', 'asian') is read as the value, as is a nationality the vocabulary knows ('japanese'); a business
    shorthand ('rev', 'mkt', 'yr') is spelled out unless the model uses it as a word of its own."""
    if tok.kind == "word" and (full := word_map("question_shorthand").get(tok.word) or _nationality(tok.word, lex)) \
            and tok.word not in lex.words and tok.stem not in lex.words:
        return replace(tok, word=full, stem=stem(full), fuzzy=True)
    if tok.kind != "word" or len(tok.word) < 4 or tok.word in STOPWORDS or tok.word in _meaningful():
        return tok                       # "spent" is a word of its own, not a typo of the filler "sent"
    cue_words = _cue_words()
    if tok.stem in lex.words or tok.singular in lex.words or tok.word in lex.words or tok.stem in cue_words \
            or tok.word in cue_words or tok.word in lex.prose:
        return tok                       # "filed" (the descriptions use it) is no typo of "failed"
    if len(forms := sorted(_forms(tok.word) & lex.words)) == 1:     # "fail" of a value "FAILED": that value
        return replace(tok, word=forms[0], stem=stem(forms[0]), fuzzy=True)     # (never the cue "fall")
    if len(tok.word) >= 5 and tok.word.endswith("an"):
        bases = [b for b in (tok.word[:-1], tok.word[:-2]) if (b,) in lex.values]
        if len(bases) == 1:
            return replace(tok, word=bases[0], stem=stem(bases[0]), fuzzy=True)
    known = lex.vocab.get(tok.word[0], set()) | _cue_vocab().get(tok.word[0], set())
    if tok.word in known:
        return tok                       # a word spelled right ("bought", a date verb) is no typo
    if len(tok.word) == 4:
        close = [w for w in known if 4 <= len(w) <= 5 and edit_distance(tok.word, w, 1) <= 1]
    else:
        # one edit (two from ten letters): "conducted" must not become "conductor"
        limit = 1 if len(tok.word) < 10 else 2
        close = [w for w in known if w[0] == tok.word[0] and _near(tok, w, limit)]
    if len(close) > 1 and len(inflected := [w for w in close if w in _inflections(tok.word)]) == 1:
        close = inflected            # 'charge' beside a model's "tax charged" and the word "change"
    if len(close) > 1 and all(w.startswith(min(close, key=len)) for w in close):
        # one word and its stem ("manufacturer", "manufactur"): the nearer of them, the whole word at a tie
        close = [min(close, key=lambda w: (edit_distance(tok.word, w, 3), -len(w)))]
    if len(close) > 1 and nxt is not None and nxt.kind == "word":
        close = [w for w in close if (stem(w), nxt.stem) in lex.names]
    if len(close) != 1:
        return tok
    word = close[0]
    if _filler(word) and word not in lex.vocab.get(word[0], set()) and sorted(word) != sorted(tok.word):
        return tok                       # "hire" is no "here", "play" no "place": a word read as a dropped filler
    if tok.word.startswith(tok.stem) and not _near_word(tok, word, 2):      # matched on the stem: keep the ending
        word += tok.word[len(tok.stem):]
    return replace(tok, word=word, stem=stem(word), fuzzy=True)


def _nationality(word: str, lex: Lexicon) -> str | None:
    """'japanese' -> 'japan' where the model holds that value (vocabulary ``nationalities``: those no ending rule
    undoes)."""
    country = word_map("nationalities").get(word)
    return country if country is not None and (country,) in lex.values else None


def _filler(word: str) -> bool:
    """A function word the reader drops (its only cue is ``stop``): a correction to it would silently lose the
    word, so only a swap of its letters ("wiht": with) is corrected to it."""
    cues = cue_index().get((stem(word),)) or cue_index().get((word,)) or ()
    return bool(cues) and all(c.kind == "stop" for c in cues)


@cache
def _meaningful() -> frozenset[str]:
    return frozenset(word_list("meaningful"))


def _forms(word: str) -> set[str]:
    """Other forms of a word as they are written ("failed", "fails" of "fail")."""
    return {word + ending for ending in ("d", "ed", "s", "es", "ing")}


def _inflections(word: str) -> set[str]:
    """Stems of other forms of a word ("charg" of charged, for "charge")."""
    return {stem(form) for form in _forms(word)}


def _near(tok: Token, known: str, limit: int) -> bool:
    """A known word (or stem: the index keeps "receiv", so "recieved" is a swap away from its stem) within
    ``limit`` edits of the word, its singular, or, from five letters, its stem."""
    # on the stem, only two letters swapped ("reciev"): another letter there makes another word ("populat" is
    # not "popular"), and a stem equal to a known one is no typo
    return _near_word(tok, known, limit) or len(tok.stem) >= 5 and tok.stem != known \
        and sorted(tok.stem) == sorted(known) and edit_distance(tok.stem, known, 1) == 1


def _near_word(tok: Token, known: str, limit: int) -> bool:
    return abs(len(known) - len(tok.word)) <= limit and min(
        edit_distance(tok.word, known, limit), edit_distance(tok.singular, known, limit)) <= limit


def _cue_vocab() -> dict[str, set[str]]:
    global _CUE_VOCAB
    if _CUE_VOCAB is None:
        _CUE_VOCAB = {}
        # function words, and the verbs that name a date ("arived": arrived)
        verbs = (tuple(words(str(p))) for ps in dict(vocabulary().get("date_verbs") or {}).values() for p in ps)
        for key in (*cue_index(), *verbs):
            for w in key:
                if len(w) >= 4 and w.isalpha():
                    _CUE_VOCAB.setdefault(w[0], set()).add(w)
    return _CUE_VOCAB


_CUE_VOCAB: dict[str, set[str]] | None = None


def _cue_words() -> frozenset[str]:
    global _CUE_WORDS
    if _CUE_WORDS is None:
        _CUE_WORDS = frozenset(w for key in cue_index() for w in key)
    return _CUE_WORDS


_CUE_WORDS: frozenset[str] | None = None
