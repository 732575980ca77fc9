"""``@clause("art5.2", "art8.1")``: which clauses of 附件4 (or sections of the contract) a property pins.

The key is machine-readable: ``tests/spec/spec_page.py`` reads the decorator's arguments with
``ast`` to group the properties by article in ``docs/spec.md``, and ``mutualaid rules --markdown
--tests tests`` finds the same keys, written as string literals, for ``docs/rules.md``. The first
key is the property's home; the others list it under their clause too. ``*DECIDING`` and
``*ARTICLE_KEYS`` (every clause) are for the whole-decision properties only, which ``docs/rules.md``
then leaves out rather than list under every clause.
"""

from __future__ import annotations

from mutualaid.clauses import PLAN

ARTICLE_KEYS = tuple(c.key for c in PLAN)
"""Every clause key of 附件4, in the plan's order (``art1`` … ``art9.2``)."""

DIAGNOSIS_CLAUSES = ("art6.4", "art6.5", "art6.6", "art6.8", "art6.10")
"""第六条's items with ICD-10 groups for the primary diagnosis."""
ITEM_CLAUSES = ("art6.7", "art6.8", "art6.9")
"""第六条's items that exclude a kind of cost."""
DECIDING = tuple(k for k in ARTICLE_KEYS if k != "art3")
"""Every clause that bears on a 2022 decision (第三条's contribution bears on none)."""

CONTRACT_SECTIONS = {
    "§1": "Input: a claim and its history",
    "§2": "Output: a decision",
    "§3": "The computation",
    "§5": "Bad input",
    "§7": "Fine points",
}
"""Sections of CONTRACT.md that a property may pin where no clause of the plan speaks."""


def clause(*keys: str):
    """Mark a property with the clause keys it pins down (refusing a key the plan does not have)."""
    if not keys:
        raise ValueError("@clause needs at least one clause key")
    for key in keys:
        if key not in ARTICLE_KEYS and key not in CONTRACT_SECTIONS:
            raise ValueError(f"{key!r} is neither a clause key of 附件4 nor a section of the contract")

    def mark(fn):
        fn.clauses = keys
        return fn

    return mark
