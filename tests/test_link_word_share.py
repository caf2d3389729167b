"""Tables and readings that explain more of the question's words come first (linking across look-alike tables).

In a big catalog a question's noun ("dog", "high") names tables in many schemas; what tells them apart is the
question's other words. Three rules, each with its fixture: a table's score adds the share of the question's words
it explains (``linking.WORD_SHARE``), a schema's reading adds the share its tables explain together
(``link_catalog.READING_WORDS``), and retrieval ranks tables holding more of the words first (coordination,
``link_index._COORD``). And linking meets a plural of an -ing noun with its singular (``text.link_stem``).
"""

from __future__ import annotations

from catalog_semantics.link_index import build_index, table_terms
from catalog_semantics.linking import SHORTLIST_FROM, link
from catalog_semantics.model import Column, SemanticModel, Table
from catalog_semantics.text import stem


def _col(name: str, type_: str = "VARCHAR", values: tuple[str, ...] = ()) -> Column:
    return Column(name, type_, sample_values=values)


def _filler(n: int) -> list[Table]:
    words = ("widget", "gadget", "sprocket", "gizmo", "bracket", "flange", "gasket", "rivet")
    names = [f"{words[i % 8]}_{words[(i // 8) % 8]}_lot{i}" for i in range(n)]
    return [Table(name, (_col(f"{name}_id", "INTEGER"), _col("quantity", "INTEGER")), schema="parts")
            for name in names]


def test_a_table_explaining_more_of_the_question_outranks_one_named_by_its_noun() -> None:
    # ``dog`` is named by the question's noun and repeats it in its columns; ``pets`` holds 'dog' as a value and
    # has the weight and the age ("youngest") the question asks about.
    model = SemanticModel((
        Table("dog", (_col("dog_league"), _col("dog"), _col("battle")), schema="league"),
        Table("pets", (_col("pet_id", "INTEGER"), _col("pet_type", values=("cat", "dog")), _col("pet_age", "INTEGER"),
                       _col("weight", "DOUBLE")), schema="clinic"),
        Table("ads", (_col("ad_id", "INTEGER"), _col("species", values=("cat", "dog")), _col("price", "DOUBLE")),
              schema="market"),
    ))
    linked = link(model, "Find the weight of the youngest dog.", keep_all_up_to=0)
    assert linked.table_names[0] == "pets"
    assert link(model, "How many dogs are in the league?", keep_all_up_to=0).table_names[0] == "dog"


def test_a_reading_whose_tables_explain_the_question_together_comes_first() -> None:
    # "high schoolers": the school schema's table explains both words; the hills schema's two tables only "high".
    model = SemanticModel((*_filler(62),
                           Table("high_altitude", (_col("high"), _col("star"), _col("peak_id")), schema="hills"),
                           Table("high_star", (_col("high"), _col("star_name")), schema="hills"),
                           Table("highschooler", (_col("id", "INTEGER"), _col("name"), _col("grade", "INTEGER")),
                                 schema="school"),
                           Table("friend", (_col("student_id", "INTEGER"), _col("friend_id", "INTEGER")),
                                 schema="school")))
    assert len(model.tables) > SHORTLIST_FROM
    linked = link(model, "Count the number of high schoolers.")
    assert linked.table_names[0] == "highschooler" and not linked.ties
    stars = link(model, "Which high stars are there?")                      # the hills' own words still win
    assert stars.table_names[0] == "high_star"


def test_retrieval_ranks_a_table_holding_more_of_the_words_first() -> None:
    # BM25 alone ranks the table named "episodes" (the name counts three times) above the one whose columns hold
    # both the episode and the rating the question asks about (other tables have ratings too).
    rated = [Table(f"review_{i}", (_col("review_id", "INTEGER"), _col("rating", "INTEGER")), schema="reviews")
             for i in range(2)]
    model = SemanticModel((*rated,
                           Table("episodes", (_col("episode_id", "INTEGER"), _col("title")), schema="media"),
                           Table("tv_series", (_col("series_id", "INTEGER"), _col("episode"), _col("rating", "DOUBLE")),
                                 schema="tv")))
    index = build_index([table_terms(t) for t in model.tables], model)
    words = {stem(w): (1.0, stem(w)) for w in ("episode", "rating")}
    assert index.retrieve(words, 2).tables == ("tv_series", "episodes")
    assert index.retrieve({stem("episode"): (1.0, stem("episode"))}, 2).tables == ("episodes", "tv_series")


def test_the_plural_of_an_ing_noun_meets_its_singular() -> None:
    # ``stem`` takes "ratings" to "rating" but "rating" to "rat"; linking meets them as one word (``link_stem``).
    model = SemanticModel((
        Table("reviews", (_col("review_id", "INTEGER"), _col("rating", "INTEGER")), schema="shop"),
        Table("breeds", (_col("breed_code"), _col("breed_name")), schema="kennel"),
        Table("hosts", (_col("host_id", "INTEGER"), _col("host_name")), schema="shop"),
    ))
    linked = link(model, "What are the average ratings?", keep_all_up_to=0)
    assert linked.table_names[0] == "reviews" and linked.column_score("reviews", "rating") > 0
    assert link(model, "list all breeds", keep_all_up_to=0).column_score("breeds", "breed_code") > 0
