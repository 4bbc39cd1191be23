"""The figures the explanatory text speaks of, read from the same displayed facts as the tables.

Nothing here adds up amounts by itself: every figure comes from ``aggregates.sum_by`` over the
ledger's displayed facts, exactly as the tables' cells do, so text and tables cannot disagree.
Shares are computed from the exact 元 and add up to 100.00%; changes on last year compare the
displayed amounts, so the reader can check them against the printed figures.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from budgetgen.ledger.aggregates import (
    SHOWN_ZERO,
    Figures,
    compute_figures,
    running_cost_units,
    sum_by,
)
from budgetgen.ledger.build import Ledger
from budgetgen.ledger.facts import ExpenditureKind, Fact
from budgetgen.model.types import FundSource, ProjectCategory, SubSource
from budgetgen.money import percent_change, round_tree, round_wan, shares, tree_from_paths


@dataclass(frozen=True)
class Amount:
    """A figure as the text uses it: displayed 万元, exact 元 and (within its whole) its share."""

    shown: Decimal
    exact: Decimal
    share: Decimal | None = None


@dataclass(frozen=True)
class Change:
    """A figure against last year's: direction (增加 / 减少 / 持平), displayed difference, percent."""

    current: Decimal
    previous: Decimal | None
    difference: Decimal | None = None
    percent: Decimal | None = None

    @property
    def known(self) -> bool:
        """Whether last year's figure was stated."""
        return self.previous is not None

    @property
    def direction(self) -> str:
        """增加, 减少 or 持平."""
        if self.difference is None or self.difference == 0:
            return "持平"
        return "增加" if self.difference > 0 else "减少"


@dataclass(frozen=True)
class Named:
    """A code with its name and amount (a 类, a 项, an income source)."""

    code: str
    name: str
    amount: Amount
    extra: dict[str, str] = field(default_factory=dict)


def change(current: Decimal, current_exact: Decimal, previous_exact: Decimal | None) -> Change:
    """This year against last year: the difference of the displayed amounts, the percent from 元."""
    if previous_exact is None:
        return Change(current, None)
    previous = round_wan(previous_exact)
    return Change(current, previous, current - previous, percent_change(current_exact, previous_exact))


def _with_shares(items: list[tuple[str, str, Decimal, Decimal]]) -> list[Named]:
    percents = shares([exact for _, _, _, exact in items])
    return [
        Named(code, name, Amount(shown, exact, share))
        for (code, name, shown, exact), share in zip(items, percents, strict=True)
    ]


def _group(
    pairs: Iterable[tuple[Fact, Decimal]], key: Callable[[Fact], Hashable]
) -> tuple[dict[Hashable, Decimal], dict[Hashable, Decimal]]:
    return sum_by(pairs, lambda f: (key(f),))


INCOME_NAMES: dict[str, str] = {
    FundSource.GENERAL_PUBLIC_BUDGET.value: "一般公共预算拨款收入",
    FundSource.GOVERNMENT_FUND.value: "政府性基金预算拨款收入",
    FundSource.STATE_CAPITAL.value: "国有资本经营预算拨款收入",
    FundSource.SPECIAL_ACCOUNT.value: "财政专户管理资金收入",
    FundSource.SERVICE.value: "事业收入",
    FundSource.OPERATING.value: "事业单位经营收入",
    FundSource.SUPERIOR_GRANT.value: "上级补助收入",
    FundSource.SUBSIDIARY_REMITTANCE.value: "附属单位上缴收入",
    FundSource.OTHER.value: "其他收入",
    FundSource.INSTITUTION_FUND.value: "用事业基金弥补收支差额",
    "carried_over": "上年结转",
}


@dataclass(frozen=True)
class SourceFigures:
    """One fund source's spending: whole, 基本 / 项目 (shares of the whole), 人员 / 公用 (shares of 基本),
    and its change on last year's figure where the input states one."""

    total: Amount
    basic: Amount
    project: Amount
    personnel: Amount
    operating: Amount
    change: Change


# last year's figure of each budget type (``LastYear`` fields)
LAST_YEAR_BY_SOURCE = {
    FundSource.GENERAL_PUBLIC_BUDGET: "general_public",
    FundSource.GOVERNMENT_FUND: "government_fund",
    FundSource.STATE_CAPITAL: "state_capital",
}


def source_figures(ledger: Ledger, source: FundSource, previous: Decimal | None) -> SourceFigures:
    """The figures of one fund source (all sub-sources: this year's, advance-notified and carried-over money)."""
    pairs = _scoped(ledger, lambda f: f.source is source)
    basic = [(f, v) for f, v in pairs if f.kind.is_basic]
    project = [(f, v) for f, v in pairs if not f.kind.is_basic]
    personnel = [(f, v) for f, v in basic if f.kind is ExpenditureKind.PERSONNEL]
    operating = [(f, v) for f, v in basic if f.kind is ExpenditureKind.OPERATING]
    total, parts, inner = _total(pairs), [_total(basic), _total(project)], [_total(personnel), _total(operating)]
    split, split_basic = shares([a.exact for a in parts]), shares([a.exact for a in inner])
    return SourceFigures(
        total=total,
        basic=Amount(parts[0].shown, parts[0].exact, split[0]),
        project=Amount(parts[1].shown, parts[1].exact, split[1]),
        personnel=Amount(inner[0].shown, inner[0].exact, split_basic[0]),
        operating=Amount(inner[1].shown, inner[1].exact, split_basic[1]),
        change=change(total.shown, total.exact, previous),
    )


@dataclass(frozen=True)
class TextFacts:
    """Everything the text templates may say about the numbers."""

    figures: Figures
    total: Amount
    basic: Amount
    project: Amount
    personnel: Amount
    operating: Amount
    total_change: Change
    income: list[Named]
    classes: list[Named]
    fiscal: Amount
    fiscal_change: Change
    fiscal_income: list[Named]
    fiscal_classes: list[Named]
    general_current: Amount
    general_current_change: Change
    general_current_classes: list[Named]
    general_current_items: list[Named]
    general_basic: Amount
    general_personnel: Amount
    general_operating: Amount
    personnel_sections: list[str]
    operating_sections: list[str]
    three_public: dict[str, Amount]
    three_public_changes: dict[str, Change]
    government_fund: Amount
    government_fund_items: list[Named]
    state_capital: Amount
    state_capital_items: list[Named]
    running_cost: Amount
    running_cost_change: Change
    has_running_cost_units: bool
    procurement: dict[str, Amount]
    performance: dict[str, tuple[int, Amount]]
    functions_used: list[Named]
    operating_items: list[Named] = field(default_factory=list)  # 公用经费 by economic 款, in code order
    by_source: dict[str, SourceFigures] = field(default_factory=dict)  # per fund source (value of FundSource)


def _amount(figures: Figures, key: Hashable) -> Amount:
    return Amount(figures.show(key), figures.amount(key))


def _named_groups(
    ledger: Ledger, pairs: list[tuple[Fact, Decimal]], key: Callable[[Fact], str]
) -> list[tuple[str, str, Decimal, Decimal]]:
    exact, shown = _group(pairs, key)
    return [
        (str(code), ledger.catalog.function_name(str(code)), shown[code], exact[code])
        for code in sorted(exact, key=str)
    ]


def _scoped(ledger: Ledger, predicate: Callable[[Fact], bool]) -> list[tuple[Fact, Decimal]]:
    return [(f, v) for f, v in ledger.displayed() if predicate(f)]


def _total(pairs: list[tuple[Fact, Decimal]]) -> Amount:
    return Amount(sum((v for _, v in pairs), SHOWN_ZERO), sum((f.amount for f, _ in pairs), Decimal(0)))


def _section_names(ledger: Ledger, pairs: list[tuple[Fact, Decimal]], classes: tuple[str, ...]) -> list[str]:
    sections = sorted({f.econ_section for f, _ in pairs if f.econ_class in classes})
    return [ledger.catalog.econ_name(code) for code in sections]


def _is_current(fact: Fact) -> bool:
    return not fact.sub_source.is_carried_over


def build_text_facts(ledger: Ledger) -> TextFacts:
    """Read every figure the text needs from the ledger's displayed facts."""
    figures = compute_figures(ledger)
    units = ledger.budget.units
    last_total = figures.last_year_total

    def last(field_name: str) -> Decimal | None:
        values = [getattr(u.last_year, field_name) for u in units]
        return None if None in values else sum((v for v in values if v is not None), Decimal(0))

    total = _amount(figures, "total")
    income_keys = [*(s.value for s in FundSource), "carried_over"]
    income = _with_shares(
        [
            (key, INCOME_NAMES[key], figures.show(("income", key)), figures.amount(("income", key)))
            for key in income_keys
            if figures.amount(("income", key))
        ]
    )
    classes = _with_shares(
        [
            (c, ledger.catalog.function_name(c), figures.show(("class", c)), figures.amount(("class", c)))
            for c in figures.keys("class")
        ]
    )
    basic_project = shares([figures.amount("basic"), figures.amount("project")])

    fiscal_pairs = _scoped(ledger, lambda f: f.is_fiscal)
    fiscal = _total(fiscal_pairs)
    fiscal_income_groups: dict[str, list[tuple[Fact, Decimal]]] = {}
    for fact, value in fiscal_pairs:
        prefix = "上年结转" if fact.sub_source.is_carried_over else "本年"
        fiscal_income_groups.setdefault(f"{prefix}{INCOME_NAMES[fact.source.value]}", []).append((fact, value))
    fiscal_income = [Named(name, name, _total(group)) for name, group in fiscal_income_groups.items()]
    fiscal_classes = _with_shares(_named_groups(ledger, fiscal_pairs, lambda f: f.function_class))

    general_pairs = _scoped(ledger, lambda f: f.source is FundSource.GENERAL_PUBLIC_BUDGET and _is_current(f))
    general_current = _total(general_pairs)
    general_classes = _with_shares(_named_groups(ledger, general_pairs, lambda f: f.function_class))
    general_items = _with_shares(_named_groups(ledger, general_pairs, lambda f: f.function))
    general_basic_pairs = [
        (f, v) for f, v in _scoped(ledger, lambda f: f.source is FundSource.GENERAL_PUBLIC_BUDGET) if f.kind.is_basic
    ]
    personnel_pairs = [(f, v) for f, v in general_basic_pairs if f.kind is ExpenditureKind.PERSONNEL]
    operating_pairs = [(f, v) for f, v in general_basic_pairs if f.kind is ExpenditureKind.OPERATING]

    three = {
        key: _amount(figures, ("three_public", key))
        for key in ("total", "overseas", "vehicles", "vehicles_purchase", "vehicles_running", "reception")
    }
    previous_three: dict[str, Decimal | None] = {}
    stated = [u.last_year.three_public for u in units]
    for key in ("overseas", "vehicles_purchase", "vehicles_running", "reception"):
        known = None not in stated
        previous_three[key] = sum((getattr(t, key) for t in stated if t is not None), Decimal(0)) if known else None
    purchase, vehicle_running = previous_three["vehicles_purchase"], previous_three["vehicles_running"]
    previous_three["vehicles"] = None if purchase is None or vehicle_running is None else purchase + vehicle_running
    values = [v for k, v in previous_three.items() if k in ("overseas", "vehicles", "reception")]
    previous_three["total"] = None if None in values else sum((v for v in values if v is not None), Decimal(0))
    three_changes = {key: change(three[key].shown, three[key].exact, previous_three.get(key)) for key in three}

    def fund(source: FundSource) -> tuple[Amount, list[Named]]:
        pairs = _scoped(ledger, lambda f: f.source is source)
        return _total(pairs), _with_shares(_named_groups(ledger, pairs, lambda f: f.function))

    government_fund, government_fund_items = fund(FundSource.GOVERNMENT_FUND)
    state_capital, state_capital_items = fund(FundSource.STATE_CAPITAL)

    running = _amount(figures, "running_cost")
    procurement_items = [((p.category.value,), p.amount) for u in units for p in u.procurement]
    procurement_tree = tree_from_paths("total", procurement_items)
    procurement_shown = round_tree(procurement_tree)
    procurement = {"total": Amount(procurement_shown["total"], procurement_tree.amount)}
    for node in procurement_tree.children:
        procurement[str(node.key)] = Amount(procurement_shown[node.key], node.amount)

    performance = {
        category.value: (figures.performance_counts[category], _amount(figures, ("performance", category.value)))
        for category in ProjectCategory
    }
    total_count = sum(count for count, _ in performance.values())
    performance["total"] = (total_count, _amount(figures, ("performance", "total")))

    operating_all = _scoped(ledger, lambda f: f.kind is ExpenditureKind.OPERATING)
    exact_by_section, shown_by_section = _group(operating_all, lambda f: f.econ_section)
    operating_items = [
        Named(str(code), ledger.catalog.econ_name(str(code)), Amount(shown_by_section[code], exact_by_section[code]))
        for code in sorted(exact_by_section, key=str)
    ]
    used = [
        Named(code, ledger.catalog.function_name(code), _amount(figures, ("function", code)))
        for code in figures.keys("function")
    ]
    by_source = {
        source.value: source_figures(
            ledger, source, last(LAST_YEAR_BY_SOURCE[source]) if source in LAST_YEAR_BY_SOURCE else None
        )
        for source in FundSource
    }
    return TextFacts(
        by_source=by_source,
        figures=figures,
        total=total,
        basic=Amount(figures.show("basic"), figures.amount("basic"), basic_project[0]),
        project=Amount(figures.show("project"), figures.amount("project"), basic_project[1]),
        personnel=_amount(figures, "personnel"),
        operating=_amount(figures, "operating"),
        total_change=change(total.shown, total.exact, last_total),
        income=income,
        classes=classes,
        fiscal=fiscal,
        fiscal_change=change(
            fiscal.shown, fiscal.exact, last("fiscal_total") if last("fiscal_total") is not None else last_total
        ),
        fiscal_income=fiscal_income,
        fiscal_classes=fiscal_classes,
        general_current=general_current,
        general_current_change=change(
            general_current.shown,
            general_current.exact,
            next(
                (v for v in (last("general_public_current"), last("fiscal_total"), last_total) if v is not None), None
            ),
        ),
        general_current_classes=general_classes,
        general_current_items=general_items,
        general_basic=_total(general_basic_pairs),
        general_personnel=_total(personnel_pairs),
        general_operating=_total(operating_pairs),
        personnel_sections=_section_names(ledger, personnel_pairs, ("301", "303")),
        operating_sections=_section_names(ledger, operating_pairs, ("302", "310")),
        three_public=three,
        three_public_changes=three_changes,
        government_fund=government_fund,
        government_fund_items=government_fund_items,
        state_capital=state_capital,
        state_capital_items=state_capital_items,
        running_cost=running,
        running_cost_change=change(running.shown, running.exact, figures.last_year_running_cost),
        has_running_cost_units=bool(running_cost_units(ledger)),
        procurement=procurement,
        performance=performance,
        functions_used=used,
        operating_items=operating_items,
    )


def class_short_name(name: str) -> str:
    """A 类 name without its trailing 支出, as the 具体使用情况 sentences write it."""
    return name.removesuffix("支出")


__all__ = [
    "Amount",
    "Change",
    "Named",
    "SourceFigures",
    "SubSource",
    "TextFacts",
    "build_text_facts",
    "class_short_name",
]
