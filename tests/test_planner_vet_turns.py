"""Questions and follow-ups over a small veterinary warehouse written here, whose overlay words a metric and a
named filter alike ("visits"), codes its statuses in comments ("BKD still booked") and reaches the clinic two ways
(the appointment's clinic, the pet's home clinic): each case is one rule, with an answered or declined twin.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from catalog_semantics.model import SemanticModel
from nl2sql.planner.turns import plan_turn
from tests.planner_cases import answered_history, assert_answered, assert_declined

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from planner_conversations import demo as open_model

VETS = """
CREATE TABLE clinic (clinic_id INTEGER PRIMARY KEY, clinic_nm VARCHAR);
CREATE TABLE vet (vet_id INTEGER PRIMARY KEY, vet_nm VARCHAR);
CREATE TABLE pet (pet_id INTEGER PRIMARY KEY, pet_nm VARCHAR, species VARCHAR,
                  home_clinic_id INTEGER REFERENCES clinic (clinic_id));
CREATE TABLE appt (appt_id INTEGER PRIMARY KEY, pet_id INTEGER REFERENCES pet (pet_id),
                   vet_id INTEGER REFERENCES vet (vet_id), clinic_id INTEGER REFERENCES clinic (clinic_id),
                   appt_dt DATE, appt_stat VARCHAR, len_min INTEGER, fee_amt DECIMAL(8, 2));
CREATE TABLE bill (bill_id INTEGER PRIMARY KEY, appt_id INTEGER REFERENCES appt (appt_id),
                   pet_id INTEGER REFERENCES pet (pet_id), bill_dt DATE, billed_amt DECIMAL(8, 2));
COMMENT ON COLUMN appt.appt_stat IS 'DONE completed, NS no-show, BKD still booked.';
INSERT INTO clinic VALUES (1, 'Northside'), (2, 'Southside');
INSERT INTO vet VALUES (1, 'Ada Moss'), (2, 'Ben Cole'), (3, 'Cy Park');
INSERT INTO pet VALUES (1, 'Rex', 'DOG', 1), (2, 'Tom', 'CAT', 2), (3, 'Kiwi', 'BIRD', 2);
INSERT INTO appt VALUES (1, 1, 1, 1, '2024-01-05', 'DONE', 30, 60), (2, 2, 1, 1, '2024-02-05', 'DONE', 20, 40),
                        (3, 3, 2, 2, '2024-03-05', 'NS', 15, 0), (4, 1, 2, 2, '2024-04-05', 'DONE', 45, 90),
                        (5, 2, 3, 1, '2024-05-05', 'BKD', 30, 0), (6, 3, 3, 2, '2024-06-05', 'BKD', 15, 0),
                        (7, 1, 1, 1, '2024-07-05', 'DONE', 30, 60);
INSERT INTO bill VALUES (1, 1, 1, '2024-01-06', 60), (2, 2, 2, '2024-02-06', 40), (3, 4, 1, '2024-04-06', 90),
                        (4, 7, 1, '2024-07-06', 60);
"""

OVERLAY = """
name: vets
tables:
  clinic:
    synonyms: [clinics]
    columns:
      clinic_nm: {synonyms: [clinic name]}
  vet:
    synonyms: [vets, veterinarian, veterinarians]
  pet:
    synonyms: [pets, animal, animals]
    columns:
      species: {values: [DOG, CAT, BIRD]}
      home_clinic_id: {synonyms: [home clinic]}
  appt:
    synonyms: [appointment, appointments]
    columns:
      appt_dt: {synonyms: [appointment date, date]}
      appt_stat: {synonyms: [appointment status, status], values: [DONE, NS, BKD]}
      len_min: {synonyms: [length, duration]}
  bill:
    synonyms: [bills, invoice, invoices]
    columns:
      billed_amt: {synonyms: [billed amount]}
metrics:
  - name: visits
    synonyms: [number of visits, visit count]
    table: appt
    sql: SUM(CASE WHEN appt_stat = 'DONE' THEN 1 ELSE 0 END)
  - name: no-show rate
    table: appt
    sql: AVG(CASE WHEN appt_stat = 'NS' THEN 1.0 ELSE 0.0 END)
  - name: billed amount
    synonyms: [total billed]
    table: bill
    sql: SUM(billed_amt)
filters:
  - name: completed
    synonyms: [completed appointments, visits, visit]
    table: appt
    sql: appt_stat = 'DONE'
"""

ANSWERED = [
    # "by" + a phrase naming a metric and a named filter after a top N: ranked by the metric (_ranked_by_metric)
    (["top 2 vets by visits"], ["SUM(CASE WHEN", "LIMIT 2"], ["WHERE"]),
    (["visits by vet"], ["'DONE'", "GROUP BY"], ["LIMIT"]),
    # a code's label said with a state adverb ("BKD still booked"): the value, "still" included
    (["how many appointments are still booked?"], ["'BKD'", "COUNT("], []),
    # a bare noun phrase of rows with no name, kept by stored values only: counted (counted_noun_phrase)
    (["appointments still booked at Northside"], ["COUNT(", "'BKD'", "'Northside'"], []),
    # ... kept by a comparison: listed, as before
    (["appointments with a duration above 20"], ["len_min > 20"], ["COUNT("]),
    # a named filter's noun before one number column of its table: that column of the rows it keeps
    (["average visit length by species"], ["AVG(appt.len_min)", "'DONE'"], []),
    # a metric put beside the measure whose one condition the kept filter already tests
    (["average visit length by species", "add the number of visits"], ["AVG(appt.len_min)", "SUM(CASE WHEN"], []),
    # of two equally short paths to a clinic, the one through plain keys (the appointment's clinic)
    (["billed amount by clinic"], ["appt.clinic_id = clinic.clinic_id"], ["home_clinic_id"]),
    (["billed amount by home clinic"], ["home_clinic_id"], []),
]
DECLINED = [
    # the kept filter (completed) pins the status the new metric tests for another value
    (["visits by vet", "no-show rate instead"], "no-show rate"),
]


@pytest.fixture(scope="module")
def vets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection, SemanticModel]]:
    root = tmp_path_factory.mktemp("vets")
    path, overlay = root / "vets.duckdb", root / "overlay.yaml"
    with duckdb.connect(str(path)) as con:
        con.execute(VETS)
    overlay.write_text(OVERLAY)
    con, model = open_model(path, overlay)
    yield con, model
    con.close()


@pytest.mark.parametrize(("turns", "has", "lacks"), ANSWERED)
def test_answered(turns: list[str], has: list[str], lacks: list[str],
                  vets: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    con, model = vets
    assert_answered(con, plan_turn(turns[-1], model, answered_history(model, turns[:-1])), turns, has, lacks)


@pytest.mark.parametrize(("turns", "words"), DECLINED)
def test_declined(turns: list[str], words: str, vets: tuple[duckdb.DuckDBPyConnection, SemanticModel]) -> None:
    model = vets[1]
    assert_declined(plan_turn(turns[-1], model, answered_history(model, turns[:-1])), turns, words)
