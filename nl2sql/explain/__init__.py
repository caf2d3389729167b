"""Explain SQL in plain words from its syntax tree, and list what it reads.

``describe`` writes the sentences about a query's clauses, ``words`` words the expressions inside them,
``fingerprint`` recognises the model's metrics and filters, ``usage`` lists the tables, columns, metrics and
filters a query reads (shown beside the explanation).
"""

from nl2sql.explain.describe import explain_sql, pretty_sql
from nl2sql.explain.usage import SqlUsage, sql_usage

__all__ = ["SqlUsage", "explain_sql", "pretty_sql", "sql_usage"]
