"""Questions that list rows, ask when something happened, or one extreme value (a share of a whole: assemble_shares.py)."""

from __future__ import annotations

from dataclasses import replace

from catalog_semantics.text import stem
from nl2sql.planner.assemble_totals import TotalsAssembler
from nl2sql.planner.frame_rules import filter_nouns
from nl2sql.planner.intent import NotUnderstood
from nl2sql.planner.lexicon_names import text_code
from nl2sql.planner.list_amounts import event_said, no_bare_amount
from nl2sql.planner.list_links import without_links
from nl2sql.planner.setops import values_none_has
from nl2sql.planner.spec import ColRef, Measure, Order, QuerySpec
from nl2sql.planner.vocabulary import cue_index, phrase_key
from nl2sql.planner.words import word_list

# words naming an amount (vocabulary amount_words) and units of measure (measure_units): quantities, not labels
_AMOUNT_WORDS = frozenset(word_list("amount_words")) | frozenset(word_list("measure_units"))
_COUNTED = frozenset(word_list("counted_amounts"))      # ... of which counts of things: "units shipped per mode"
_TIME_SPENT = frozenset(word_list("time_spent_amounts"))    # ... and time spent: "overtime hours per month"
# "list suppliers and their country": phrases that hand the listed rows' own attributes (vocabulary possessives)
_POSSESSIVES = tuple(phrase_key(p) for p in word_list("possessives"))
_ATTRIBUTE_LEADS = tuple(phrase_key(p) for p in word_list("listed_attribute_leads"))
# superlatives (vocabulary cues of kind extreme): "the youngest", "the 5 largest" rank by a key of their own
_EXTREMES = tuple(p for p, cues in cue_index().items() if any(c.kind == "extreme" for c in cues))


def _says(stems: tuple[str, ...], phrases: tuple[tuple[str, ...], ...]) -> bool:
    return any(stems[i:i + len(p)] == p for p in phrases for i in range(len(stems)))


class ListingAssembler(TotalsAssembler):
    each_listed: str | None = None       # the table a list names with "each" ("the unit rate of each tariff")

    # ------------------------------------------------------------------------------------------
    def _when(self) -> QuerySpec:
        """'When was the first order placed and when was the last one?': earliest and latest dates."""
        r = self.r
        subject = self._subject()
        hinted = {h[0] for h in r.date_hints} | {c.table for c, _ in r.date_cols}
        if subject is None and len(hinted) == 1:
            subject = next(iter(hinted))          # "when did the last shipment go out": the ship date's table
        if subject is None or r.measures or r.dims or r.extremes or len(r.entities) > 1:
            raise NotUnderstood("I could not tell which date is asked for.", ())
        own = self.lex.tables[subject].dates
        # "the last shipment": a word built on a date's name ("ship") picks that date
        named = {h for w in r.words for k, hs in self.lex.date_names.items()
                 if len(k) >= 4 and w.startswith(k) for h in hs if h[0] == subject}
        if r.date_cols or r.date_hints:
            col = self._date_column(subject)
        elif len(named) == 1:
            col = ColRef(*next(iter(named)))
        else:
            col = ColRef(subject, own[0]) if len(own) == 1 else None   # the subject's own date, no guess
        if col is None:
            raise NotUnderstood("I could not tell which date to report.", ())
        self.r = replace(r, measures=tuple(Measure("agg", col.table, "max" if latest else "min", col=col)
                                           for latest in r.when), when=(), entities=(), orders=())
        return self._aggregate()

    def _no_amount_listed_per_group(self) -> QuerySpec | None:
        """'landed pounds by species group': an amount named with a grouping and no aggregate word is a total (or
        an average) per group, never a list of distinct pairs; which one the question does not say, so decline
        naming the amount, unless it counts things said with their event ("units shipped per mode": they add up)."""
        # only groups that are categories ("per ship mode"), never rows ("for each singer", "of every pet")
        # (a reference to another table, "by vendor country" read as the nation key, is a category too)
        categories = [d for d in self.r.dims if d.col.column and d.col.column not in self.lex.tables[d.col.table].pk
                      and d.col.column not in self.lex.tables[d.col.table].labels]
        if not (self.r.dims or self.r.unit_dims) or len(categories) != len(self.r.dims):   # "per year": a category
            return None
        for ref, _pos in self.r.projections:
            info = self.lex.tables[ref.table]
            words = set(info.column_words.get(ref.column, ()))
            if ref.column not in info.keys and len(self.r.projections) == 1 and (
                    words & _COUNTED and (self.r.date_hints or event_said(info, ref, self.r.words)) or words & _TIME_SPENT):
                self.r = replace(self.r, measures=(Measure("agg", ref.table, "sum", col=ref),), projections=())
                return self._aggregate()
            if ref.column not in info.keys and words & _AMOUNT_WORDS:
                raise NotUnderstood("Per group, should it be added up or averaged? Say “total” or “average”.",
                                    (" ".join(info.column_words.get(ref.column, (ref.column,))),))
        return None

    def _listing(self) -> QuerySpec:
        """A list of rows or values: what is shown, on which rows, in which order, and the checks that
        decline lists whose meaning would be a guess."""
        if (total := self._no_amount_listed_per_group() or self._totals_compared()) is not None:
            return total
        if self.r.unit_dims:
            raise NotUnderstood("A list cannot be grouped by a period; ask for a count or a total.", ())
        self._each_listed()
        r = self.r
        subject = self._subject()
        no_bare_amount(self.r, self.lex, subject)
        if subject is None and self._possessive() and (nouns := filter_nouns(r, self.lex)):
            # "the long links with their length": the rows the filter's noun names, listed with their columns
            self.r = r = replace(r, entities=nouns)
            subject = nouns[0][0]
        subject, base, projections, helpers = self._listed_columns(subject)
        orders, limit = self._list_order(base, projections, helpers)
        distinct = r.distinct or subject is None
        self._check_list(base, subject, projections, bool(orders or limit))
        conditions = self._conditions(base)
        # a column named twice is shown once
        projections = without_links(self.lex, self.graph, self.r.as_named, list(dict.fromkeys(projections)))
        info = self.lex.tables[base]
        helpers += [ref for ref in self.moved if ref not in projections]   # what a moved filter compares
        helpers = [h for h in dict.fromkeys(helpers) if h not in projections]
        spec = QuerySpec(base, (), (), tuple(projections), tuple(conditions), (), tuple(orders), limit, distinct,
                         tuple(helpers))
        negated = tuple(c for c in conditions if c.negated and not self.up(base, c.table, c.col.via if c.col else None))
        if negated and subject != base and all(p.table == base and p.column not in info.pk
                                               and p.column not in info.labels for p in projections):
            # "type codes not used by any document": values no related row has (not the rows without one)
            if orders or limit is not None:
                raise NotUnderstood("Values that no related row has cannot be sorted or cut yet.", ())
            return values_none_has(spec, negated)
        return spec

    def _each_listed(self) -> None:
        """'each teacher's name': in a list, 'each' only names what is listed; a second table named after
        "and" is listed too."""
        r = self.r
        # a table named after a value of its own ("a cat or dog as a pet") says what the value is, not what is listed
        first_entity = all(pos not in r.after_and and any(c.table == t for c in r.conditions)
                           for t, pos, _ in r.entities)
        entities, projections = list(r.entities), list(r.projections)
        for d in r.dims:
            if d.col.column == "" and first_entity:
                entities.append((d.col.table, -1, True))
                first_entity = False
                self.each_listed = d.col.table
            elif d.col.column == "":             # "each teacher and course": the second is listed too
                projections.extend((label, 10_000) for label in self._labels(d.col.table))
            else:
                projections.append((d.col, -1 if d.col in [p for p, _ in projections] else 0))
        # "the names of conductors and the orchestras": a second table named after "and" is listed too
        and_tables = [t for t, pos, _ in entities if pos in r.after_and and (len(entities) > 1 or projections)]
        for t in and_tables:
            entities = [e for e in entities if e[0] != t]
            projections.extend((label, 10_000) for label in self._labels(t))
        self.r = replace(r, dims=(), entities=tuple(entities), projections=tuple(projections))

    def _listed_columns(self, subject: str | None) -> tuple[str | None, str, list[ColRef], list[ColRef]]:
        """The subject (maybe the rows a named filter is about), the rows listed (base table), the columns
        shown, and the helper columns (shown when helpful)."""
        r = self.r
        projections = [p for p, _ in r.projections]
        if subject is None and not projections:
            # "list fulfilled orders": the rows a named filter is about
            subject = next((c.table for c in r.conditions if c.kind == "filter"), None)
        if subject is None and not projections:
            raise NotUnderstood("I could not tell what to list or count.", ())
        base = subject or projections[0].table
        if r.periods:
            self._time_conditions(base)      # a year column compared with a year is not also shown
            r = self.r
            projections = [p for p, _ in r.projections]
        if r.star:
            projections = [ColRef(base, c.name) for c in self.lex.tables[base].table.columns]
        explicit = [p for p, pos in r.projections if pos >= 0] or projections if r.star else \
            [p for p, pos in r.projections if pos >= 0]
        helpers: list[ColRef] = [p for p, pos in r.projections if pos < 0]
        ranked_by = [p for p, pos in r.projections if pos == -2]
        projections = [p for p in projections if p not in helpers or p in explicit]
        if not explicit:
            projections = list(self._labels(base)) + [p for p in projections if p not in self._labels(base)
                                                      and p not in helpers]
        elif subject is not None and self._names_each_row(subject, explicit):
            projections = list(self._labels(subject)) + [p for p in projections if p not in self._labels(subject)]
        elif subject is not None and self.each_listed == subject and self._names_each_row(subject, explicit, True):
            # "the unit rate of each tariff": which tariff each rate is, shown when the model shows helpful
            # columns (Spider's golds, read with only the asked columns, list the rate alone)
            helpers = list(self._labels(subject)) + helpers
        projections += [p for p in ranked_by if p not in projections]
        helpers += [col for c in r.conditions for col in self._compared(c) if col.table == base and col not in projections]
        if not all(self.up(base, p.table, p.via) for p in projections):
            # "suppliers of part 100 and the cost": list at the level where both meet
            bridge = self._common_base([p.table for p in projections] + [base])
            if bridge is None or any(p.via for p in projections):
                raise NotUnderstood("Those columns live at different levels of detail.",
                                    tuple(self._col_words(p) for p in projections))
            first_projection = min((pos for _, pos in r.projections if pos >= 0), default=10**6)
            if subject is not None and not any(p.table == subject for p in projections) \
                    and r.entities[0][1] < first_projection:
                projections = list(self._labels(subject)) + projections    # "which suppliers ... and cost"
            base = bridge
        return subject, base, self._other_entities(base, projections), helpers

    def _other_entities(self, base: str, projections: list[ColRef]) -> list[ColRef]:
        """Tables named after the first: one reached one-to-many is a test that such rows exist; a parent named
        after a possessive is shown ("suppliers with their country"). The projections, with what that adds."""
        for table, pos, _plural in self.r.entities[1:]:
            if not self.up(base, table) and self.path(base, table) is not None:
                self.r = replace(self.r, existence=self.r.existence + ((table, False, pos),))
            elif self._possessive() and table != base and not self._used(table, projections):
                projections = projections + list(self._labels(table))
        return projections

    def _possessive(self) -> bool:
        """'with their', 'and its' (vocabulary possessives): the listed rows' own attributes are asked for."""
        return _says(self.r.words, _POSSESSIVES)

    def _with_the_shown(self) -> bool:
        """'with the balance' after the rows and their conditions (never "with the name 'Customer reviews'")."""
        stems = self.r.words
        at = next((i + len(p) for p in _ATTRIBUTE_LEADS for i in range(len(stems)) if stems[i:i + len(p)] == p), None)
        said = set(stems[at:]) if at is not None else set()
        return at is not None and not any(said & {stem(w) for w in c.text.lower().split()} for c in self.r.conditions)

    def _used(self, table: str, projections: list[ColRef]) -> bool:
        return any(p.table == table for p in projections) or any(
            c.col is not None and c.col.table == table for c in self.r.conditions)

    def _names_each_row(self, subject: str, explicit: list[ColRef], each: bool = False) -> bool:
        """'list suppliers with (or and) their account balance': the rows listed are named (by their label) beside the
        asked columns of their own, when the table has a label that is not its key and none is asked already.
        With ``each`` ("the unit rate of each tariff") the caller shows the label as a helper column only."""
        info = self.lex.tables[subject]
        labels = [c for c in info.labels if c not in info.pk]
        if any(p.column in info.labels or p.column in info.pk for p in explicit if p.table == subject):
            return False
        with_their = self._possessive()
        if not labels and not each and with_their and self.r.entities and self.r.entities[0][0] == subject \
                and not (len(info.pk) == 1 and text_code(info, info.pk[0])):
            # "the long-haul routes with their distance": rows with no name but a number, which identifies
            # nothing to a reader (the columns that do, two airport codes, are the model's to say)
            raise NotUnderstood(f"I could only show each of these rows by its identifier ({' '.join(info.words)} "
                                "id); name the columns that identify it.", (" ".join(info.words),))
        if not labels:
            return False if not with_their else bool(self.r.entities) and self.r.entities[0][0] == subject
        with_their = with_their or self._with_the_shown()     # "..., with the balance": which row each is
        return each or with_their and bool(self.r.entities) and self.r.entities[0][0] == subject

    def _list_order(self, base: str, projections: list[ColRef], helpers: list[ColRef]) -> tuple[list[Order], int | None]:
        """How a list is sorted and cut; the column an extreme asks for first is shown, what a list is
        ranked by is a helper."""
        r = self.r
        orders = list(r.orders)
        limit = r.limit
        asked_at = min([pos for _, pos in r.projections if pos >= 0] + [pos for _, pos, _ in r.entities],
                       default=10**6)
        for desc, target, _pos in r.extremes:
            if target[0] != "column" or not self.up(base, target[1].table, target[1].via):
                raise NotUnderstood("Ranking a list by a total is not something I can do yet.", ())
            obj = target[1]
            info = self.lex.tables[obj.table]
            if obj.column not in info.numeric and obj.column not in info.dates:
                # "the most employees" over a column stored as text: its highest is the last alphabetically
                raise NotUnderstood("The highest or lowest of a text column is only its alphabetical order "
                                    "(declare its type in the overlay if it holds numbers).", (self._col_words(obj),))
            orders.append(Order(desc, col=obj))
            if _pos < asked_at and obj not in projections and self._named(obj):
                # "the smallest version number and its type code": the column is asked for first, so shown
                # (not "the 10 most expensive parts", where the adjective only ranks them)
                projections.insert(0, obj)
            if limit is None:
                # "for the cars with 4 cylinders, which model has the largest ...": one, as the verb says
                singular_verb = any(w in ("has", "is", "was", "doe") for w in r.words) and \
                    not any(w in ("have", "are", "were", "do") for w in r.words)
                plural = bool(r.entities) and r.entities[0][2] and not singular_verb
                limit = 10 if plural else 1
        shown = list(dict.fromkeys(projections))
        texts = [p for p in shown if p.column not in self.lex.tables[p.table].numeric]
        if len(orders) == 1 and orders[0].col is None and orders[0].measure is None and not _says(r.words, _EXTREMES):
            # "the titles of the cartoons sorted alphabetically": by the one text column shown; "the earnings of
            # poker players in descending order": by the one column shown (never "the youngest teacher": its key)
            only = texts if "alphabet" in " ".join(r.words) else shown
            orders = [Order(orders[0].desc, col=only[0])] if len(only) == 1 else orders
        if any(o.col is None for o in orders):
            raise NotUnderstood("Sorted by what?", ())
        for o in orders:                     # what a list is ranked by is shown beside it
            if o.col is not None and o.col not in projections:
                helpers.append(o.col)
        return orders, limit

    def _check_list(self, base: str, subject: str | None, projections: list[ColRef], cut_or_sorted: bool) -> None:
        r = self.r
        own = {*self.lex.tables[base].pk, *self.lex.tables[base].labels}
        if r.and_values and not any(p.table == base and p.column in own for p in projections):
            # "the document id with paragraph text 'Brazil' and 'Ireland'": ids with either text, or with both?
            raise NotUnderstood("“… and …” may mean rows with either value or things having both; say “or” or "
                                "“both”.", tuple(self._col_words(c) for c in r.and_values))
        if subject is None and not r.distinct and not cut_or_sorted and "all" in r.words and projections and all(
                p.column in self.lex.tables[p.table].numeric and p.column not in self.lex.tables[p.table].keys
                for p in projections):
            # "the declared value of all lost parcels": the different amounts, or their total? Never a guess
            # ("the weight of the youngest dog", "the rank of the episode 'X'" name one row: answered)
            raise NotUnderstood("Each amount, or their total? Say “total”, “average” or “list each”.",
                                tuple(self._col_words(p) for p in projections))
