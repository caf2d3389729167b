"""Several candidates chosen by execution, measured: Spider dev through ``nl2sql eval --generator llm`` against
an imperfect model, with NL2SQL_LLM_CANDIDATES=1 and =5. Also checks that no reply cut at length is an answer.
``--stub a`` (tests/imperfect_llm.py): gold part of the time, uniformly drawn wrong variants otherwise, sometimes
cut at the length limit. ``--stub b`` (tests/imperfect_llm_b.py): per-question difficulty, realistic mistakes, prose
and questions back, and temperature-aware sampling (one mode at temperature 0). ``--stub c`` (tests/imperfect_llm_c.py):
written blind from the issue's one-line spec by a helper who never saw the LLM path; hardness-dependent gold, single
sqlglot edits, replies cut wherever the token budget ends (sometimes right after a complete wrong query), prose.
``--stub d`` (tests/imperfect_llm_d.py): also blind; its own process (so ``--server`` does not apply), hardness-set
gold odds, per-question mistake habits, cuts mid-query, before a clause or after the query, questions back.
``--stub e`` (tests/imperfect_llm_e.py): also blind; per-question profile (hardness-set gold odds, a habitual wrong
query that can out-vote gold, slips checked against the database to really be wrong, a made-up column fixed on
repair, questions back, refusals), greedy at temperature 0 and hotter samples more varied, repeated requests at
temperature > 0 differing, cuts that spill into the query, ramble, think past the budget or loop.
``--stub f`` (tests/imperfect_llm_f.py): also blind, its own process; besides small edits, structurally different
wrong queries (a neighbouring question's reading, a dropped condition, set operations flattened), a misconception
weighted close to gold, failing queries, questions back, and cuts of four kinds.
``--stub g`` (tests/imperfect_llm_g.py): also blind, its own process; hardness-set gold odds spread per question,
schema-aware slips (column, condition, join, aggregate, DISTINCT, order, LIMIT, value spelling), habits, failing
queries, questions back, refusals; greedy (one reply per prompt) at temperature 0; replies that ramble or loop
past the budget, cut texts that may still run; a reasoning mode under ``max_completion_tokens``.

``--server`` says how the server draws its replies (tests/server_behaviours.py), so selection is also measured
against servers unlike the two stubs: ``indexed`` (each choice of a request drawn by its index, the stubs' own
way), ``ignore-n`` (the same, one choice whatever ``n`` asks), ``per-request`` (a draw per request body and choice:
identical requests get identical replies), ``per-request-one`` (that, one choice a request), ``per-prompt`` (a
draw per messages alone: every choice of a request the same, seed and temperature ignored).

    NL2SQL_SPIDER_DIR=/path/to/spider python benchmarks/candidates_spider.py [--stub a|b|c|d|e|f|g] [--seed 7] [--limit N]
        [--server indexed|ignore-n|per-request|per-request-one|per-prompt]
    ... candidates_spider.py --candidates 1,5 --p-gold 1 --p-cut 0      # the perfect oracle: must be 100%
    ... candidates_spider.py --candidates 5 --judge 0.8     # NL2SQL_LLM_SELECTION on, a judge right 80% of the time

``--judge P`` turns the selection pass on and answers its requests with ``tests/selection_judge.Judge``: right with
probability P when exactly one of the two queries returns the gold result, a coin toss otherwise (the stubs cannot
answer it themselves). The extra samples drawn while the vote is undecided (``NL2SQL_LLM_MAX_CANDIDATES``) are
on at their default; ``--max-candidates N`` sets that cap (N = the candidates turns them off).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlglot
import sqlglot.errors

from tests.imperfect_llm import ImperfectModel
from tests.imperfect_llm_b import ImperfectModelB, load
from tests.imperfect_llm_c import ImperfectModelC, load_spider
from tests.imperfect_llm_d import StubProcess
from tests.imperfect_llm_f import StubProcess as StubProcessF
from tests.imperfect_llm_g import StubProcess as StubProcessG
from tests.imperfect_llm_e import ImperfectModelE
from tests.selection_judge import Judge
from tests.server_behaviours import SERVERS, server_for

ROOT = Path(__file__).resolve().parent.parent
PARSE_LIMIT_S = 5.0


def _normal(sql: str) -> str:
    """One spelling per query, for telling whether an answer is a text the model only ever sent cut: sqlglot's
    rendering (keyword case, spacing, identifier case folded) with string literals kept as written, since a
    near-miss literal ('france' for 'France') is a different query; plain whitespace folding if it will not parse,
    nests too deep, or takes more than ``PARSE_LIMIT_S`` (sqlglot's parse time grows exponentially with a chain of
    JOINs without ON, as a reply that loops writes: 20 of them take minutes)."""

    def stop(*_: object) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, PARSE_LIMIT_S)
    try:
        return sqlglot.parse_one(sql.replace("`", ""), read="sqlite").sql(dialect="sqlite", normalize=True)
    except (sqlglot.errors.SqlglotError, RecursionError, TimeoutError):
        return " ".join(sql.replace("`", "").split()).rstrip(";")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _own_process(stub: str, gold: Path, log: Path, seed: int) -> StubProcess | StubProcessF | StubProcessG:
    """Stubs d, f and g, each in its own process."""
    if stub == "f":
        return StubProcessF(str(gold), log=str(log), seed=seed)
    if stub == "g":
        return StubProcessG(gold, log=log, seed=seed)
    return StubProcess(gold, log=log, seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--candidates", default="1,5")
    parser.add_argument("--p-gold", type=float, default=0.45, help="1 with --p-cut 0: the perfect oracle")
    parser.add_argument("--p-cut", type=float, default=0.15)
    parser.add_argument("--stub", choices=("a", "b", "c", "d", "e", "f", "g"), default="a", help="which imperfect model (see above)")
    parser.add_argument("--server", choices=SERVERS, default="indexed", help="how the server draws (see above)")
    parser.add_argument("--judge", type=float, help="selection pass on, judged right with this probability")
    parser.add_argument("--max-candidates", type=int, help="NL2SQL_LLM_MAX_CANDIDATES (default: its own, 3 x N)")
    parser.add_argument("--log", type=Path, help="keep the stub's log of replies here (default: a temporary file)")
    args = parser.parse_args()
    spider = Path(os.environ.get("NL2SQL_SPIDER_DIR", ROOT.parent / "shared" / "benchmarks" / "spider"))
    gold = {r["question"]: r["query"] for r in json.loads((spider / "dev.json").read_text())}
    out: dict[str, Any] = {"stub": args.stub, "server": args.server, "seed": args.seed, "judge": args.judge}
    if args.stub == "a":
        out |= {"p_gold": args.p_gold, "p_cut": args.p_cut}
    with tempfile.TemporaryDirectory() as tmp:
        cuts = args.log or Path(tmp) / "cuts.jsonl"
        cuts.unlink(missing_ok=True)
        if args.stub == "a":
            model: ImperfectModel | ImperfectModelB | ImperfectModelC | ImperfectModelE | None = ImperfectModel(
                gold, seed=args.seed, p_gold=args.p_gold, p_cut=args.p_cut, cut_log=cuts)
        elif args.stub == "b":
            model = ImperfectModelB(*load(spider), seed=args.seed, cut_log=cuts)
        elif args.stub == "c":
            model = ImperfectModelC(*load_spider(spider), seed=args.seed, log=cuts)
        elif args.stub == "e":          # the cache-like server kinds need a reply that is a function of the body
            model = ImperfectModelE.from_spider(spider, seed=args.seed, log=cuts,
                                                repeats_vary=args.server in ("indexed", "ignore-n"))
        else:
            model = None        # stubs d, f and g run as their own process; the judge wraps the in-process stubs
        judge = Judge(model, spider, p_right=args.judge, seed=args.seed) \
            if args.judge is not None and model is not None else None
        with (_own_process(args.stub, spider / "dev.json", cuts, args.seed) if model is None
              else server_for(args.server, judge or model)) as stub:
            for n in (int(x) for x in args.candidates.split(",")):
                run = Path(tmp) / f"n{n}"
                env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_BASE_URL": stub.url, "OPENAI_API_KEY": "stub",
                       "NL2SQL_LLM_MODEL": "imperfect", "NL2SQL_LLM_CANDIDATES": str(n),
                       "NL2SQL_DATA_DIR": str(Path(tmp) / "data"), "NL2SQL_LLM_SELECTION": str(judge is not None)}
                if args.max_candidates:
                    env["NL2SQL_LLM_MAX_CANDIDATES"] = str(max(n, args.max_candidates))
                command = [sys.executable, "-c", "from nl2sql.cli import main; raise SystemExit(main())", "eval",
                           "--dataset", f"spider:{spider}", "--generator", "llm", "--out", str(run), "--quiet"]
                if args.limit:
                    command += ["--limit", str(args.limit)]
                started, sent = time.monotonic(), len(stub.requests)
                subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                report = json.loads((run / "report.json").read_text())
                cut_texts: dict[str, set[str]] = {}
                whole_texts: dict[str, set[str]] = {}
                for line in cuts.read_text().splitlines() if cuts.exists() else ():
                    record = json.loads(line)
                    kind = cut_texts if record["finish_reason"] == "length" else whole_texts
                    if record.get("sql"):                   # prose replies carry no SQL
                        kind.setdefault(record["question"], set()).add(_normal(record["sql"]))
                # A text the model only ever sent cut (never whole) must never be an answer.
                answered_cut = [q["id"] for q in report["questions"] if q.get("pred_sql") and q["status"] != "skipped"
                                and _normal(q["pred_sql"]) in cut_texts.get(q["question"], set())
                                - whole_texts.get(q["question"], set())]
                runnable = report["counts"]["runnable"] or 1
                out[f"candidates_{n}"] = {"execution_accuracy": report["execution_accuracy"],
                                          "runnable": report["counts"]["runnable"],
                                          "requests_per_question": round((len(stub.requests) - sent) / runnable, 2),
                                          "prompt_tokens_per_question": round(report["tokens"]["prompt"] / runnable),
                                          "completion_tokens_per_question":
                                              round(report["tokens"]["completion"] / runnable),
                                          "tokens": report["tokens"], "cut_replies_answered": answered_cut,
                                          "seconds": round(time.monotonic() - started, 1)}
                if judge is not None:
                    out[f"candidates_{n}"]["judge"] = dict(judge.tally)
                    judge.tally.update(asked=0, decisive=0, right=0)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
