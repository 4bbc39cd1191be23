"""Aggregates: the key figures of a budget, exact in 元 and displayed in 万元, computed once.

Tables, text and ``summary`` all read these; none of them adds up facts on its own. Each family of
figures is one displayed hierarchy (total → 基本/项目 → 人员/公用 → 机关运行经费; total → 类 → 款 → 项;
total → income sources; “三公” → items; performance → categories), rounded by ``money.round_tree``
so that every displayed total is the sum of its displayed parts.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from budgetgen.ledger.build import Ledger
from budgetgen.ledger.facts import ZERO, ExpenditureKind, Fact
from budgetgen.model.types import FundSource, ProjectCategory
from budgetgen.money import Node, round_tree, tree_from_paths

THREE_PUBLIC_ITEMS: dict[str, str] = {
    "30212": "overseas",
    "31013": "vehicles_purchase",
    "30231": "vehicles_running",
    "30217": "reception",
}
CARRIED_OVER = "carried_over"


@dataclass(frozen=True)
class Figures:
    """Key figures of a scope (the whole department, or one unit): exact 元 and displayed 万元."""

    exact: dict[Hashable, Decimal]
    shown: dict[Hashable, Decimal]
    performance_counts: dict[ProjectCategory, int] = field(default_factory=dict)
    last_year_total: Decimal | None = None
    last_year_running_cost: Decimal | None = None

    def amount(self, key: Hashable) -> Decimal:
        """Exact 元 of a figure (zero when absent)."""
        return self.exact.get(key, ZERO)

    def show(self, key: Hashable) -> Decimal:
        """Displayed 万元 of a figure (0.00 when absent)."""
        return self.shown.get(key, Decimal("0.00"))


def three_public_item(fact: Fact) -> str | None:
    """Which “三公” item a fact belongs to, if any (财政拨款 only)."""
    return THREE_PUBLIC_ITEMS.get(fact.econ_section) if fact.is_fiscal else None


def _kind_tree(ledger: Ledger, facts: list[Fact]) -> Node:
    running_kinds = set(ledger.settings.running_cost.unit_kinds)
    unit_kinds = {u.code: u.kind for u in ledger.budget.units}

    def path(fact: Fact) -> tuple[Hashable, ...]:
        if fact.kind is ExpenditureKind.PROJECT:
            return ("project",)
        if fact.kind is ExpenditureKind.PERSONNEL:
            return ("basic", "personnel")
        running = fact.is_fiscal and unit_kinds[fact.unit] in running_kinds
        return ("basic", "operating", "running_cost" if running else "operating_other")

    return tree_from_paths("total", ((path(f), f.amount) for f in facts))


def _function_tree(facts: list[Fact]) -> Node:
    return tree_from_paths(
        ("function", "total"),
        (
            ((("class", f.function_class), ("section", f.function_section), ("function", f.function)), f.amount)
            for f in facts
        ),
    )


def _income_tree(facts: list[Fact]) -> Node:
    def key(fact: Fact) -> Hashable:
        return ("income", CARRIED_OVER if fact.sub_source.is_carried_over else fact.source.value)

    return tree_from_paths(("income", "total"), (((key(f),), f.amount) for f in facts))


def _three_public_tree(facts: list[Fact]) -> Node:
    items = []
    for fact in facts:
        item = three_public_item(fact)
        if item is None:
            continue
        path: tuple[Hashable, ...] = (("three_public", item),)
        if item.startswith("vehicles"):
            path = (("three_public", "vehicles"), *path)
        items.append((path, fact.amount))
    return tree_from_paths(("three_public", "total"), items)


def _performance(ledger: Ledger, facts: list[Fact], units: set[str]) -> tuple[Node, dict[ProjectCategory, int]]:
    by_project: dict[tuple[str, str], Decimal] = {}
    for fact in facts:
        if fact.project is not None:
            key = (fact.unit, fact.project)
            by_project[key] = by_project.get(key, ZERO) + fact.amount
    counts: dict[ProjectCategory, int] = dict.fromkeys(ProjectCategory, 0)
    amounts: list[tuple[tuple[Hashable, ...], Decimal]] = []
    for unit in ledger.budget.units:
        if unit.code not in units:
            continue
        for project in unit.projects:
            amount = by_project.get((unit.code, project.code), ZERO)
            if amount > ZERO:
                counts[project.category] += 1
                amounts.append(((("performance", project.category.value),), amount))
    return tree_from_paths(("performance", "total"), amounts), counts


def _optional_sum(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, ZERO) if present else None


def compute_figures(ledger: Ledger, units: Iterable[str] | None = None) -> Figures:
    """The key figures of the given units (default: all units of the budget)."""
    scope = set(units) if units is not None else {u.code for u in ledger.budget.units}
    facts = [f for f in ledger.facts if f.unit in scope]
    performance, counts = _performance(ledger, facts, scope)
    exact: dict[Hashable, Decimal] = {}
    shown: dict[Hashable, Decimal] = {}
    for tree in (
        _kind_tree(ledger, facts),
        _function_tree(facts),
        _income_tree(facts),
        _three_public_tree(facts),
        performance,
    ):
        stack = [tree]
        while stack:
            node = stack.pop()
            exact[node.key] = node.amount
            stack.extend(node.children)
        shown.update(round_tree(tree))
    scoped = [u for u in ledger.budget.units if u.code in scope]
    return Figures(
        exact=exact,
        shown=shown,
        performance_counts=counts,
        last_year_total=_optional_sum(u.last_year.total for u in scoped),
        last_year_running_cost=_optional_sum(u.last_year.running_cost for u in scoped),
    )


def fiscal_sources() -> tuple[FundSource, ...]:
    """The three budget types in their display order."""
    return (FundSource.GENERAL_PUBLIC_BUDGET, FundSource.GOVERNMENT_FUND, FundSource.STATE_CAPITAL)
