"""Verified-question matching: same meaning up to wording noise, never a different number."""

from __future__ import annotations

import pytest

from catalog_semantics.model import VerifiedQuery
from nl2sql.verified import match_verified

QUERIES = (
    VerifiedQuery("What is the total revenue by region?", "SELECT 1", alternates=("revenue per region",)),
    VerifiedQuery("Top 10 customers by revenue", "SELECT 2"),
    VerifiedQuery("Monthly revenue in 1996", "SELECT 3"),
)


@pytest.mark.parametrize(
    ("question", "sql"),
    [
        ("What is the total revenue by region?", "SELECT 1"),
        ("what is the total revenue by region", "SELECT 1"),
        ("Show me revenue by region", "SELECT 1"),
        ("revenue per regions", "SELECT 1"),
        ("Revenu by region?", "SELECT 1"),            # one-letter typo in a long word
        ("top 10 customers by revenue", "SELECT 2"),
        ("Top 10 customer by revenue", "SELECT 2"),
        ("monthly revenue in 1996", "SELECT 3"),
    ],
)
def test_same_question_matches(question: str, sql: str) -> None:
    match = match_verified(question, QUERIES)
    assert match is not None and match.query.sql == sql


@pytest.mark.parametrize(
    "question",
    [
        "Top 5 customers by revenue",                 # a different number
        "monthly revenue in 1997",
        "revenue by nation",                          # a different word
        "revenue by region in 1996",                  # an extra filter
        "region",
        "",
    ],
)
def test_different_question_does_not_match(question: str) -> None:
    assert match_verified(question, QUERIES) is None
