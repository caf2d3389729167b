"""Follow-up linking recall: on conversations whose later turn names no table, does the linked context keep
every table the follow-up's SQL needs? Linked on the follow-up alone (before) and on the conversation (after).

    NL2SQL_SPIDER_DIR=/path/to/spider python benchmarks/followup_linking.py      # prints JSON
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalog_semantics.linking import link
from catalog_semantics.overlay import apply_overlay
from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from nl2sql.llm.followup import link_conversation, tables_of_sql


def main() -> None:
    spec = yaml.safe_load((Path(__file__).with_suffix(".yaml")).read_text())
    spider = Path(os.environ.get("NL2SQL_SPIDER_DIR", "../shared/benchmarks/spider"))
    db = spec["database"]
    warehouse = SqlAlchemyWarehouse.sqlite_file(spider / "database" / db / f"{db}.sqlite")
    model = apply_overlay(warehouse.read_catalog(), None)
    rows = []
    for c in spec["conversations"]:
        needed = {t.lower() for t in tables_of_sql(c["sql"], model)}
        history = [tuple(t) for t in c["turns"]]
        alone = {t.name.lower() for t in link(model, c["follow_up"]).tables}
        conversation = link_conversation(model, c["follow_up"], history)
        kept = {t.name.lower() for t in conversation.tables}
        rows.append({"follow_up": c["follow_up"], "needed": sorted(needed), "alone_kept_all": needed <= alone,
                     "conversation_kept_all": needed <= kept, "linked": len(kept), "alone_linked": len(alone)})
    n = len(rows)
    print(json.dumps({
        "database": db, "tables": len(model.tables), "conversations": n,
        "recall_follow_up_alone": sum(r["alone_kept_all"] for r in rows) / n,
        "recall_conversation": sum(r["conversation_kept_all"] for r in rows) / n,
        "mean_tables_linked_alone": sum(r["alone_linked"] for r in rows) / n,
        "mean_tables_linked_conversation": sum(r["linked"] for r in rows) / n,
        "missed": [r for r in rows if not r["conversation_kept_all"]],
    }, indent=2))


if __name__ == "__main__":
    main()
