"""Code legends in a column's description: "CMP completed, CNX cancelled", "Event type (STY storytime, ...)". The
(code, label) pairs, when at least two items are codes the column holds, so that a sentence is never read as one."""

from __future__ import annotations

import re

# "WX weather, ATC air traffic control" / "Cabin - F first, J business": a list of stored codes, each with its label
_CODE_ITEM = re.compile(r"^\s*([A-Z0-9][A-Z0-9-]{0,4})\s+([A-Za-z][A-Za-z -]*?)\s*(?:\([^)]*\))?\s*\.?\s*$")
_CODE_PAREN = re.compile(r"\b([A-Z0-9][A-Z0-9-]{0,4})\s*\(\s*([A-Za-z][A-Za-z ]*?)\s*\)")   # "GLD (gold)"


def code_list(comment: str | None, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(code, label) pairs of a comment that lists stored codes with their meanings, when at least two of
    its items are codes the column holds (so a sentence is never read as one).

    >>> code_list("CMP completed, CNX cancelled, DVT diverted", ("CMP", "CNX", "DVT"))
    (('CMP', 'completed'), ('CNX', 'cancelled'), ('DVT', 'diverted'))
    >>> code_list("Sales channel - WEB website, TA travel agent.", ("WEB", "TA"))
    (('WEB', 'website'), ('TA', 'travel agent'))
    >>> code_list("Tier; NON = not a member, then BRZ (bronze), GLD (gold).", ("NON", "BRZ", "GLD"))
    (('BRZ', 'bronze'), ('GLD', 'gold'))
    >>> code_list("IND individual (personal lines), BUS business (commercial lines)", ("IND", "BUS"))
    (('IND', 'individual'), ('BUS', 'business'))
    >>> code_list("Lead source: WEB own website, 3PL third-party site.", ("WEB", "3PL"))
    (('WEB', 'own website'), ('3PL', 'third-party site'))
    >>> code_list("Aircraft type code: E175, A320", ("E175", "A320"))
    ()
    >>> code_list("Event type (STY storytime, TEN teen night).", ("STY", "TEN"))
    (('STY', 'storytime'), ('TEN', 'teen night'))
    """
    text = re.split(r"\s[-:]\s|:\s", comment or "", maxsplit=1)[-1]
    text = m.group(1) if (m := re.search(r"\(([^()]*,[^()]*)\)", text)) else text     # "Event type (STY storytime, ...)"
    known = set(values)
    found = [(m.group(1), m.group(2)) for part in re.split(r"[,;]", text)
             if (m := _CODE_ITEM.match(part) or _CODE_PAREN.search(part)) and m.group(1) in known]
    return tuple(found) if len(found) >= 2 else ()
