"""The word lists of TPC-H dbgen (``dists.dss``) and its comment text pool.

dbgen fills every ``*_comment`` column with a random slice of one long pseudo-English text built from a
small grammar ("<adjective> <noun> <adverb> <verb> <preposition> the <noun>."), so comments start and end
mid-word just as in ``samples.tpch``. We do the same, smaller, from a seeded ``random.Random``.
"""

from __future__ import annotations

import random

REGIONS: tuple[str, ...] = ("AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST")

# (name, region key) in nation-key order, exactly as dbgen numbers them.
NATIONS: tuple[tuple[str, int], ...] = (
    ("ALGERIA", 0), ("ARGENTINA", 1), ("BRAZIL", 1), ("CANADA", 1), ("EGYPT", 4),
    ("ETHIOPIA", 0), ("FRANCE", 3), ("GERMANY", 3), ("INDIA", 2), ("INDONESIA", 2),
    ("IRAN", 4), ("IRAQ", 4), ("JAPAN", 2), ("JORDAN", 4), ("KENYA", 0),
    ("MOROCCO", 0), ("MOZAMBIQUE", 0), ("PERU", 1), ("CHINA", 2), ("ROMANIA", 3),
    ("SAUDI ARABIA", 4), ("VIETNAM", 2), ("RUSSIA", 3), ("UNITED KINGDOM", 3), ("UNITED STATES", 1),
)

# The 92 colour words part names are drawn from (5 distinct words per name).
COLORS: tuple[str, ...] = tuple(["almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue", "blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral", "cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick", "floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green", "grey", "honeydew", "hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon", "light", "lime", "linen", "magenta", "maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin", "navajo", "navy", "olive", "orange", "orchid", "pale", "papaya", "peach", "peru", "pink", "plum", "powder", "puff", "purple", "red", "rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell", "sienna", "sky", "slate", "smoke", "snow", "spring", "steel", "tan", "thistle", "tomato", "turquoise", "violet", "wheat", "white", "yellow"])

TYPE_SIZES: tuple[str, ...] = ("STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO")
TYPE_FINISHES: tuple[str, ...] = ("ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED")
TYPE_MATERIALS: tuple[str, ...] = ("TIN", "NICKEL", "BRASS", "STEEL", "COPPER")
CONTAINER_SIZES: tuple[str, ...] = ("SM", "LG", "MED", "JUMBO", "WRAP")
CONTAINER_KINDS: tuple[str, ...] = ("CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM")
SEGMENTS: tuple[str, ...] = ("AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY")
PRIORITIES: tuple[str, ...] = ("1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW")
SHIP_INSTRUCTIONS: tuple[str, ...] = ("DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN")
SHIP_MODES: tuple[str, ...] = ("REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB")

NOUNS = tuple("""foxes ideas theodolites pinto_beans instructions dependencies excuses platelets asymptotes
courts dolphins multipliers sauternes warthogs frets dinos attainments somas Tiresias' patterns forges
braids hockey_players frays warhorses dugouts notornis epitaphs pearls tithes waters orbits gifts sheaves
depths sentiments decoys realms pains grouches escapades packages requests accounts deposits""".replace("_", " ").split())
VERBS = tuple(["sleep", "wake", "are", "cajole", "haggle", "nag", "use", "boost", "affix", "detect", "integrate", "maintain", "nod", "was", "lose", "sublate", "solve", "thrash", "promise", "engage", "hinder", "print", "x-ray", "breach", "eat", "grow", "impress", "mold", "poach", "serve", "run", "dazzle", "snooze", "doze", "unwind", "kindle", "play", "hang", "believe", "doubt"])
ADJECTIVES = tuple(["furious", "sly", "careful", "blithe", "quick", "fluffy", "slow", "quiet", "ruthless", "thin", "close", "dogged", "daring", "brave", "stealthy", "permanent", "enticing", "idle", "busy", "regular", "final", "ironic", "even", "bold", "silent", "special", "pending", "express", "unusual"])
ADVERBS = tuple(["sometimes", "always", "never", "furiously", "slyly", "carefully", "blithely", "quickly", "fluffily", "slowly", "quietly", "ruthlessly", "thinly", "closely", "doggedly", "daringly", "bravely", "stealthily", "permanently", "enticingly", "idly", "busily", "regularly", "finally", "ironically", "evenly", "boldly", "silently"])
PREPOSITIONS = ("about", "above", "according to", "across", "after", "against", "along", "among",
                "around", "at", "atop", "before", "behind", "beneath", "beside", "between", "beyond",
                "by", "despite", "during", "except", "for", "from", "inside", "instead of", "into",
                "near", "of", "on", "outside", "over", "past", "since", "through", "to", "toward",
                "under", "until", "upon", "without", "with", "within")
TERMINATORS = (".", ".", ".", ";", ":", "?", "!", " --")


def _sentence(rng: random.Random) -> str:
    """One grammar sentence, e.g. 'quick foxes sleep slyly about the final pinto beans.'"""
    c = rng.choice
    shape = rng.randrange(4)
    words: tuple[str, ...]
    if shape == 0:
        words = (c(ADJECTIVES), c(NOUNS), c(VERBS), c(ADVERBS))
    elif shape == 1:
        words = (c(NOUNS), c(VERBS), c(PREPOSITIONS), "the", c(ADJECTIVES), c(NOUNS))
    elif shape == 2:
        words = (c(ADJECTIVES), c(ADJECTIVES), c(NOUNS), c(ADVERBS), c(VERBS), c(PREPOSITIONS), "the", c(NOUNS))
    else:
        words = (c(ADVERBS), c(ADJECTIVES), c(NOUNS), c(VERBS))
    return " ".join(words) + c(TERMINATORS)


class TextPool:
    """A seeded pseudo-English text; ``comment(rng, lo, hi)`` cuts a random slice of lo..hi characters."""

    def __init__(self, seed: int, size: int = 200_000) -> None:
        rng = random.Random(f"{seed}:text")
        parts: list[str] = []
        length = 0
        while length < size:
            s = _sentence(rng)
            parts.append(s)
            length += len(s) + 1
        self.text = " ".join(parts)

    def comment(self, rng: random.Random, lo: int, hi: int) -> str:
        n = rng.randint(lo, hi)
        start = rng.randrange(len(self.text) - n)
        return self.text[start:start + n].strip()
