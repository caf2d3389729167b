"""Evaluation datasets as frozen values: Spider, BIRD, and our own benchmark files (YAML or JSONL).

``load_dataset("spider:PATH" | "bird:PATH" | "file:PATH")`` reads one. Examples keep the dataset's
order; a question whose database is missing is kept and reported apart (``Dataset.runnable``).

Size (~310 lines): one concept, three formats read into one frozen ``Dataset``. The loaders share the values
and the SQLite-folder and comment helpers, and ``load_dataset`` dispatches to them, so a loader module of its
own would need a further module for the values only to avoid importing back from this one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from nl2sql.errors import ConfigError
from nl2sql.eval.hardness import spider_hardness

DatasetKind = Literal["spider", "bird", "file"]
DEFAULT_DB = "default"  # the db_id of a benchmark file's questions: the configured warehouse


@dataclass(frozen=True)
class Example:
    id: str
    db_id: str
    question: str
    gold_sql: str
    difficulty: str | None = None
    tags: tuple[str, ...] = ()
    notes: str | None = None
    evidence: str | None = None                 # BIRD's external knowledge, given to the generator
    expect: str = "answer"                      # "abstain": no gold SQL; a careful engine should decline


@dataclass(frozen=True)
class DatabaseSource:
    """Where one database of a dataset lives. Spider-style: every ``*.sqlite`` file in its folder is
    scored (test-suite databases); ``paths[0]`` is the one generators see."""

    db_id: str
    paths: tuple[Path, ...] = ()
    url: str | None = None
    column_comments: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (table, column) lower-case
    description: str | None = None              # what the database is about (KaggleDBQA's db_overview)

    @property
    def available(self) -> bool:
        return bool(self.paths) or self.url is not None or self.db_id == DEFAULT_DB


@dataclass(frozen=True)
class Dataset:
    name: str
    kind: DatasetKind
    examples: tuple[Example, ...]
    databases: Mapping[str, DatabaseSource]

    def runnable(self, example: Example) -> bool:
        source = self.databases.get(example.db_id)
        return source is not None and source.available


def load_dataset(spec: str, *, limit: int | None = None, database_dir: Path | None = None) -> Dataset:
    """Read ``kind:PATH`` (kind is spider, bird or file; a bare path is a benchmark file).

    ``database_dir`` replaces Spider's ``database/`` or BIRD's ``dev_databases/`` folder (e.g. test-suite
    databases)."""
    kind, _, raw = (spec.partition(":") if spec.split(":", 1)[0] in ("spider", "bird", "file", "spider-catalog")
                    else ("file", "", spec))
    path = Path(raw).expanduser()
    if not path.exists():
        raise ConfigError(f"The dataset path {path} does not exist.")
    if kind in ("spider", "spider-catalog"):    # spider-catalog: the same questions, asked of every schema
        dataset = load_spider(path, database_dir=database_dir)
        dataset = replace(dataset, name=dataset.name.replace("spider:", f"{kind}:", 1))
    elif kind == "bird":
        dataset = load_bird(path, database_dir=database_dir)
    else:
        dataset = load_benchmark_file(path)
    if limit is not None:
        dataset = Dataset(dataset.name, dataset.kind, dataset.examples[:limit], dataset.databases)
    return dataset


# ------------------------------------------------------------------------------------------ Spider
def load_spider(path: Path, *, database_dir: Path | None = None) -> Dataset:
    """``dev.json`` (or the JSON file given) + ``database/<db_id>/*.sqlite``; difficulty from the sql tree."""
    questions = path if path.is_file() else path / "dev.json"
    root = questions.parent
    records = _read_json_list(questions)
    examples = tuple(
        Example(
            id=str(i),
            db_id=r["db_id"],
            question=r["question"],
            gold_sql=r["query"],
            difficulty=spider_hardness(r["sql"]) if isinstance(r.get("sql"), dict) else None,
        )
        for i, r in enumerate(records)
    )
    db_root = database_dir or root / "database"
    schemas = read_spider_descriptions(root / "tables.json")
    databases = {}
    for db_id in _ordered_ids(examples):
        source = _sqlite_folder(db_root / db_id, db_id)
        comments, overview = schemas.get(db_id, ({}, None))
        # BIRD-style description files beside a Spider-format database are read too.
        comments = {**comments, **read_bird_descriptions(db_root / db_id / "database_description")}
        databases[db_id] = DatabaseSource(source.db_id, source.paths, column_comments=comments, description=overview)
    return Dataset(f"spider:{questions.stem}", "spider", examples, databases)


def read_spider_descriptions(path: Path) -> dict[str, tuple[dict[tuple[str, str], str], str | None]]:
    """Per db_id: column comments and an overview from a Spider-format ``tables.json`` that carries
    KaggleDBQA-style ``column_descriptions`` and ``value_enums`` (lists aligned with ``column_names_original``)
    and ``db_overview``. Plain Spider carries none of them: every db_id then maps to nothing."""
    if not path.is_file():
        return {}
    out: dict[str, tuple[dict[tuple[str, str], str], str | None]] = {}
    for schema in json.loads(path.read_text(encoding="utf-8")):
        if not isinstance(schema, dict) or "db_id" not in schema:
            continue
        tables = schema.get("table_names_original") or schema.get("table_names") or []
        columns = schema.get("column_names_original") or schema.get("column_names") or []
        descriptions = schema.get("column_descriptions") or []
        enums = schema.get("value_enums") or []
        comments: dict[tuple[str, str], str] = {}
        for i, column in enumerate(columns):
            if not isinstance(column, (list, tuple)) or len(column) != 2 or not 0 <= column[0] < len(tables):
                continue
            comment = column_comment(descriptions[i] if i < len(descriptions) else None,
                                      enums[i] if i < len(enums) else None)
            if comment:
                comments[(str(tables[column[0]]).lower(), str(column[1]).lower())] = comment
        overview = schema.get("db_overview")
        out[str(schema["db_id"])] = (comments, str(overview).strip() or None if overview else None)
    return out


def column_comment(description: Any, enum: Any) -> str:
    """A column comment from a description and a value enum (a {code: meaning} map, a list, or text).

    >>> column_comment("Type of the crime", {"1": "theft", "2": "assault"})
    'Type of the crime. Values: 1 = theft, 2 = assault'
    >>> column_comment("", ["N", "S"]), column_comment(None, None)
    ('Values: N, S', '')
    """
    parts = [str(description).strip().rstrip(".")] if isinstance(description, str) and description.strip() else []
    if isinstance(enum, dict) and enum:
        parts.append("Values: " + ", ".join(f"{k} = {v}" for k, v in enum.items()))
    elif isinstance(enum, (list, tuple)) and enum:
        parts.append("Values: " + ", ".join(str(v) for v in enum))
    elif isinstance(enum, str) and enum.strip():
        parts.append(f"Values: {enum.strip()}")
    return ". ".join(parts)


def _sqlite_folder(folder: Path, db_id: str) -> DatabaseSource:
    """Every file whose name contains ``.sqlite`` (as the official evaluator lists them), main file first."""
    if not folder.is_dir():
        return DatabaseSource(db_id)
    files = sorted(p for p in folder.iterdir() if ".sqlite" in p.name and p.is_file())
    main = folder / f"{db_id}.sqlite"
    if main not in files:
        return DatabaseSource(db_id)
    return DatabaseSource(db_id, (main, *(p for p in files if p != main)))


# ------------------------------------------------------------------------------------------ BIRD
_BIRD_DB_DIRS = ("dev_databases", "train_databases", "databases", "database")


def load_bird(path: Path, *, database_dir: Path | None = None) -> Dataset:
    """BIRD: a JSON list of {question_id, db_id, question, evidence, SQL, difficulty} and
    ``<dev_databases>/<db_id>/<db_id>.sqlite`` with ``database_description/<table>.csv``."""
    questions = path if path.is_file() else _bird_questions_file(path)
    root = questions.parent
    records = _read_json_list(questions)
    examples = tuple(
        Example(
            id=str(r.get("question_id", i)),
            db_id=r["db_id"],
            question=r["question"],
            gold_sql=r.get("SQL") or r.get("query") or "",
            difficulty=r.get("difficulty"),
            evidence=(r.get("evidence") or None),
        )
        for i, r in enumerate(records)
    )
    db_root = database_dir or next((root / d for d in _BIRD_DB_DIRS if (root / d).is_dir()), root / _BIRD_DB_DIRS[0])
    databases = {}
    for db_id in _ordered_ids(examples):
        folder = db_root / db_id
        main = folder / f"{db_id}.sqlite"
        comments = read_bird_descriptions(folder / "database_description")
        databases[db_id] = DatabaseSource(db_id, (main,) if main.is_file() else (), column_comments=comments)
    return Dataset(f"bird:{questions.stem}", "bird", examples, databases)


def _bird_questions_file(folder: Path) -> Path:
    for name in ("dev.json", "mini_dev_sqlite.json", "train.json"):
        if (folder / name).is_file():
            return folder / name
    candidates = sorted(folder.glob("*.json"))
    if len(candidates) != 1:
        raise ConfigError(f"No BIRD question file (dev.json) found in {folder}.")
    return candidates[0]


def read_bird_descriptions(folder: Path) -> dict[tuple[str, str], str]:
    """Column comments from BIRD's ``database_description/<table>.csv`` files (any encoding BIRD used)."""
    import csv
    import io

    comments: dict[tuple[str, str], str] = {}
    if not folder.is_dir():
        return comments
    for file in sorted(folder.glob("*.csv")):
        raw = file.read_bytes()
        text = next((raw.decode(enc) for enc in ("utf-8-sig", "cp1252", "latin-1") if _decodes(raw, enc)), "")
        for row in csv.DictReader(io.StringIO(text)):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
            column = row.get("original_column_name")
            if not column:
                continue
            comment = _bird_comment(row)
            if comment:
                comments[(file.stem.strip().lower(), column.lower())] = comment
    return comments


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _bird_comment(row: Mapping[str, str]) -> str:
    """'Full name: description. Values: value description' from one description row.

    >>> _bird_comment({"original_column_name": "cds", "column_name": "county district school code",
    ...                "column_description": "", "value_description": "not useful"})
    'county district school code. Values: not useful'
    """
    original = row.get("original_column_name", "")
    name, description = row.get("column_name", ""), row.get("column_description", "")
    values = row.get("value_description", "")
    head = description or name
    if name and description and name.lower() != original.lower():
        head = f"{name}: {description}"
    if head.lower() == original.lower():
        head = ""  # repeating the column's own name says nothing
    parts = [head.rstrip(". ")] if head else []
    if values:
        parts.append(f"Values: {values}")
    return ". ".join(parts)


# ------------------------------------------------------------------------------------------ files
_SQL_KEYS = ("sql", "gold_sql", "SQL", "query", "gold")


def load_benchmark_file(path: Path) -> Dataset:
    """Our own golden questions: YAML (a list, or ``questions:``) or JSONL, each with ``question`` and
    its gold SQL (``sql``), optional ``id``, ``tags``, ``notes``, ``difficulty`` and ``db_id``."""
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        import yaml

        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        records = loaded.get("questions", []) if isinstance(loaded, dict) else loaded
    if not isinstance(records, list):
        raise ConfigError(f"{path} must hold a list of questions.")
    examples = tuple(_file_example(i, r, path) for i, r in enumerate(records))
    databases = {db_id: DatabaseSource(db_id) for db_id in _ordered_ids(examples)}
    return Dataset(f"file:{path.stem}", "file", examples, databases)


def _file_example(i: int, record: Any, path: Path) -> Example:
    if not isinstance(record, dict) or not record.get("question"):
        raise ConfigError(f"Question {i + 1} in {path} needs a 'question'.")
    sql = next((record[k] for k in _SQL_KEYS if record.get(k)), None)
    expect = str(record.get("expect") or "answer")
    if not sql and expect != "abstain":
        raise ConfigError(f"Question {i + 1} in {path} needs its gold SQL under 'sql' (or 'expect: abstain').")
    tags = record.get("tags") or ()
    return Example(
        id=str(record.get("id", i)),
        db_id=str(record.get("db_id") or DEFAULT_DB),
        question=str(record["question"]),
        gold_sql=str(sql or "").strip(),
        difficulty=record.get("difficulty"),
        expect=expect,
        tags=tuple(str(t) for t in ([tags] if isinstance(tags, str) else tags)),
        notes=record.get("notes"),
    )


# ------------------------------------------------------------------------------------------ helpers
def _read_json_list(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise ConfigError(f"The question file {path} does not exist.")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ConfigError(f"{path} must hold a JSON list of questions.")
    return data


def _ordered_ids(examples: Iterable[Example]) -> list[str]:
    return list(dict.fromkeys(e.db_id for e in examples))
