"""Eval flags that used to be ignored or to succeed on nothing: dataset descriptions, --overlay, file datasets
naming databases, and a run that skipped every question."""

from __future__ import annotations

import json
import runpy
import shutil
from pathlib import Path

import pytest

from nl2sql.adapters.sqlalchemy_warehouse import SqlAlchemyWarehouse
from nl2sql.cli import main
from nl2sql.eval.databases import model_for
from nl2sql.eval.dataset import load_dataset

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "eval"


@pytest.fixture()
def spider_tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "spider_tiny"
    shutil.copytree(FIXTURES / "spider_tiny", folder)
    runpy.run_path(str(FIXTURES / "build_dbs.py"))["build"](folder)
    return folder


def _kaggle_style(folder: Path) -> None:
    """Add KaggleDBQA-style descriptions to the shop database's tables.json entry."""
    tables = json.loads((folder / "tables.json").read_text())
    shop = next(t for t in tables if t["db_id"] == "shop")
    columns = shop["column_names_original"]
    shop["column_descriptions"] = ["" if name != "city" else "City the customer lives in" for _, name in columns]
    shop["value_enums"] = [{"P": "Paris", "L": "Lyon"} if name == "age" else {} for _, name in columns]
    shop["db_overview"] = "A small shop: its customers and their orders."
    (folder / "tables.json").write_text(json.dumps(tables))


def test_spider_tables_json_descriptions_reach_the_model(spider_tiny: Path) -> None:
    _kaggle_style(spider_tiny)
    source = load_dataset(f"spider:{spider_tiny}").databases["shop"]
    model = model_for(source, SqlAlchemyWarehouse.sqlite_file(source.paths[0]))
    customers = model.table("customers")
    assert customers is not None
    assert customers.column("city").comment == "City the customer lives in"
    assert customers.column("age").comment == "Values: P = Paris, L = Lyon"
    assert model.description == "A small shop: its customers and their orders."


def test_bird_description_files_beside_a_spider_database(spider_tiny: Path) -> None:
    described = spider_tiny / "database" / "shop" / "database_description"
    described.mkdir()
    (described / "customers.csv").write_text(
        "original_column_name,column_name,column_description,value_description\n"
        "age,customer age,age in whole years,\n")
    source = load_dataset(f"spider:{spider_tiny}").databases["shop"]
    model = model_for(source, SqlAlchemyWarehouse.sqlite_file(source.paths[0]))
    assert model.table("customers").column("age").comment == "customer age: age in whole years"  # type: ignore[union-attr]


def test_missing_overlay_is_a_usage_error(spider_tiny: Path, tmp_path: Path) -> None:
    assert main(["eval", "--dataset", f"spider:{spider_tiny}", "--generator", "gold", "--overlay",
                 str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o"), "--quiet"]) == 2


def test_overlay_is_applied_to_spider_databases(spider_tiny: Path, tmp_path: Path) -> None:
    overlays = tmp_path / "overlays"
    overlays.mkdir()
    (overlays / "shop.yaml").write_text("tables:\n  customers:\n    description: People who bought from us.\n")
    source = load_dataset(f"spider:{spider_tiny}").databases["shop"]
    model = model_for(source, SqlAlchemyWarehouse.sqlite_file(source.paths[0]), overlays)
    assert model.table("customers").comment == "People who bought from us."  # type: ignore[union-attr]
    other = load_dataset(f"spider:{spider_tiny}").databases["school"]
    assert model_for(other, SqlAlchemyWarehouse.sqlite_file(other.paths[0]), overlays).table("students")
    assert main(["eval", "--dataset", f"spider:{spider_tiny}", "--generator", "offline", "--overlay",
                 str(overlays), "--out", str(tmp_path / "o"), "--quiet"]) == 0


def _file_with_db_ids(tmp_path: Path, *db_ids: str) -> Path:
    rows = [{"question": "How many customers are there?", "sql": "SELECT count(*) FROM customers", "db_id": d}
            for d in db_ids]
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_file_dataset_rows_with_db_id_run_on_the_databases_folder(spider_tiny: Path, tmp_path: Path) -> None:
    path = _file_with_db_ids(tmp_path, "shop", "shop")
    out = tmp_path / "run"
    assert main(["eval", "--dataset", f"file:{path}", "--generator", "gold", "--db", str(spider_tiny / "database"),
                 "--out", str(out), "--quiet"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["counts"]["runnable"] == 2 and report["execution_accuracy"] == 1.0


def test_file_dataset_with_one_db_id_runs_on_the_given_database(spider_tiny: Path, tmp_path: Path) -> None:
    path = _file_with_db_ids(tmp_path, "shop")
    out = tmp_path / "run"
    assert main(["eval", "--dataset", f"file:{path}", "--generator", "gold", "--db",
                 str(spider_tiny / "database" / "shop" / "shop.sqlite"), "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "report.json").read_text())["counts"]["runnable"] == 1


def test_file_dataset_naming_an_unknown_database_is_a_usage_error(spider_tiny: Path, tmp_path: Path) -> None:
    path = _file_with_db_ids(tmp_path, "shop", "ghost")
    assert main(["eval", "--dataset", f"file:{path}", "--generator", "gold", "--db", str(spider_tiny / "database"),
                 "--out", str(tmp_path / "o"), "--quiet"]) == 2


def test_a_run_that_skipped_everything_does_not_exit_0(spider_tiny: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "no_databases"
    empty.mkdir()
    code = main(["eval", "--dataset", f"spider:{spider_tiny}", "--generator", "gold", "--db", str(empty),
                 "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 1 and "skipped" in capsys.readouterr().err


@pytest.mark.parametrize(("flag", "status"), [(None, "wrong_result"), ("--drop-distinct", "correct"),
                                              ("--keep-distinct", "wrong_result")])
def test_a_file_dataset_keeps_distinct_unless_told(spider_tiny: Path, tmp_path: Path, flag: str | None,
                                                   status: str) -> None:
    """Our own sets run their SQL as written: counting every city row is not counting the different cities
    (Spider's evaluator, and ``--drop-distinct``, would drop the DISTINCT and call them the same)."""
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps({"question": "How many different cities?", "db_id": "shop",
                                "sql": "SELECT count(DISTINCT city) FROM customers"}) + "\n")
    predictions = tmp_path / "pred.sql"
    predictions.write_text("SELECT count(city) FROM customers\n")
    out = tmp_path / "run"
    assert main(["eval", "--dataset", f"file:{path}", "--generator", "predictions", "--predictions",
                 str(predictions), "--db", str(spider_tiny / "database" / "shop" / "shop.sqlite"), "--out", str(out),
                 "--quiet", *([flag] if flag else [])]) == 0
    assert json.loads((out / "report.json").read_text())["questions"][0]["status"] == status
