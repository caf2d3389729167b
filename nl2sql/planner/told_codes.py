"""Code legends the overlay's instructions give for a column: "Project status prj.stat_cd is ACT in progress, CMP
completed, HLD on hold, CXL cancelled".

A data team often explains a status code once, in an instruction, rather than in the column's description; the
legend then means the same as one written in the description (``code_lists.code_list``). A clause is read for
a column only when it names it qualified (``table.column``), or alone where one table has a column so named
(``ind_cd``), and at least two of its items are codes the column holds. Pure: the model in, a map out.
"""

from __future__ import annotations

import re

from catalog_semantics.model import SemanticModel
from nl2sql.planner.code_lists import code_list

_QUALIFIED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\b")
_SENTENCES = re.compile(r"\.(?=\s|$)")          # a sentence's period, not the dot of table.column
_NAMED = re.compile(r"\b([A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+)\b(?!\.)")    # "ind_cd", never "t.ind_cd"'s part
_LINK = re.compile(r"^[\s:=-]*(?:(?:is|are|has|holds|uses)\s+)?", re.IGNORECASE)   # "prj.stat_cd is ACT ..."


def told_codes(model: SemanticModel) -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    """(table lower case, column) -> the (code, label) pairs an instruction gives for the column's stored values."""
    columns = {(t.name.lower(), c.name.lower()): (t.name.lower(), c) for t in model.tables for c in t.columns}
    # a column named alone ("Industry ind_cd is ... MFG manufacturing"), when one table has a column so named
    named = [c for (_, c) in columns]
    alone = {c: found for (_, c), found in columns.items() if "_" in c and named.count(c) == 1}
    told: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
    for text in model.instructions:
        for sentence in _SENTENCES.split(text):
            for m in (*_QUALIFIED.finditer(sentence), *_NAMED.finditer(sentence)):
                found = columns.get((m.group(1).lower(), m.group(2).lower())) if m.re is _QUALIFIED \
                    else alone.get(m.group(1).lower()) if sentence[m.start() - 1:m.start()] != "." else None
                if found is None or not found[1].sample_values:
                    continue
                # what follows the column's name is the legend ("prj.stat_cd is ACT in progress, ...")
                pairs = code_list(_LINK.sub("", sentence[m.end():]), found[1].sample_values)
                if pairs:
                    told.setdefault((found[0], found[1].name), pairs)
    return told
