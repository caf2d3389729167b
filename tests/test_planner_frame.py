"""The frame of a question and the rules that settle it (nl2sql/planner/frame_rules.py): question -> frame pairs.

Each fixture walks a question over a small hand-made model, runs the rules before the one named, and checks
what that rule makes of the frame (its ``summary``), that it changed something, or that it declined.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from catalog_semantics.model import Column, Metric, NamedFilter, Relationship, SemanticModel, Table
from nl2sql.planner import plan
from nl2sql.planner.frame import Frame, summary
from nl2sql.planner.frame_rules import FRAME_RULES, FrameRule, settle
from nl2sql.planner.intent import Reader
from nl2sql.planner.joins import join_graph
from nl2sql.planner.lexicon import lexicon_for
from nl2sql.planner.matching import match_items
from nl2sql.planner.reading import NotUnderstood
from nl2sql.planner.resolve import resolve
from nl2sql.planner.tokens import tokenize


def _model() -> SemanticModel:
    meter = Table("meter", (Column("meter_id", "INTEGER", is_primary_key=True), Column("meter_name", "TEXT"),
                            Column("zone", "TEXT", sample_values=("NORTH", "SOUTH"))), primary_key=("meter_id",))
    reading = Table("reading", (Column("reading_id", "INTEGER", is_primary_key=True), Column("meter_id", "INTEGER"),
                                Column("read_date", "DATE"), Column("kwh_used", "DECIMAL(9,2)")),
                    primary_key=("reading_id",))
    dog = Table("dog", (Column("dog_id", "INTEGER", is_primary_key=True), Column("name", "TEXT"),
                        Column("date_arrived", "DATE"), Column("date_departed", "DATE"),
                        Column("weight", "DECIMAL(5,1)")), primary_key=("dog_id",))
    shipment = Table("shipment", (Column("shipment_id", "INTEGER", is_primary_key=True),
                                  Column("created_date", "DATE"), Column("meter_id", "INTEGER")),
                     primary_key=("shipment_id",))
    parcel = Table("parcel", (Column("parcel_id", "INTEGER", is_primary_key=True), Column("sent_date", "DATE"),
                              Column("delivery_date", "DATE"), Column("promised_date", "DATE")),
                   primary_key=("parcel_id",))
    return SemanticModel((meter, reading, dog, shipment, parcel),
                         (Relationship("reading", ("meter_id",), "meter", ("meter_id",)),
                          Relationship("shipment", ("meter_id",), "meter", ("meter_id",))),
                         metrics=(Metric("consumption", "SUM(kwh_used)", "reading"),
                                  Metric("meters installed", "COUNT(*)", "meter", synonyms=("installed meters",)),
                                  Metric("shipments made", "COUNT(*)", "shipment")),
                         instructions=("Shipments made are dated by shipment.created_date.",),
                         filters=(NamedFilter("smart", "meter_name LIKE 'S%'", "meter"),
                                  NamedFilter("served", "zone IN ('NORTH', 'SOUTH')", "meter"),
                                  NamedFilter("lost shipment", "created_date IS NULL", "shipment",
                                              synonyms=("lost shipments",)),
                                  NamedFilter("departed dog", "date_departed IS NOT NULL", "dog",
                                              synonyms=("departed dogs",)),
                                  NamedFilter("late parcel", "delivery_date > promised_date", "parcel",
                                              synonyms=("late parcels", "delivered late"))))


MODEL = _model()
RULES = {rule.__name__: rule for rule in FRAME_RULES}

# (rule, question, the frame after that rule): the rule changes the frame the walk and the earlier rules made
CHANGES = [
    ("metric_told_date", "shipments made in 2024", "measures=shipments made periods=2024"),   # the told date, hinted
    ("filter_verb_date", "how many parcels were delivered late in 2024",     # the verb's date dates the period
     "measures=count(parcel) conditions=late parcel periods=2024"),
    ("trend_over_years", "did consumption go up from 2023 to 2024",       # one row a year, not one figure
     "measures=consumption periods=from 2023 to 2024 trend"),
    ("trend_over_years", "the consumption trend",
     "measures=consumption unit_dims=year trend notes=a change over time read as one row a year"),
    ("compared_values_apart", "compare consumption of the NORTH and SOUTH zones",       # each value a row
     "measures=consumption conditions=meter.zone in NORTH per_value"),
    ("period_grains", "consumption in 2023 and 2024", "measures=consumption unit_dims=year periods=2023 and 2024"),
    ("period_grains", "consumption in June 2024 vs June 2023",     # that month of both years, one row each
     "measures=consumption unit_dims=month periods=June 2024 vs June 2023"),
    ("when_said_last", "which departed dogs and when",     # the date the filter requires, shown
     "conditions=departed dog entities=dog projections=dog.name,dog.date_departed"),
    ("dates_shown", "the date arrived and date departed of the dogs",
     "entities=dog projections=dog.date_arrived,dog.date_departed"),
    ("share_sides", "percentage of meters in the NORTH zone", "share_of=meter.zone in NORTH share percent"),
    ("share_sides", "percentage of served meters that are in the NORTH zone",   # NORTH lies inside served
     "conditions=served share_of=meter.zone in NORTH entities=meter share percent"),
    ("share_of_total", "what share of consumption does each zone contribute",
     "measures=share(consumption,total) dims=meter.zone"),
    ("groups_ranked_by_total", "Which month had the highest kwh used?", "unit_dims=month extremes=max consumption"),
    ("extremes_per_group", "the maximum kwh used for each zone", "measures=max(reading.kwh_used) dims=meter.zone"),
    ("events_per_group", "date departed per month",         # the event its date names, counted per month
     "measures=count(dog) unit_dims=month conditions=dog.date_departed is_set date_departed "
     "date_cols=dog.date_departed"),
    ("rows_per_group", "meters per zone", "measures=count(meter) dims=meter.zone"),
    ("events_of_a_verb", "shipments created per year",       # the verb's date set: created, not never
     "measures=count(shipment) unit_dims=year conditions=shipment.created_date is_set created_date"),
    ("extreme_of_entity", "what is the minimum weight of a dog", "measures=min(dog.weight)"),
    ("extreme_value", "the heaviest weight", "measures=max(dog.weight)"),
    ("counted_noun_phrase", "shipments created in March 2025", "measures=count(shipment) periods=March 2025"),
    ("counted_noun_phrase", "lost shipments in 2024",           # a named filter said with the rows' noun
     "measures=count(shipment) conditions=lost shipment periods=2024"),
    ("one_count_of_rows", "how many smart meters were installed",    # the rows counted once, by the metric
     "measures=meters installed conditions=smart"),
]

# (rule, question): the rule leaves the frame as it is
KEEPS = [
    ("metric_told_date", "consumption in 2024"),             # no instruction dates this metric
    ("filter_verb_date", "how many late parcels were sent in 2024"),   # the filter is said with no date's verb
    ("trend_over_years", "consumption from 2023 to 2024"),   # no change asked: one figure over the range
    ("compared_values_apart", "consumption of the NORTH and SOUTH zones"),   # one total over both, as said
    ("period_grains", "consumption in 2024"),
    ("dates_shown", "dogs arrived in 2024"),                 # a date with a period filters
    ("when_said_last", "which departed dogs"),               # no "and when"
    ("share_sides", "share of meters that are smart"),      # the part was said after the share word
    ("share_of_total", "percentage of meters in the NORTH zone"),
    ("extremes_per_group", "the heaviest weight"),          # no grouping: one value
    ("events_per_group", "dogs departed per month"),        # the rows are named: rows_per_group counts them
    ("events_per_group", "date departed of the dogs"),       # no grouping: the dates are shown
    ("rows_per_group", "consumption per zone"),             # a measure is named
    ("events_of_a_verb", "shipments created in 2024 per month"),  # a period bounds the dates already
    ("extreme_of_entity", "the heaviest weight"),
    ("extreme_value", "what is the minimum weight of a dog"),  # settled by extreme_of_entity already
    ("counted_noun_phrase", "list the meters in the NORTH zone"),
    ("counted_noun_phrase", "list lost shipments in 2024"),
    ("counted_noun_phrase", "When was the last reading"),   # a question about when: its own assembly
    ("one_count_of_rows", "how many meters and how much consumption"),    # no metric counts those rows
]

# (rule, question, the reason it declines)
DECLINES = [
    ("trend_over_years", "did consumption go up in 2024", "A change over time needs a series"),
    ("trend_over_years", "by what percent did consumption change from 2023 to 2024", "not the change"),
    ("share_sides", "ratio of NORTH meters to SOUTH meters", "A ratio of two different things"),
    ("share_sides", "percentage of smart meters in the NORTH zone", "which condition is the part"),
    ("groups_ranked_by_total", "Which month had the highest weight?", "which total to rank the groups by"),
    ("when_said_last", "which smart meters and when", "could not tell which one"),    # no date of theirs
]


def _walk(question: str) -> Frame:
    lex, graph = lexicon_for(MODEL), join_graph(MODEL)
    items, ambiguous = resolve(match_items(tokenize(question), lex), lex, graph)
    assert not ambiguous, ambiguous
    return Reader(items, lex, graph).read()


def _before(rule: FrameRule, question: str) -> Frame:
    """The frame a rule is given: the walk's, settled by the rules before it."""
    return settle(_walk(question), lexicon_for(MODEL), FRAME_RULES[:FRAME_RULES.index(rule)])


@pytest.mark.parametrize(("name", "question", "expected"), CHANGES, ids=[c[0] for c in CHANGES])
def test_rule_settles_the_frame(name: str, question: str, expected: str) -> None:
    rule = RULES[name]
    before = _before(rule, question)
    after = rule(before, lexicon_for(MODEL))
    assert summary(after) == expected
    assert after != before


@pytest.mark.parametrize(("name", "question"), KEEPS, ids=[f"{n}:{q}" for n, q in KEEPS])
def test_rule_leaves_other_frames_alone(name: str, question: str) -> None:
    rule = RULES[name]
    before = _before(rule, question)
    assert rule(before, lexicon_for(MODEL)) == before


@pytest.mark.parametrize(("name", "question", "reason"), DECLINES, ids=[f"{n}:{q}" for n, q, _ in DECLINES])
def test_rule_declines_a_guess(name: str, question: str, reason: str) -> None:
    rule = RULES[name]
    before = _before(rule, question)
    with pytest.raises(NotUnderstood, match=reason):
        rule(before, lexicon_for(MODEL))


def test_every_rule_has_fixtures() -> None:
    assert {n for n, _, _ in CHANGES} == set(RULES)
    assert {n for n, _ in KEEPS} | {"groups_ranked_by_total"} == set(RULES)


def test_a_frame_is_frozen_and_the_walk_hands_one_on() -> None:
    frame = _walk("meters per zone")
    field = "measures"
    with pytest.raises(FrozenInstanceError):
        setattr(frame, field, ())
    assert isinstance(frame.dims, tuple) and isinstance(frame.at_least_one, frozenset)


def test_the_settled_frame_is_what_the_sql_says() -> None:
    """The planner runs the rules: a bare count per group and a grain of a period reach the SQL."""
    sql = plan("meters per zone", MODEL).sql or ""
    assert "COUNT(*)" in sql and "GROUP BY meter.zone" in sql
    sql = plan("consumption in 2023 and 2024", MODEL).sql or ""
    assert "YEAR(reading.read_date)" in sql and "GROUP BY" in sql
    sql = plan("consumption in June 2024 vs June 2023", MODEL).sql or ""
    assert "MONTH(reading.read_date) = 6" in sql and "CAST('2023-06-01' AS DATE)" in sql \
        and "CAST('2024-07-01' AS DATE)" in sql and "DATE_TRUNC('MONTH', reading.read_date)" in sql, sql
    assert plan("consumption in June 2022 vs June 2024", MODEL).sql is None      # the years between would count


@pytest.mark.parametrize(("question", "start", "end"), [
    ("consumption between 1 May and 15 June 2024", "2024-05-01", "2024-06-16"),   # the year said once, at the end
    ("consumption on 3 March 2024", "2024-03-03", "2024-03-04"),
    ("consumption since June 1 2024", "2024-06-01", None),
])
def test_days_written_with_their_month(question: str, start: str, end: str | None) -> None:
    sql = plan(question, MODEL).sql or ""
    assert f"reading.read_date >= CAST('{start}' AS DATE)" in sql, sql
    assert (end is None) == ("<" not in sql) and (end is None or f"< CAST('{end}' AS DATE)" in sql), sql
