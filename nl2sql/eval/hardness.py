"""Spider's difficulty levels (easy, medium, hard, extra) from the parsed ``sql`` tree in ``dev.json``.

The same counting rules as the official evaluator's ``eval_hardness``, so totals by difficulty line up
with published tables. The rules are kept literally, oddities included: the WHERE "aggregate" count looks
at each condition's NOT flag and the HAVING one at every item of the list (``and``/``or`` included),
and "more than one WHERE condition" means a list longer than one item.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Mapping

_LIKE_OP = 9  # index of 'like' in the evaluator's WHERE_OPS
Tree = Mapping[str, Any]


def _conditions(sql: Tree) -> list[Any]:
    return list(sql["from"]["conds"][::2]) + list(sql["where"][::2]) + list(sql["having"][::2])


def _conjunctions(sql: Tree) -> list[Any]:
    return list(sql["from"]["conds"][1::2]) + list(sql["where"][1::2]) + list(sql["having"][1::2])


def _nested(sql: Tree) -> list[Any]:
    nested = [v for cond in _conditions(sql) for v in (cond[3], cond[4]) if isinstance(v, dict)]
    return nested + [sql[k] for k in ("intersect", "except", "union") if sql.get(k) is not None]


def _count_agg(units: list[Any]) -> int:
    return sum(1 for unit in units if unit[0] != 0)


def _component1(sql: Tree) -> int:
    count = sum(1 for key in ("where", "groupBy", "orderBy") if len(sql[key]) > 0)
    count += sql["limit"] is not None
    if sql["from"]["table_units"]:
        count += len(sql["from"]["table_units"]) - 1
    count += sum(1 for token in _conjunctions(sql) if token == "or")
    count += sum(1 for cond in _conditions(sql) if cond[1] == _LIKE_OP)
    return count


def _others(sql: Tree) -> int:
    agg = _count_agg(sql["select"][1]) + _count_agg(sql["where"][::2]) + _count_agg(sql["groupBy"])
    if sql["orderBy"]:
        units = sql["orderBy"][1]
        agg += _count_agg([u[1] for u in units if u[1]] + [u[2] for u in units if u[2]])
    agg += _count_agg(sql["having"])
    return (agg > 1) + (len(sql["select"][1]) > 1) + (len(sql["where"]) > 1) + (len(sql["groupBy"]) > 1)


def spider_hardness(sql: Tree) -> str:
    """easy / medium / hard / extra, as Spider's evaluator grades a gold query.

    >>> tree = {"from": {"table_units": [["table_unit", 1]], "conds": []}, "select": [False, [[3, [0, [0, 0, False], None]]]],
    ...         "where": [], "groupBy": [], "having": [], "orderBy": [], "limit": None,
    ...         "intersect": None, "union": None, "except": None}
    >>> spider_hardness(tree)
    'easy'
    """
    c1, c2, others = _component1(sql), len(_nested(sql)), _others(sql)
    if c1 <= 1 and others == 0 and c2 == 0:
        return "easy"
    if (others <= 2 and c1 <= 1 and c2 == 0) or (c1 <= 2 and others < 2 and c2 == 0):
        return "medium"
    if ((others > 2 and c1 <= 2 and c2 == 0) or (2 < c1 <= 3 and others <= 2 and c2 == 0)
            or (c1 <= 1 and others == 0 and c2 <= 1)):
        return "hard"
    return "extra"
