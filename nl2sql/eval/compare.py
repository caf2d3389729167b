"""``nl2sql eval compare A B``: what regressed and what got fixed between two runs of the same dataset."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Mapping

from nl2sql.errors import ConfigError


@dataclass(frozen=True)
class Change:
    id: str
    db_id: str
    question: str
    before: str
    after: str


@dataclass(frozen=True)
class Comparison:
    accuracy_before: float
    accuracy_after: float
    regressed: tuple[Change, ...]        # correct in A, not in B
    fixed: tuple[Change, ...]            # not correct in A, correct in B
    other_changes: tuple[Change, ...]    # still wrong, but for another reason
    only_in_one: tuple[str, ...]         # ids present in one report only


def load_report(path: str | Path) -> dict[str, Any]:
    file = Path(path)
    if file.is_dir():
        file = file / "report.json"
    if not file.is_file():
        raise ConfigError(f"No evaluation report at {file}.", hint="Pass a run's --out folder or its report.json.")
    report: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    return report


def compare_reports(a: Mapping[str, Any], b: Mapping[str, Any]) -> Comparison:
    before = {q["id"]: q for q in a["questions"]}
    after = {q["id"]: q for q in b["questions"]}
    regressed, fixed, other = [], [], []
    for qid, qb in after.items():
        qa = before.get(qid)
        if qa is None or qa["status"] == qb["status"]:
            continue
        change = Change(qid, qb["db_id"], qb["question"], qa["status"], qb["status"])
        if qa["status"] == "correct":
            regressed.append(change)
        elif qb["status"] == "correct":
            fixed.append(change)
        else:
            other.append(change)
    only = tuple(sorted(set(before) ^ set(after)))
    return Comparison(a["execution_accuracy"], b["execution_accuracy"], tuple(regressed), tuple(fixed),
                      tuple(other), only)


def render_comparison(c: Comparison, name_a: str = "A", name_b: str = "B") -> str:
    delta = c.accuracy_after - c.accuracy_before
    lines = [f"execution accuracy: {c.accuracy_before:.1%} ({name_a}) -> {c.accuracy_after:.1%} ({name_b}), "
             f"{delta:+.1%}", f"regressed: {len(c.regressed)}   fixed: {len(c.fixed)}   "
             f"other status changes: {len(c.other_changes)}"]
    for title, changes in (("Regressed", c.regressed), ("Fixed", c.fixed), ("Other changes", c.other_changes)):
        if changes:
            lines += ["", f"{title}:"]
            lines += [f"  {ch.id} [{ch.db_id}] {ch.before} -> {ch.after}: {ch.question}" for ch in changes]
    if c.only_in_one:
        lines += ["", f"In one report only ({len(c.only_in_one)}): {', '.join(c.only_in_one[:20])}"]
    return "\n".join(lines)
