"""What a bulk catalog read covers (``BulkScope``: whole catalogs and single schemas, parsed from a
``scope=`` setting) and its limits (``BulkOptions``: the time budget and the page size)."""

from __future__ import annotations

from dataclasses import dataclass

from catalog_semantics.errors import CatalogError


@dataclass(frozen=True)
class BulkScope:
    """Catalogs read whole and catalog.schema pairs read alone: ``parse("main, samples.tpch, samples.nyctaxi")``."""

    catalogs: tuple[str, ...] = ()
    schemas: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> "BulkScope":
        """Comma-separated ``catalog`` or ``catalog.schema`` (``catalog.*`` = the whole catalog).

        >>> BulkScope.parse("main, samples.tpch, samples.nyctaxi, dev.*")
        BulkScope(catalogs=('main', 'dev'), schemas=(('samples', 'tpch'), ('samples', 'nyctaxi')))
        """
        catalogs: list[str] = []
        schemas: list[tuple[str, str]] = []
        for entry in (e.strip() for e in text.split(",")):
            if not entry:
                continue
            parts = [p.strip().strip("`") for p in entry.split(".")]
            if len(parts) == 1 or (len(parts) == 2 and parts[1] == "*"):
                catalogs.append(parts[0])
            elif len(parts) == 2 and all(parts):
                schemas.append((parts[0], parts[1]))
            else:
                raise CatalogError(f"{entry!r} is not a catalog or catalog.schema.",
                                   hint="e.g. scope=main (a whole catalog) or scope=main.sales,main.hr")
        return cls(tuple(catalogs), tuple(s for s in schemas if s[0] not in catalogs))

    def by_catalog(self) -> dict[str, tuple[str, ...] | None]:
        """Each catalog and its schemas (None: all of them)."""
        out: dict[str, tuple[str, ...] | None] = {c: None for c in self.catalogs}
        for catalog, schema in self.schemas:
            out[catalog] = (*(out.get(catalog) or ()), schema)
        return out


@dataclass(frozen=True)
class BulkOptions:
    time_budget_s: float = 300.0                # NL2SQL_DATABRICKS_CATALOG_BUDGET_S: the whole read
    page_rows: int = 5_000                      # rows held from the driver at once
