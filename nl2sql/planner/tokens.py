"""Questions split into tokens: words, numbers, dates and quoted literals, each with its matching forms.

The tokenizer is ``catalog_semantics.question`` (schema linking reads the same split); this module binds it to
the planner's word forms from vocabulary.yaml: irregular plurals ('people' meets 'person') and signs read as
words ("what % of revenue", "R&D": a sign standing alone is never skipped). A token keeps the text the user
typed (for messages and literals), its folded word (for values) and its stem (for names), so "Shipped",
"shipping" and "ship" meet while a value such as 'SHIP' is only met by the word itself or its plural.
"""

from __future__ import annotations

from functools import lru_cache

from catalog_semantics import question as _question
from catalog_semantics.question import QuestionWords
from catalog_semantics.question import Token as Token, TokenKind as TokenKind, parse_number as parse_number
from catalog_semantics.question import singular as singular, token_spans as token_spans
from catalog_semantics.text import stem
from nl2sql.planner.words import word_map

# Plurals no suffix rule undoes.
_IRREGULAR = word_map("irregular_plurals")
_SIGNS = word_map("sign_words")
_NUMBERS = (word_map("scale_words"), word_map("small_numbers"))     # "three million" is one number


def tokenize(question: str) -> tuple[Token, ...]:
    """Split a question into tokens with the planner's word forms.

    >>> [(t.word, t.stem) for t in tokenize("people & things")]
    [('people', 'person'), ('and', 'and'), ('things', 'thing')]
    """
    return _question.tokenize(question, _IRREGULAR, _SIGNS, _NUMBERS)


@lru_cache(maxsize=512)
def read_question(question: str) -> QuestionWords:
    """The question's tokens and words, read once with the planner's word forms (``catalog_semantics.question``):
    every step that asks for the same text gets the same value (a follow-up is asked about by several steps)."""
    return _question.read_question(question, _IRREGULAR, _SIGNS, _NUMBERS)


def question_words(question: str | QuestionWords) -> QuestionWords:
    """The planner's reading of a question: the words given, when they were read with the planner's word forms
    (the pipeline's, through ``LinkedSchema.question_words``), else the question read now."""
    if isinstance(question, QuestionWords):
        if question.irregular is _IRREGULAR and question.signs is _SIGNS and question.numbers is _NUMBERS:
            return question
        question = question.text
    return read_question(question)


def name_stem(word: str) -> str:
    """The stem names are matched on, irregular plurals included: 'people' and 'person' meet."""
    return stem(_IRREGULAR.get(word, word))
