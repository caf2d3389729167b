"""Reports: ``report.json`` (every figure and every question) and a readable ``report.md``.

Accuracies are over the runnable questions (skipped ones are counted and listed apart). Strict execution
accuracy is the headline; the relaxed score always sits beside it, never in its place.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable, Mapping

from nl2sql.eval.judge import STATUSES, QuestionResult
from nl2sql.eval.runner import RunResult

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
MAX_FAILURES_SHOWN = 100


def build_report(run: RunResult) -> dict[str, Any]:
    results = run.results
    runnable = [r for r in results if r.runnable]
    linked = [r for r in runnable if r.linking_kept_gold_tables is not None]
    generate = [r.timings_ms.get("generate", 0.0) for r in runnable]
    return {
        "dataset": run.dataset.name,
        "kind": run.dataset.kind,
        "params": dict(run.params),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "wall_s": round(run.wall_s, 3),
        "resumed_questions": run.resumed,
        "execution_accuracy": _share(runnable, lambda r: r.status == "correct"),
        "relaxed_accuracy": _share(runnable, lambda r: bool(r.relaxed)),
        "counts": {
            "questions": len(results),
            "runnable": len(runnable),
            **{status: sum(r.status == status for r in results) for status in STATUSES},
        },
        "by_difficulty": _group(runnable, lambda r: [r.difficulty or "unknown"]),
        "by_database": _group(runnable, lambda r: [r.db_id]),
        "by_tag": _group(runnable, lambda r: list(r.tags)),
        "skipped": [{"id": r.id, "db_id": r.db_id, "reason": r.reason} for r in results if not r.runnable],
        "expected_abstentions": {
            "questions": sum(r.declined_as_expected is not None for r in results),
            "declined": sum(bool(r.declined_as_expected) for r in results),
        },
        "linking": {
            "questions": len(linked),
            "kept_every_gold_table": sum(bool(r.linking_kept_gold_tables) for r in linked),
            "rate": _share(linked, lambda r: bool(r.linking_kept_gold_tables)),
        },
        "tokens": {
            "prompt": sum(r.prompt_tokens for r in results),
            "completion": sum(r.completion_tokens for r in results),
            "cached": sum(r.cached_tokens for r in results),        # of "prompt": from the provider's cache
            "reasoning": sum(r.reasoning_tokens for r in results),  # of "completion": spent thinking
        },
        "timings_ms": {
            "generate_median": round(statistics.median(generate), 3) if generate else 0.0,
            "generate_p95": round(_p95(generate), 3),
        },
        "questions": [r.to_dict() for r in results],
    }


def write_reports(run: RunResult, out_dir: Path) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    report = build_report(run)
    (out_dir / REPORT_JSON).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / REPORT_MD).write_text(render_markdown(report), encoding="utf-8")
    return report


def headline(report: Mapping[str, Any]) -> str:
    c = report["counts"]
    return (f"{report['dataset']} · {report['params'].get('generator', '?')}: execution accuracy "
            f"{report['execution_accuracy']:.1%} (relaxed {report['relaxed_accuracy']:.1%}) on "
            f"{c['runnable']} runnable questions; {c['skipped']} skipped; {report['wall_s']:.1f}s")


def render_markdown(report: Mapping[str, Any]) -> str:
    c = report["counts"]
    lines = [
        f"# Evaluation: {report['dataset']} · generator `{report['params'].get('generator', '?')}`", "",
        headline(report), "",
        "| status | questions |", "|---|---:|",
        *(f"| {s} | {c[s]} |" for s in STATUSES), "",
    ]
    for title, key in (("By difficulty", "by_difficulty"), ("By database", "by_database"), ("By tag", "by_tag")):
        groups = report[key]
        if not groups:
            continue
        lines += [f"## {title}", "", "| group | questions | correct | execution | relaxed |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {name} | {g['questions']} | {g['correct']} | {g['execution_accuracy']:.1%} | "
                  f"{g['relaxed_accuracy']:.1%} |" for name, g in groups.items()]
        lines.append("")
    link = report["linking"]
    if link["questions"]:
        lines += [f"Schema linking kept every gold table for {link['kept_every_gold_table']} of "
                  f"{link['questions']} questions ({link['rate']:.1%}).", ""]
    abst = report["expected_abstentions"]
    if abst["questions"]:
        lines += [f"Questions that expect an abstention (not in the accuracy): declined {abst['declined']} of "
                  f"{abst['questions']}.", ""]
    if report["skipped"]:
        reasons = Counter(s["reason"] for s in report["skipped"])
        lines += ["## Skipped", ""] + [f"- {n} × {reason}" for reason, n in reasons.most_common()] + [""]
    failures = [q for q in report["questions"] if q["status"] not in ("correct", "skipped")]
    if failures:
        lines += [f"## Failures ({len(failures)}" + (f", first {MAX_FAILURES_SHOWN} shown" if len(failures) >
                                                   MAX_FAILURES_SHOWN else "") + ")", ""]
        for q in failures[:MAX_FAILURES_SHOWN]:
            lines += _failure(q)
    return "\n".join(lines).rstrip() + "\n"


def _failure(q: Mapping[str, Any]) -> list[str]:
    out = [f"### {q['id']} · {q['db_id']} · {q['status']}", "", f"> {q['question']}", ""]
    if q.get("reason"):
        out += [f"Reason: {q['reason']}", ""]
    out += ["Gold:", "```sql", q["gold_sql"], "```", f"Gold first rows: `{_rows(q['gold_head'])}`", ""]
    out += ["Predicted:", "```sql", q["pred_sql"] or "(none)", "```"]
    if q.get("pred_row_count") is not None:
        out += [f"Predicted first rows: `{_rows(q['pred_head'])}`"]
    return out + [""]


def _rows(rows: list[list[Any]]) -> str:
    text = "; ".join(", ".join(str(v) for v in row) for row in rows[:3])
    return (text[:200] + "…") if len(text) > 200 else (text or "(no rows)")


def _share(items: list[QuestionResult], hit: Callable[[QuestionResult], bool]) -> float:
    return round(sum(1 for r in items if hit(r)) / len(items), 6) if items else 0.0


def _group(results: Iterable[QuestionResult], keys: Callable[[QuestionResult], list[str]]) -> dict[str, Any]:
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        for key in keys(r):
            groups.setdefault(key, []).append(r)
    return {
        name: {
            "questions": len(items),
            "correct": sum(r.status == "correct" for r in items),
            "execution_accuracy": _share(items, lambda r: r.status == "correct"),
            "relaxed_accuracy": _share(items, lambda r: bool(r.relaxed)),
        }
        for name, items in sorted(groups.items(), key=lambda kv: _order(kv[0]))
    }


def _order(name: str) -> tuple[int, str]:
    levels = ("easy", "simple", "medium", "moderate", "hard", "challenging", "extra", "unknown")
    return (levels.index(name), name) if name in levels else (len(levels), name)


def _p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
