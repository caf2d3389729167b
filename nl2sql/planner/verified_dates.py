"""How the model's verified queries date the rows a stored value names: "returned items per year" checked by a
person as ``year(l_receiptdate) ... WHERE l_returnflag = 'R'`` says returns are dated by the receipt date, so
"how many items were returned in 1994" takes that date too (when the question names no date itself).

Only what a verified query shows is learnt: one equality on a column and one date column of the same table
that the query groups or filters by. A value dated two ways by two queries is left to the usual rules.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from catalog_semantics.model import SemanticModel

DatedValues = dict[tuple[str, str], str]        # (column, value), lower-case -> date column


def verified_dates(model: SemanticModel) -> DatedValues:
    """The date column each (column, value) of the verified queries is dated by, lower-case.

    >>> from catalog_semantics.model import Column, SemanticModel, Table, VerifiedQuery
    >>> t = Table("lineitem", (Column("l_returnflag", "VARCHAR"), Column("l_receiptdate", "DATE")))
    >>> q = VerifiedQuery("returns per year", "SELECT year(l_receiptdate) AS y, COUNT(*) FROM lineitem "
    ...                   "WHERE l_returnflag = 'R' GROUP BY y")
    >>> verified_dates(SemanticModel(tables=(t,), verified_queries=(q,)))
    {('l_returnflag', 'r'): 'l_receiptdate'}
    """
    dates = {c.name.lower() for t in model.tables for c in t.columns if "DATE" in c.type.upper() or "TIME" in c.type.upper()}
    found: dict[tuple[str, str], set[str]] = {}
    for vq in model.verified_queries:
        try:
            tree = sqlglot.parse_one(vq.sql, read=model.dialect)
        except sqlglot.errors.SqlglotError:
            continue
        used = {c.name.lower() for c in tree.find_all(exp.Column)} & dates
        for eq in tree.find_all(exp.EQ):
            if isinstance(eq.this, exp.Column) and isinstance(eq.expression, exp.Literal) and eq.expression.is_string:
                key = (eq.this.name.lower(), eq.expression.this.lower())
                found.setdefault(key, set()).update(used)
    return {key: next(iter(cols)) for key, cols in found.items() if len(cols) == 1}
