"""``nl2sql eval --dataset spider:PATH|bird:PATH|file:PATH --generator ... --out DIR`` and
``nl2sql eval compare A B``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nl2sql.cli.exit_codes import EXIT_CONFIG, EXIT_ERROR, EXIT_OK, EXIT_USAGE
from nl2sql.errors import UserFacingError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from nl2sql.eval.api import GENERATORS

    ev = subparsers.add_parser(
        "eval", help="score a generator on a benchmark",
        description="Score a generator on Spider, BIRD or a benchmark file by execution accuracy "
                    "(Spider's official definition), with a relaxed score beside it.",
    )
    ev.add_argument("--dataset", help="spider:PATH, spider-catalog:PATH (every question against all Spider schemas), bird:PATH or file:PATH (YAML or JSONL golden questions)")
    ev.add_argument("--generator", choices=GENERATORS, default="offline", help="what writes the SQL (default: offline)")
    ev.add_argument("--predictions", type=Path, help="predictions file: one SQL per line, in dataset order")
    ev.add_argument("--db", help="file datasets: DuckDB file, SQLite file or SQLAlchemy URL; "
                                 "spider/bird: the folder holding <db_id>/ databases")
    ev.add_argument("--overlay", help="overlay YAML: for file datasets the warehouse's; for spider/bird applied to "
                                      "every database (or a folder of <db_id>.yaml files)")
    ev.add_argument("--out", type=Path, help="output folder (report.json, report.md, results.jsonl)")
    ev.add_argument("--workers", type=int, default=2, help="parallel workers (default 2)")
    ev.add_argument("--timeout", type=float, default=60.0, help="per-query time limit in seconds (default 60)")
    ev.add_argument("--limit", type=int, help="only the first N questions")
    ev.add_argument("--keep-distinct", dest="keep_distinct", action="store_const", const=True, default=None,
                    help="keep DISTINCT (the default for bird: and file:; Spider's evaluator drops it)")
    ev.add_argument("--drop-distinct", dest="keep_distinct", action="store_const", const=False,
                    help="drop DISTINCT from both queries, as Spider's evaluator does (the default for spider:)")
    ev.add_argument("--no-resume", action="store_true", help="score every question again, ignoring earlier results")
    ev.add_argument("--examples", help="llm generator: a train split (spider:PATH, bird:PATH or file:PATH) whose "
                                       "pairs are few-shot examples, chosen by similarity; never the question asked")
    ev.add_argument("--llm-cache", type=Path, help="LLM reply cache file (default OUT/llm_cache.sqlite)")
    ev.add_argument("--mlflow", action="store_true", help="also log the run to MLflow (the [mlflow] extra)")
    ev.add_argument("--quiet", action="store_true", help="no progress line")
    ev.set_defaults(handler=run_eval)
    verbs = ev.add_subparsers(dest="eval_verb", metavar="compare")
    cmp_ = verbs.add_parser("compare", help="what regressed and what got fixed between two runs",
                            description="List questions that regressed or got fixed from run A to run B.")
    cmp_.add_argument("a", type=Path, help="run A: an --out folder or its report.json")
    cmp_.add_argument("b", type=Path, help="run B")
    cmp_.set_defaults(handler=run_compare)


def run_eval(args: argparse.Namespace) -> int:
    from nl2sql.eval.api import EvalRequest, evaluate
    from nl2sql.eval.report import headline
    from nl2sql.settings import Settings

    if not args.dataset or not args.out:
        print("nl2sql eval: --dataset and --out are required (or use: nl2sql eval compare A B)", file=sys.stderr)
        return EXIT_USAGE
    request = EvalRequest(
        dataset=args.dataset, generator=args.generator, out_dir=args.out, predictions=args.predictions,
        db=args.db, overlay=args.overlay, workers=args.workers, timeout_s=args.timeout, limit=args.limit,
        keep_distinct=args.keep_distinct, resume=not args.no_resume, llm_cache=args.llm_cache,
        examples=args.examples,
    )
    try:
        settings = Settings.from_env()
        report = evaluate(request, settings=settings, progress_stream=None if args.quiet else sys.stderr)
        if args.mlflow:
            from nl2sql.eval.mlflow_log import log_to_mlflow

            run_id = log_to_mlflow(report, args.out)
            print(f"MLflow run {run_id}")
    except UserFacingError as e:
        print(f"nl2sql eval: {e}", file=sys.stderr)
        if e.code == "usage":
            return EXIT_USAGE
        return EXIT_CONFIG if e.code in ("config", "overlay") else EXIT_ERROR
    print(headline(report))
    print(f"reports: {args.out / 'report.json'}  {args.out / 'report.md'}")
    counts = report.get("counts", {})
    if counts.get("runnable", 0) == 0 and report["questions"]:
        # Nothing was scored (every database missing): a run that measured nothing is not a success.
        print(f"nl2sql eval: all {len(report['questions'])} questions were skipped; nothing was scored "
              "(check --dataset and --db)", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def run_compare(args: argparse.Namespace) -> int:
    from nl2sql.eval.compare import compare_reports, load_report, render_comparison

    try:
        a, b = load_report(args.a), load_report(args.b)
    except UserFacingError as e:
        print(f"nl2sql eval compare: {e}", file=sys.stderr)
        return EXIT_CONFIG
    print(render_comparison(compare_reports(a, b), str(args.a), str(args.b)))
    return EXIT_OK
