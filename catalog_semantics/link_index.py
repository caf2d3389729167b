"""The linking index of a model: word weights, sample values, and an inverted index for table retrieval.

Linking a question against thousands of tables is two stages (``linking.py``): this index retrieves a
shortlist of tables in one vectorised pass (BM25 over each table's words: its name and synonyms, column
names, comments and sample values), then the detailed scorer ranks only the shortlist.

We keep our own inverted index rather than a BM25 library (``bm25s``, ``rank_bm25``): retrieval here must
meet words the way the detailed scorer does (our stemmer, camelCase splitting, typos, compounds, implied
attributes), which those libraries' tokenisers do not, and the catalog changes table by table, which their
indexes only support by rebuilding. What we need is small: postings as numpy arrays and one scatter-add per
question term, so the per-question cost is a vectorised scan of one float per table.

Each table's own terms (``link_terms.py``) are combined here. The index is built once per model object (kept
in memory) and, for catalogs of at least ``DISK_CACHE_FROM`` tables, cached on disk under
``$NL2SQL_DATA_DIR/link_index/`` with one fingerprint per table: when tables change, only their entries are
recomputed and the postings (cheap) rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import pickle
import re
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import numpy as np

from catalog_semantics.join_paths import join_graph
from catalog_semantics.link_terms import TableTerms, ValueEntry, table_terms
from catalog_semantics.model import SemanticModel, Table
from catalog_semantics.text import link_stem, words

DISK_CACHE_FROM = 300                          # tables; smaller models index in well under 100 ms
_FORMAT = 7                                    # bump when the cached layout or the weights change
_K1, _B = 1.2, 0.5                             # BM25: term saturation; mild length normalisation (wide tables)
_SCHEMAS_KEPT = 10                             # schemas whose every table joins the shortlist
_COORD = 0.5                                   # a table's BM25 is scaled by 1 - this + this x its share of the words


@dataclass(frozen=True)
class LinkIndex:
    names: tuple[str, ...]                     # table names; a table's position is its id in the postings
    idf: dict[str, float]                      # identifier-word stem -> weight (rare words count more)
    values: dict[str, tuple[ValueEntry, ...]]  # first word of the value -> entries
    by_stem: dict[str, tuple[str, ...]]        # stem of a first word -> first words
    by_shape: dict[tuple[str, int], tuple[str, ...]]   # (initial, length) of a first word -> first words
    vocabulary: frozenset[str]
    open_text: frozenset[str]
    postings: dict[str, tuple[np.ndarray, np.ndarray]]   # term -> (table ids, BM25 weights)
    term_shape: dict[tuple[str, int], tuple[str, ...]]  # (initial, length) of a term -> terms (typos)
    term_grams: dict[str, tuple[str, ...]]     # 4+ letter substring -> longer terms holding it (compounds)
    graph: dict[str, set[str]]                 # the join graph (linking bridges tables through it)
    schemas: tuple[str, ...]                   # "catalog.schema" of each schema id ("" for tables without one)
    schema_of: np.ndarray                      # table id -> schema id

    def retrieve(self, weighted_terms: dict[str, tuple[float, str]], k: int) -> Retrieval:
        """The ``k`` best tables for the question's terms (term -> weight and the question word it stands for),
        and how well each schema covers the question's words.

        A table scores BM25 over its own words. A schema scores the distinct question words any of its tables
        holds (weighted by rarity): questions are usually about one schema, and the words of a question are
        spread over its tables (a bridge table such as ``has_pet`` holds none of them). A word counts once per
        schema, by its best term: its typo neighbours and compounds ('employer', 'capacity' for "city") are
        guesses at the same word, and counted apart they let a schema of many near-misses outrank the one
        that holds the word itself.
        """
        scores = np.zeros(len(self.names), dtype=np.float32)
        coverage = np.zeros(len(self.schemas), dtype=np.float32)
        by_word: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        word_weight: dict[str, float] = {}
        for term, (weight, word) in weighted_terms.items():
            word_weight[word] = max(weight, word_weight.get(word, 0.0))
            posting = self.postings.get(term)
            if posting is not None:
                if word not in by_word:
                    by_word[word] = (np.zeros(len(self.names), dtype=np.float32),
                                     np.zeros(len(self.schemas), dtype=np.float32))
                table_best, schema_best = by_word[word]
                ids = posting[0]                           # distinct within a posting: no scatter needed
                table_best[ids] = np.maximum(table_best[ids], weight * posting[1])
                holders = np.unique(self.schema_of[ids])
                rarity = weight * math.log(1 + len(self.schemas) / len(holders))
                schema_best[holders] = np.maximum(schema_best[holders], rarity)
        held = np.zeros(len(self.names), dtype=np.float32)
        for word, (table_best, schema_best) in by_word.items():
            scores += table_best
            coverage += schema_best
            held += word_weight[word] * (table_best > 0)
        if by_word:                                        # coordination: tables holding more of the words first
            scores *= (1 - _COORD) + _COORD * held / sum(word_weight[w] for w in by_word)
        hit = int(np.count_nonzero(scores))
        if hit == 0:
            return Retrieval((), (), coverage)
        k = min(k, hit)
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        coverage /= float(coverage.max())
        ranked = np.argsort(-coverage, kind="stable")[:_SCHEMAS_KEPT]
        return Retrieval(tuple(self.names[i] for i in top if scores[i] > 0),
                         tuple(self.schemas[i] for i in ranked if coverage[i] > 0), coverage)

    schema_members: dict[str, tuple[int, ...]]  # "catalog.schema" -> its table ids
    position: dict[str, int]                   # table name -> id (the table's place in ``model.tables``)

    def schema_tables(self, schema: str) -> tuple[str, ...]:
        return tuple(self.names[i] for i in self.schema_members.get(schema, ()))


@dataclass(frozen=True)
class Retrieval:
    tables: tuple[str, ...]                    # best first
    whole_schemas: tuple[str, ...]             # the best-covering schemas, best first
    coverage: np.ndarray                       # schema id -> its coverage of the question's words, 1.0 best



def build_index(tables: list[TableTerms], model: SemanticModel) -> LinkIndex:
    """Combine per-table terms into the model's index (vectorised postings; no per-table tokenising)."""
    n = max(len(tables), 1)
    df: dict[str, int] = {}
    for t in tables:
        for s in t.df_stems:
            df[s] = df.get(s, 0) + 1
    idf = {s: 0.35 + 0.65 * math.log(1 + n / d) / math.log(1 + n) for s, d in df.items()}
    by_first: dict[str, list[ValueEntry]] = {}
    for t in tables:
        for e in t.values:
            by_first.setdefault(e.words[0], []).append(e)
    by_stem: dict[str, list[str]] = {}
    by_shape: dict[tuple[str, int], list[str]] = {}
    for first in by_first:
        by_stem.setdefault(link_stem(first), []).append(first)
        by_shape.setdefault((first[0], len(first)), []).append(first)
    vocabulary = set().union(*(t.vocabulary for t in tables)) if tables else set()
    phrases = [p for m in model.metrics for p in (m.name, *m.synonyms)] + [
        p for f in model.filters for p in (f.name, *f.synonyms)]
    vocabulary |= {link_stem(w) for p in phrases for w in words(p)}
    schemas = tuple(sorted({t.schema for t in tables}))
    schema_id = {s: i for i, s in enumerate(schemas)}
    members: dict[str, list[int]] = {}
    for i, t in enumerate(tables):
        members.setdefault(t.schema, []).append(i)
    return LinkIndex(
        schema_members={k: tuple(v) for k, v in members.items()},
        position={t.name: i for i, t in enumerate(tables)},
        schemas=schemas,
        schema_of=np.array([schema_id[t.schema] for t in tables], dtype=np.int32),
        names=tuple(t.name for t in tables),
        idf=idf,
        values={k: tuple(v) for k, v in by_first.items()},
        by_stem={k: tuple(v) for k, v in by_stem.items()},
        by_shape={k: tuple(v) for k, v in by_shape.items()},
        vocabulary=frozenset(vocabulary),
        open_text=frozenset(t.name for t in tables if t.open_text),
        graph=join_graph(model),
        **_postings(tables),
    )


class _Postings(TypedDict):
    """The BM25 part of a ``LinkIndex`` (its fields of the same names)."""
    postings: dict[str, tuple[np.ndarray, np.ndarray]]
    term_shape: dict[tuple[str, int], tuple[str, ...]]
    term_grams: dict[str, tuple[str, ...]]


def _postings(tables: list[TableTerms]) -> _Postings:
    # A table's length (BM25's normalisation) counts its identifier words only: sample values would make the
    # tables whose data we could read look long and lose to look-alikes without data (as BM25F normalises fields).
    lengths = np.array([sum(w for s, w in t.terms if s in t.vocabulary) for t in tables], dtype=np.float32)
    avg = float(lengths.mean()) if len(tables) and lengths.mean() > 0 else 1.0
    by_term: dict[str, tuple[list[int], list[float]]] = {}
    for i, t in enumerate(tables):
        for term, tf in t.terms:
            ids, tfs = by_term.setdefault(term, ([], []))
            ids.append(i)
            tfs.append(tf)
    n = len(tables)
    postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for term, (ids, tfs) in by_term.items():
        id_array = np.array(ids, dtype=np.int32)
        tf_array = np.array(tfs, dtype=np.float32)
        idf = math.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5))
        norm = _K1 * (1 - _B + _B * lengths[id_array] / avg)
        postings[term] = (id_array, (idf * tf_array * (_K1 + 1) / (tf_array + norm)).astype(np.float32))
    shape: dict[tuple[str, int], list[str]] = {}
    grams: dict[str, list[str]] = {}
    # Typos and compounds are guessed among identifier words only: a question word inside a stored value
    # ('card' in 'Ricardo', 'mile' in 'Emile') is a coincidence, while inside a name ('mktsegment') it is
    # how identifiers are written. Values are met whole (and with their own typo test) by ``value_candidates``.
    identifiers = frozenset().union(*(t.vocabulary for t in tables))
    for term in by_term.keys() & identifiers:
        shape.setdefault((term[0], len(term)), []).append(term)
        for size in range(4, len(term)):
            for start in range(len(term) - size + 1):
                grams.setdefault(term[start:start + size], []).append(term)
    return {"postings": postings, "term_shape": {k: tuple(v) for k, v in shape.items()},
            "term_grams": {k: tuple(sorted(set(v))) for k, v in grams.items()}}



# ------------------------------------------------------------------------------------------ caching
_MEMORY: dict[int, tuple[weakref.ref[SemanticModel], LinkIndex]] = {}


def model_index(model: SemanticModel) -> LinkIndex:
    """The index of ``model``: from memory, else from the disk cache (refreshed table by table), else built."""
    cached = _MEMORY.get(id(model))
    if cached is not None and cached[0]() is model:
        return cached[1]
    if len(model.tables) >= DISK_CACHE_FROM:
        index = _disk_cached(model)
    else:
        index = build_index([table_terms(t) for t in model.tables], model)
    if len(_MEMORY) > 32:
        _MEMORY.clear()
    _MEMORY[id(model)] = (weakref.ref(model), index)
    return index


@functools.lru_cache(maxsize=64)
def table_index(table: Table) -> LinkIndex:
    """One table indexed on its own: the value look-ups of a table whose values were read after its model was
    indexed (``linking.link(sampled=)``), without re-indexing the catalog. Kept for the last 64 tables."""
    return build_index([table_terms(table)], SemanticModel((table,), name=table.name))


def cache_dir() -> Path:
    """Where big catalogs' indexes are kept. ``link(model, question)`` takes no settings (its signature is a
    contract), so this reads the same variable ``Settings.data_dir`` documents, with the same default."""
    return Path(os.environ.get("NL2SQL_DATA_DIR") or Path.home() / ".nl2sql") / "link_index"


def fingerprint(table: Table) -> str:
    return hashlib.sha1(repr((_FORMAT, table)).encode("utf-8")).hexdigest()


def _disk_cached(model: SemanticModel) -> LinkIndex:
    """Load the cached per-table terms, recompute those of new or changed tables, save, and build."""
    path = cache_dir() / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', model.name)[:80]}.v{_FORMAT}.pickle"
    stored: dict[str, TableTerms] = {}
    try:
        with path.open("rb") as f:
            stored = pickle.load(f)    # our own file in our data dir, written below; never user-supplied
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        stored = {}
    terms, fresh = [], {}
    for table in model.tables:
        key = fingerprint(table)
        entry = stored.get(key)
        if entry is None:
            entry = table_terms(table)
        fresh[key] = entry
        terms.append(entry)
    if fresh.keys() != stored.keys():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as f:
                pickle.dump(fresh, f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except OSError:
            pass                         # a read-only data dir costs a rebuild next time, not an answer
    return build_index(terms, model)
