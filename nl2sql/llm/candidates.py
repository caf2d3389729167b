"""Choose among several candidate queries by execution: the result most candidates agree on wins.

CHASE-SQL and XiYan sample several queries and pick by what they return; the simplest selector that holds
up is self-consistency: group the candidates that ran by result set, and answer with the largest group.
Result sets are compared as the eval compares them (``nl2sql.eval.score.result_eq``: bags of rows, column
order free, row order only when the query orders), so "agree" means "the scorer would call them equal".

A group's vote is its size, halved when its result says nothing (no rows, or only NULL or zero: what most
wrong filters return, so wrong queries agree on it far more often than on a value); so two candidates that
found rows outvote three that found nothing, and four that found nothing outvote one that found rows.
To that come second preferences (ranked voting; minimum Bayes risk over the samples): when the candidates
returned three or more different results, every candidate also gives ``SECOND_CHOICE`` of a vote to the other
result whose query is closest to its own. A sampled mistake is usually a small edit of the right query, so the
mistakes' second preferences point at the right result even when one habitual mistake is sampled more often than
it; with only two results a second preference says nothing (each can only name the other), so none is counted.
Ties are broken by a stated rule, in this order: a result that says something over one that does not; then the
most central query, the one whose SQL is closest on average to every query the model wrote for this question
(minimum Bayes risk again; refused and failed samples count as evidence here though they cannot vote); then the
earliest candidate (the first sample, the one a single-candidate run would have answered with).

A vote that is not decided (``decided``: adaptive consistency's stopping rule, how sure the counts make it that
the answer's result is the model's likelier one) draws more samples (``running.Runner.widen``, up to a cap),
since five samples often leave the right result tied or a vote short. With ``NL2SQL_LLM_SELECTION`` a vote
still without a clear lead (``settled``) goes to the model, which chooses between the two leading results
(``runner_up``, CHASE-SQL's selection agent); a reply that is not a clear choice keeps the vote. Asking on every
vote short of a majority instead let a judge right 80% of the time overturn pluralities that were right more
often than that (docs/llm.md). Candidates that did not run (cut at the length limit, refused by the guard, failed
in the warehouse) never vote; the pipeline records why each one lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb
from typing import Any

from nl2sql.llm import fit
from nl2sql.llm.closeness import centrality, second_preferences
from nl2sql.llm.extra_columns import Nested, column_votes
from nl2sql.llm.vote_reasons import Why

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Ballot:
    """One candidate that ran: its position among the samples, its SQL and its rows."""

    index: int
    sql: str
    rows: tuple[Row, ...]
    columns: tuple[str, ...] = ()               # the result's column names (for results nested in one another)


@dataclass(frozen=True)
class Verdict:
    """The chosen candidate and, for every other, why it lost."""

    winner: int                                 # index into the ballots given
    support: tuple[int, ...]                    # for each ballot, how many ballots (itself included) agree
    reasons: tuple[str | None, ...]             # for each ballot, why it lost (None for the winner)
    weight: tuple[float, ...] = ()              # for each ballot, its result's vote (empty halved, 2nd preferences,
    #                                             nested results, the question's words)
    basis: str = ""                             # what chose the answer when most ballots returned another result


def ordered(sql: str) -> bool:
    """Does row order matter for this query's result (the eval's test: the text says ORDER BY)?

    >>> ordered("SELECT a FROM t ORDER BY a DESC"), ordered("select count(*) from t")
    (True, False)
    """
    return "order by" in " ".join(sql.lower().split())


def agree(a: Ballot, b: Ballot) -> bool:
    """Would the eval call these two results equal? Order counts if either query orders its rows.

    >>> agree(Ballot(0, "SELECT x, y FROM t", ((1, "a"),)), Ballot(1, "SELECT y, x FROM t", (("a", 1),)))
    True
    >>> agree(Ballot(0, "SELECT x FROM t", ((1,), (2,))), Ballot(1, "SELECT x FROM t", ((1,),)))
    False
    """
    from nl2sql.eval.score import (
        result_eq,  # the scorer's own definition of "the same answer"
    )

    return result_eq(list(a.rows), list(b.rows), ordered=ordered(a.sql) or ordered(b.sql))


EMPTY_VOTE = 0.5       # an uninformative result's vote: different wrong filters all agree on "nothing"


def informative(rows: Sequence[Row]) -> bool:
    """Does this result say something: a row with a value that is neither NULL nor zero?

    An empty result, ``(NULL,)`` (MAX over no rows) and ``(0,)`` (COUNT over no rows) are what most wrong
    filters return, so two wrong queries agree on them far more often than on a real value.

    >>> informative([]), informative([(None,)]), informative([(0,)]), informative([(0, "a")]), informative([(3,)])
    (False, False, False, True, True)
    """
    return any(v is not None and not (isinstance(v, (int, float)) and v == 0) for row in rows for v in row)


FIT_WEIGHT = 1.5       # the question's words, as votes per ballot: a full difference of fit is worth 1.5 x N ballots


def choose(ballots: Sequence[Ballot], evidence: Sequence[str] = (), question: str = "") -> Verdict:
    """The ballot whose result has the most votes (agreeing ballots, empty results halved, second preferences;
    with the ``question``, the votes of results nested in it and its fit to the question's words); ties:
    non-empty, most central, earliest (module doc). ``evidence``: every query written for the question (default:
    the ballots' own).

    >>> v = choose([Ballot(0, "q0", ((1,),)), Ballot(1, "q1", ((2,),)), Ballot(2, "q2", ((2,),))])
    >>> v.winner, v.support, v.reasons[0]
    (1, (1, 2, 2), 'outvoted: 1 of 3 candidates agree with its result, 2 with the answer')
    >>> choose([Ballot(0, "q0", ()), Ballot(1, "q1", ((5,),))]).winner
    1
    """
    if not ballots:
        raise ValueError("no ballots")
    n = len(ballots)
    same = [[i == j or agree(ballots[i], ballots[j]) for j in range(n)] for i in range(n)]
    support = tuple(sum(row) for row in same)
    useful = [informative(b.rows) for b in ballots]
    second = second_preferences([b.sql for b in ballots], same)
    gained, fits, moved = _question_votes(ballots, same, support, question)
    weight = tuple(support[i] * (1.0 if useful[i] else EMPTY_VOTE) + second[i] + gained[i] + FIT_WEIGHT * n * fits[i]
                   for i in range(n))
    texts = list(evidence) or [b.sql for b in ballots]
    group_centre = [max(centrality(ballots[j].sql, texts) for j in range(n) if same[i][j]) for i in range(n)]
    winner = min(range(n), key=lambda i: (-round(weight[i], 9), not useful[i], -round(group_centre[i], 9),
                                          -round(centrality(ballots[i].sql, texts), 9), ballots[i].index))
    why = Why(tuple(b.index for b in ballots), same, support, useful, second, weight, group_centre, fits, moved)
    return Verdict(winner, support, tuple(why.lost(i, winner) for i in range(n)), weight, why.basis(winner))


def _question_votes(ballots: Sequence[Ballot], same: Sequence[Sequence[bool]], support: Sequence[int],
                    question: str) -> tuple[list[float], list[float], tuple[Nested, ...]]:
    """For each ballot, the votes its result gains from results nested in it (``extra_columns``) and its fit to
    the question (``fit.fits``, the best of its result's queries), with the nestings that moved votes; all 0
    without a question."""
    n = len(ballots)
    if not question:
        return [0.0] * n, [0.0] * n, ()
    first = [next(j for j in range(n) if same[i][j]) for i in range(n)]       # a result's first ballot names it
    heads = sorted(set(first))
    results = [(ballots[h].sql, ballots[h].columns, ballots[h].rows, ordered(ballots[h].sql)) for h in heads]
    gains, moved = column_votes(results, [support[h] for h in heads], question)
    moved = tuple(Nested(heads[m.wide], heads[m.narrow], m.columns, m.asked) for m in moved)
    by_query = fit.fits(question, [b.sql for b in ballots])
    fits = [max(by_query[j] for j in range(n) if first[j] == first[i]) for i in range(n)]
    return [gains[heads.index(first[i])] for i in range(n)], fits, moved


CLEAR_LEAD = 2         # votes the leading result needs over the next one before no more samples are drawn


def lead(ballots: Sequence[Ballot], verdict: Verdict) -> int:
    """How many more ballots agree with the answer than with the best-supported result that differs from it
    (first preferences only; negative when second preferences chose a result fewer ballots returned).

    >>> b = [Ballot(0, "q", ((1,),)), Ballot(1, "q", ((1,),)), Ballot(2, "q", ((2,),))]
    >>> lead(b, choose(b)), lead(b[:1], choose(b[:1])), lead(b[1:], choose(b[1:]))
    (1, 1, 0)
    """
    w = verdict.winner
    others = [verdict.support[i] for i in range(len(ballots)) if not agree(ballots[i], ballots[w])]
    return verdict.support[w] - max(others, default=0)


def settled(ballots: Sequence[Ballot], verdict: Verdict) -> bool:
    """Is the vote decided, so that more samples would not be worth their cost (adaptive consistency, Aggarwal et
    al. 2023: stop sampling once the leading answer is clear)? Decided when the answer leads the next result by
    ``CLEAR_LEAD`` ballots: 5-0, 4-1, 3-1 and 3-0 are; 3-2, 2-2, 2-1, 1-1 and a lone ballot are not, nor is an
    answer that second preferences chose over a result more ballots returned. Second preferences are left out
    of the lead: a result's own ballots give their second preferences to its nearest rival, so counted in, a
    run of samples all returning the answer would never settle the vote.

    >>> b = [Ballot(i, "q", ((1 if i < 3 else 2,),)) for i in range(5)]
    >>> settled(b, choose(b)), settled(b[:4], choose(b[:4])), settled(b[1:], choose(b[1:]))
    (False, True, False)
    """
    return lead(ballots, verdict) >= CLEAR_LEAD


DECIDED = 0.9          # how sure the vote must be of the answer's result before no more samples are drawn


def decided(ballots: Sequence[Ballot], verdict: Verdict) -> bool:
    """Would more samples be wasted (adaptive consistency, Aggarwal et al. 2023, its Beta stopping rule)? With
    ``a`` ballots for the answer and ``b`` for the best-supported other result, the chance that the model returns
    the answer's result more often than that one (a uniform prior over its share of the two) is
    P(Beta(a+1, b+1) > 1/2); decided when it reaches ``DECIDED``: 3-0, 4-0, 5-1, 6-2 and 8-3 are, 2-0, 3-1, 4-1
    and 5-2 are not, nor an answer second preferences chose over a result more ballots returned. A fixed lead
    settles 3-1 and 5-3 alike, though 5-3 says far less than 3-0; this rule asks more of a close split the more
    samples it has.

    >>> b = [Ballot(i, "q", ((1 if i < 5 else 2,),)) for i in range(7)]
    >>> decided(b[:4], choose(b[:4])), decided(b[:5] + b[6:], choose(b[:5] + b[6:])), decided(b[1:], choose(b[1:]))
    (True, True, False)
    """
    a = verdict.support[verdict.winner]
    b = a - lead(ballots, verdict)
    if b >= a:
        return False
    return sum(comb(a + b + 1, k) for k in range(a + 1)) / (1 << (a + b + 1)) >= DECIDED


def runner_up(ballots: Sequence[Ballot], verdict: Verdict) -> int | None:
    """The best ballot whose result differs from the winner's: most votes, then earliest; None if all agree."""
    others = [i for i in range(len(ballots)) if not agree(ballots[i], ballots[verdict.winner])]
    votes = verdict.weight or tuple(float(s) for s in verdict.support)
    return min(others, key=lambda i: (-round(votes[i], 9), ballots[i].index)) if others else None


def overruled(ballots: Sequence[Ballot], verdict: Verdict, chosen: int) -> Verdict:
    """``verdict`` with ``chosen`` (the runner-up, picked by the model in a selection pass) as the winner; the
    reasons say so for the vote's winner and those that agreed with it."""
    reasons: list[str | None] = []
    for i, reason in enumerate(verdict.reasons):
        if i == chosen:
            reasons.append(None)
        elif agree(ballots[i], ballots[chosen]):
            reasons.append(f"same result as the answer (candidate {ballots[chosen].index + 1})")
        elif i == verdict.winner or agree(ballots[i], ballots[verdict.winner]):
            reasons.append(f"{verdict.support[i]} of {len(ballots)} candidates agree with its result, "
                           f"{verdict.support[chosen]} with the answer, but asked to choose between the two "
                           "results the model chose the answer's")
        else:
            reasons.append(reason)
    return Verdict(chosen, verdict.support, tuple(reasons), verdict.weight)
