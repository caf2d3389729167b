"""Deterministic TPC-H data, generated in pure Python after the dbgen rules (TPC-H spec, clause 4.2.3).

The same ``(scale, seed)`` always yields the same values: each table draws from its own
``random.Random`` seeded with a string (stable across runs and Python hash seeds), so changing one
table's rules leaves the others alone. Values are plain Python: keys and counts as ``int``, amounts in
hundredths as ``int`` (see ``HUNDREDTHS``), dates as ``datetime.date``. Loading is ``build.py``'s job.

Rules followed, because real queries depend on them: 25 standard nations in 5 regions; part names of 5
distinct colour words; ``Brand#MN`` with M the manufacturer; each part offered by 4 suppliers and every
line item uses one of them; order keys sparse (8 of every 32); customers whose key is a multiple of 3
place no orders; order dates 1992-01-01..1998-08-02; ship = order + 1..121 days, commit = order + 30..90,
receipt = ship + 1..30; return flag R/A if received by 1995-06-17 else N; line status O if shipped after
1995-06-17 else F; order status F/O/P from its lines; total price = sum of extended price x (1 - discount)
x (1 + tax).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from nl2sql.demo.tpch_text import (
    COLORS, CONTAINER_KINDS, CONTAINER_SIZES, NATIONS, PRIORITIES, REGIONS, SEGMENTS, SHIP_INSTRUCTIONS,
    SHIP_MODES, TYPE_FINISHES, TYPE_MATERIALS, TYPE_SIZES, TextPool,
)
from nl2sql.errors import ConfigError

START_DATE = date(1992, 1, 1)
CURRENT_DATE = date(1995, 6, 17)            # dbgen's "today": splits returned/open from the rest
LAST_ORDER_DATE = date(1998, 8, 2)          # END_DATE (1998-12-31) minus 151 days
ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,"

# Columns whose ints are hundredths (money, rates): loaded as DECIMAL(18,2) value / 100.
HUNDREDTHS: frozenset[str] = frozenset({
    "p_retailprice", "s_acctbal", "ps_supplycost", "c_acctbal", "o_totalprice",
    "l_extendedprice", "l_discount", "l_tax",
})

# column name -> values; read-only (Mapping/Sequence are covariant, so a list of ints is a column)
Columns = Mapping[str, Sequence[object]]


@dataclass(frozen=True)
class TpchSizes:
    """Row counts for a scale factor; SF 1 is dbgen's 10k suppliers, 200k parts, 150k customers."""

    suppliers: int
    parts: int
    customers: int
    orders: int
    clerks: int

    @classmethod
    def for_scale(cls, scale: float) -> "TpchSizes":
        """Floors keep tiny scales valid (each part needs 4 distinct suppliers).

        >>> TpchSizes.for_scale(0.01)
        TpchSizes(suppliers=100, parts=2000, customers=1500, orders=15000, clerks=10)
        """
        if not scale > 0:
            raise ConfigError(f"The demo scale must be a positive number such as 0.01, not {scale!r}.")
        customers = max(30, round(150_000 * scale))
        return cls(
            suppliers=max(8, round(10_000 * scale)),
            parts=max(20, round(200_000 * scale)),
            customers=customers,
            orders=10 * customers,
            clerks=max(1, round(1_000 * scale)),
        )


@dataclass(frozen=True)
class TpchData:
    """Generated tables, in load order (parents before children), each a column-name -> values map."""

    tables: tuple[tuple[str, Columns], ...]

    def table(self, name: str) -> Columns:
        return dict(self.tables)[name]


def generate(scale: float = 0.01, seed: int = 20_240_601) -> TpchData:
    sizes = TpchSizes.for_scale(scale)
    pool = TextPool(seed)
    part = _parts(sizes, _rng(seed, "part"), pool)
    offers = _part_suppliers(sizes)
    orders, lineitem = _orders_and_lines(sizes, _rng(seed, "orders"), pool, _retail_cents(sizes.parts), offers)
    return TpchData(tables=(
        ("region", _regions(_rng(seed, "region"), pool)),
        ("nation", _nations(_rng(seed, "nation"), pool)),
        ("part", part),
        ("supplier", _suppliers(sizes, _rng(seed, "supplier"), pool)),
        ("partsupp", _partsupp(sizes, _rng(seed, "partsupp"), pool, offers)),
        ("customer", _customers(sizes, _rng(seed, "customer"), pool)),
        ("orders", orders),
        ("lineitem", lineitem),
    ))


def _rng(seed: int, table: str) -> random.Random:
    return random.Random(f"tpch:{seed}:{table}")


def _regions(rng: random.Random, pool: TextPool) -> Columns:
    return {
        "r_regionkey": list(range(len(REGIONS))),
        "r_name": list(REGIONS),
        "r_comment": [pool.comment(rng, 31, 115) for _ in REGIONS],
    }


def _nations(rng: random.Random, pool: TextPool) -> Columns:
    return {
        "n_nationkey": list(range(len(NATIONS))),
        "n_name": [name for name, _ in NATIONS],
        "n_regionkey": [region for _, region in NATIONS],
        "n_comment": [pool.comment(rng, 31, 114) for _ in NATIONS],
    }


def _parts(sizes: TpchSizes, rng: random.Random, pool: TextPool) -> Columns:
    keys = list(range(1, sizes.parts + 1))
    mfgrs = [rng.randint(1, 5) for _ in keys]
    return {
        "p_partkey": keys,
        "p_name": [" ".join(rng.sample(COLORS, 5)) for _ in keys],
        "p_mfgr": [f"Manufacturer#{m}" for m in mfgrs],
        "p_brand": [f"Brand#{m}{rng.randint(1, 5)}" for m in mfgrs],
        "p_type": [f"{rng.choice(TYPE_SIZES)} {rng.choice(TYPE_FINISHES)} {rng.choice(TYPE_MATERIALS)}"
                   for _ in keys],
        "p_size": [rng.randint(1, 50) for _ in keys],
        "p_container": [f"{rng.choice(CONTAINER_SIZES)} {rng.choice(CONTAINER_KINDS)}" for _ in keys],
        "p_retailprice": _retail_cents(sizes.parts),
        "p_comment": [pool.comment(rng, 5, 22) for _ in keys],
    }


def _retail_cents(parts: int) -> list[int]:
    """dbgen's price formula, in cents: 900.00 + a spread that depends only on the key.

    >>> _retail_cents(2)
    [90100, 90200]
    """
    return [90_000 + (k // 10) % 20_001 + 100 * (k % 1_000) for k in range(1, parts + 1)]


def _part_suppliers(sizes: TpchSizes) -> list[tuple[int, int, int, int]]:
    """The 4 suppliers of each part (index = part key), by dbgen's formula.

    At tiny scales the formula can repeat a supplier for a part; the repeat moves to the next free
    supplier so (part, supplier) stays a key.
    """
    s = sizes.suppliers
    offers: list[tuple[int, int, int, int]] = [(0, 0, 0, 0)]
    for pk in range(1, sizes.parts + 1):
        chosen: list[int] = []
        for i in range(4):
            supp = (pk + i * (s // 4 + (pk - 1) // s)) % s + 1
            while supp in chosen:
                supp = supp % s + 1
            chosen.append(supp)
        offers.append((chosen[0], chosen[1], chosen[2], chosen[3]))
    return offers


def _phone(rng: random.Random, nation: int) -> str:
    return f"{nation + 10}-{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"


def _address(rng: random.Random) -> str:
    return "".join(rng.choices(ALNUM, k=rng.randint(10, 40))).strip(",") or "0"


def _suppliers(sizes: TpchSizes, rng: random.Random, pool: TextPool) -> Columns:
    keys = list(range(1, sizes.suppliers + 1))
    nations = [rng.randint(0, 24) for _ in keys]
    comments = [pool.comment(rng, 25, 100) for _ in keys]
    # dbgen plants "Customer ... Complaints" / "Customer ... Recommends" in a few supplier comments
    flagged = rng.sample(range(len(keys)), 2 * max(1, len(keys) // 50))
    for n, i in enumerate(flagged):
        word = "Complaints" if n % 2 == 0 else "Recommends"
        comments[i] = f"{pool.comment(rng, 5, 20)} Customer {pool.comment(rng, 5, 15)} {word} {pool.comment(rng, 5, 20)}"
    return {
        "s_suppkey": keys,
        "s_name": [f"Supplier#{k:09d}" for k in keys],
        "s_address": [_address(rng) for _ in keys],
        "s_nationkey": nations,
        "s_phone": [_phone(rng, n) for n in nations],
        "s_acctbal": [rng.randint(-99_999, 999_999) for _ in keys],
        "s_comment": comments,
    }


def _partsupp(sizes: TpchSizes, rng: random.Random, pool: TextPool,
              offers: list[tuple[int, int, int, int]]) -> Columns:
    parts = [pk for pk in range(1, sizes.parts + 1) for _ in range(4)]
    n = len(parts)
    return {
        "ps_partkey": parts,
        "ps_suppkey": [offers[pk][i % 4] for i, pk in enumerate(parts)],
        "ps_availqty": [rng.randint(1, 9_999) for _ in range(n)],
        "ps_supplycost": [rng.randint(100, 100_000) for _ in range(n)],
        "ps_comment": [pool.comment(rng, 49, 198) for _ in range(n)],
    }


def _customers(sizes: TpchSizes, rng: random.Random, pool: TextPool) -> Columns:
    keys = list(range(1, sizes.customers + 1))
    nations = [rng.randint(0, 24) for _ in keys]
    return {
        "c_custkey": keys,
        "c_name": [f"Customer#{k:09d}" for k in keys],
        "c_address": [_address(rng) for _ in keys],
        "c_nationkey": nations,
        "c_phone": [_phone(rng, n) for n in nations],
        "c_acctbal": [rng.randint(-99_999, 999_999) for _ in keys],
        "c_mktsegment": [rng.choice(SEGMENTS) for _ in keys],
        "c_comment": [pool.comment(rng, 29, 116) for _ in keys],
    }


def _orders_and_lines(sizes: TpchSizes, rng: random.Random, pool: TextPool, retail_cents: Sequence[int],
                      offers: list[tuple[int, int, int, int]]) -> tuple[Columns, Columns]:
    o_cols = ("o_orderkey", "o_custkey", "o_orderstatus", "o_totalprice", "o_orderdate", "o_orderpriority",
              "o_clerk", "o_shippriority", "o_comment")
    l_cols = ("l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity", "l_extendedprice",
              "l_discount", "l_tax", "l_returnflag", "l_linestatus", "l_shipdate", "l_commitdate",
              "l_receiptdate", "l_shipinstruct", "l_shipmode", "l_comment")
    orders: dict[str, list[object]] = {c: [] for c in o_cols}
    lines: dict[str, list[object]] = {c: [] for c in l_cols}
    day = [START_DATE + timedelta(days=d) for d in range((LAST_ORDER_DATE - START_DATE).days + 160)]
    current = (CURRENT_DATE - START_DATE).days
    last_order = (LAST_ORDER_DATE - START_DATE).days
    randint, choice = rng.randint, rng.choice
    add_line = [lines[c].append for c in l_cols]
    for i in range(sizes.orders):
        orderkey = (i // 8) * 32 + i % 8 + 1             # sparse keys: 8 used out of every 32
        custkey = randint(1, sizes.customers)
        while custkey % 3 == 0:                            # a third of the customers never order
            custkey = randint(1, sizes.customers)
        ordered = randint(0, last_order)
        total = 0
        statuses = set()
        for number in range(1, randint(1, 7) + 1):
            partkey = randint(1, sizes.parts)
            quantity = randint(1, 50)
            extended = quantity * retail_cents[partkey - 1]
            discount, tax = randint(0, 10), randint(0, 8)
            shipped = ordered + randint(1, 121)
            received = shipped + randint(1, 30)
            status = "O" if shipped > current else "F"
            statuses.add(status)
            total += extended * (100 - discount) * (100 + tax)
            values = (orderkey, partkey, offers[partkey][randint(0, 3)], number, quantity, extended,
                      discount, tax, choice("RA") if received <= current else "N", status, day[shipped],
                      day[ordered + randint(30, 90)], day[received], choice(SHIP_INSTRUCTIONS),
                      choice(SHIP_MODES), pool.comment(rng, 10, 43))
            for append, value in zip(add_line, values):
                append(value)
        order_values = (orderkey, custkey, statuses.pop() if len(statuses) == 1 else "P",
                        (total + 5_000) // 10_000, day[ordered], choice(PRIORITIES),
                        f"Clerk#{randint(1, sizes.clerks):09d}", 0, pool.comment(rng, 19, 78))
        for column, value in zip(o_cols, order_values):
            orders[column].append(value)
    return orders, lines
