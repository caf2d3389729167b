"""Units the overlay's instructions ask answers to be in: "dur_sec is in seconds; answer durations in minutes
(dur_sec / 60.0) and distances in kilometres (dist_m / 1000.0)".

A data team states a unit once, in an instruction, with the expression that converts the stored column; a total,
average, smallest or largest of that column is then given in that unit (metrics carry their own SQL and are left
as written). A column is read named qualified (``table.column``) or alone where one table has a column so named.
Pure: the model in, a map out.
"""

from __future__ import annotations

import re

from catalog_semantics.model import SemanticModel

# "(dist_m / 1000.0)", "(trip.dur_sec / 60)": a column divided or multiplied by a number, in parentheses
_CONVERTED = re.compile(r"\(\s*(?:([A-Za-z_]\w*)\.)?([A-Za-z_]\w*)\s*([/*])\s*(\d+(?:\.\d+)?)\s*\)")


def told_units(model: SemanticModel) -> dict[tuple[str, str], tuple[str, str]]:
    """(table lower case, column) -> (operator, number) an instruction converts the column's values with.

    >>> from catalog_semantics.model import Column, SemanticModel, Table
    >>> trip = Table("trip", (Column("dist_m", "INTEGER"),))
    >>> told_units(SemanticModel((trip,), instructions=("Answer distances in km (dist_m / 1000.0).",)))
    {('trip', 'dist_m'): ('/', '1000.0')}
    """
    owners: dict[str, list[tuple[str, str]]] = {}
    for t in model.tables:
        for c in t.columns:
            owners.setdefault(c.name.lower(), []).append((t.name.lower(), c.name))
    told: dict[tuple[str, str], tuple[str, str]] = {}
    for text in model.instructions:
        for m in _CONVERTED.finditer(text):
            table, column, op, number = m.groups()
            found = [o for o in owners.get(column.lower(), []) if table is None or o[0] == table.lower()]
            if len(found) == 1 and float(number) != 0:
                told.setdefault(found[0], (op, number))
    return told
