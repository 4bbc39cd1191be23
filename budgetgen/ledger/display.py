"""Displayed 万元 of every fact, rounded once for the whole budget.

Every figure a reader sees, in any table or sentence, is the sum of the displayed values of the
facts it covers. So a total always equals the sum of the rows it totals, in every table and in
both directions, and the same figure is the same in every table and in the text.

The facts are rounded by largest remainder down one hierarchy: the budget's total (rounded half
up) → unit → 基本/项目 → 人员/公用 → 项 → economic code → fact. Each figure of that hierarchy is
within a cent of its exact value; other groupings are sums of the same facts.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from decimal import Decimal

from budgetgen.ledger.facts import Fact
from budgetgen.money import round_tree, tree_from_paths


def display_path(fact: Fact) -> tuple[Hashable, ...]:
    """The keys of the rounding hierarchy above a fact (each unique across the tree)."""
    basic = "basic" if fact.kind.is_basic else "project"
    return (
        ("unit", fact.unit),
        ("unit", fact.unit, basic),
        ("unit", fact.unit, basic, fact.kind.value),
        ("unit", fact.unit, basic, fact.kind.value, fact.function),
        ("unit", fact.unit, basic, fact.kind.value, fact.function, fact.econ),
    )


def displayed_amounts(facts: Sequence[Fact]) -> tuple[Decimal, ...]:
    """Displayed 万元 of each fact, in the order of ``facts``; they add up to the rounded total."""
    leaves = [((*display_path(fact), ("fact", index)), fact.amount) for index, fact in enumerate(facts)]
    tree = tree_from_paths(("budget",), leaves)
    shown = round_tree(tree)
    return tuple(shown[("fact", index)] for index in range(len(facts)))
