"""Aggregates: the key figures of a budget, exact in 元 and displayed in 万元, computed once.

Tables, text and ``summary`` all read these (or group the same displayed facts); none of them adds
up amounts on its own. A displayed figure is the sum of the displayed values of its facts, so every
displayed total is the sum of its displayed parts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from budgetgen.ledger.build import Ledger
from budgetgen.ledger.facts import ZERO, ExpenditureKind, Fact
from budgetgen.model.types import ProjectCategory, UnitKind
from budgetgen.money import round_wan

THREE_PUBLIC_ITEMS: dict[str, str] = {
    "30212": "overseas",
    "31013": "vehicles_purchase",
    "30231": "vehicles_running",
    "30217": "reception",
}
CARRIED_OVER = "carried_over"
SHOWN_ZERO = Decimal("0.00")


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
        return self.shown.get(key, SHOWN_ZERO)

    def keys(self, family: str) -> list[str]:
        """The codes present in a family of figures (``"function"``, ``"class"`` …), sorted."""
        return sorted(k[1] for k in self.exact if isinstance(k, tuple) and k[0] == family and k[1] != "total")


def three_public_item(fact: Fact) -> str | None:
    """Which “三公” item a fact belongs to, if any (财政拨款 only)."""
    return THREE_PUBLIC_ITEMS.get(fact.econ_section) if fact.is_fiscal else None


def _keys(
    fact: Fact, running_units: set[str], categories: dict[tuple[str, str], ProjectCategory]
) -> Iterator[Hashable]:
    """Every key figure that a fact counts towards."""
    yield "total"
    if fact.kind is ExpenditureKind.PROJECT:
        yield "project"
    else:
        yield "basic"
        yield fact.kind.value  # "personnel" / "operating"
        if fact.kind is ExpenditureKind.OPERATING and fact.is_fiscal and fact.unit in running_units:
            yield "running_cost"
            yield ("running_cost", fact.unit)
    yield ("class", fact.function_class)
    yield ("section", fact.function_section)
    yield ("function", fact.function)
    yield ("income", CARRIED_OVER if fact.sub_source.is_carried_over else fact.source.value)
    item = three_public_item(fact)
    if item is not None:
        yield ("three_public", "total")
        yield ("three_public", item)
        if item.startswith("vehicles"):
            yield ("three_public", "vehicles")
    if fact.project is not None:
        category = categories[(fact.unit, fact.project)]
        yield ("performance", "total")
        yield ("performance", category.value)
        yield ("project_amount", fact.unit, fact.project)


def sum_by(
    pairs: Iterable[tuple[Fact, Decimal]], keys: Callable[[Fact], Iterable[Hashable]]
) -> tuple[dict[Hashable, Decimal], dict[Hashable, Decimal]]:
    """Exact 元 and displayed 万元 summed per key; the one way any figure is added up."""
    exact: dict[Hashable, Decimal] = defaultdict(lambda: ZERO)
    shown: dict[Hashable, Decimal] = defaultdict(lambda: SHOWN_ZERO)
    for fact, value in pairs:
        for key in keys(fact):
            exact[key] += fact.amount
            shown[key] += value
    return dict(exact), dict(shown)


def running_cost_units(ledger: Ledger) -> set[str]:
    """Units that report 机关运行经费: the unit kinds the profile names, and any unit stating its figure."""
    kinds: set[UnitKind] = set(ledger.settings.running_cost.unit_kinds)
    return {u.code for u in ledger.budget.units if u.kind in kinds or u.running_cost is not None}


def _stated_running_cost(
    ledger: Ledger, scope: set[str], exact: dict[Hashable, Decimal], shown: dict[Hashable, Decimal]
) -> None:
    """A unit's stated 运行经费 replaces the one derived from its 公用经费 (derived, unless stated)."""
    for unit in ledger.budget.units:
        if unit.code not in scope or unit.running_cost is None:
            continue
        key = ("running_cost", unit.code)
        exact["running_cost"] = exact.get("running_cost", ZERO) - exact.get(key, ZERO) + unit.running_cost
        shown["running_cost"] = (
            shown.get("running_cost", SHOWN_ZERO) - shown.get(key, SHOWN_ZERO) + round_wan(unit.running_cost)
        )
        exact[key], shown[key] = unit.running_cost, round_wan(unit.running_cost)


def _optional_sum(values: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of last year's figures, or None unless every unit stated its figure.

    A partial sum would compare this year's whole with part of last year's; unknown is honest.
    """
    listed = list(values)
    if not listed or any(v is None for v in listed):
        return None
    return sum((v for v in listed if v is not None), ZERO)


def compute_figures(ledger: Ledger, units: Iterable[str] | None = None) -> Figures:
    """The key figures of the given units (default: all units of the budget)."""
    scope = set(units) if units is not None else {u.code for u in ledger.budget.units}
    scoped = [u for u in ledger.budget.units if u.code in scope]
    categories = {(u.code, p.code): p.category for u in scoped for p in u.projects}
    running = running_cost_units(ledger)
    exact, shown = sum_by(
        ((f, v) for f, v in ledger.displayed() if f.unit in scope), lambda f: _keys(f, running, categories)
    )
    _stated_running_cost(ledger, scope, exact, shown)
    counts: dict[ProjectCategory, int] = dict.fromkeys(ProjectCategory, 0)
    for (unit, project), category in categories.items():
        if exact.get(("project_amount", unit, project), ZERO) > ZERO:
            counts[category] += 1
    return Figures(
        exact=exact,
        shown=shown,
        performance_counts=counts,
        last_year_total=_optional_sum(u.last_year.total for u in scoped),
        last_year_running_cost=_optional_sum(u.last_year.running_cost for u in scoped if u.code in running),
    )
