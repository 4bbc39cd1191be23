"""Balance rules (收支平衡, 控制数): what a unit states as income must equal what it spends."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from budgetgen.checks.context import CheckContext
from budgetgen.checks.registry import Finding, rule
from budgetgen.diagnostics import Severity


def _key(source: str, carried: bool) -> tuple[str, str]:
    return (source, "上年结转" if carried else "本年")


@rule("BG-C101", Severity.ERROR, "收支不平衡", "a unit's stated income differs from its expenditure")
def income_equals_expenditure(ctx: CheckContext) -> Iterator[Finding]:
    """收入合计 = 支出合计, per unit."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        if not unit.income:
            continue
        income = sum((entry.amount for entry in unit.income), Decimal(0))
        spent = sum((f.amount for f in ctx.ledger.facts if f.unit == unit.code), Decimal(0))
        if income != spent:
            yield Finding(
                f"单位 {unit.code} 收入合计 {ctx.money(income)} 与支出合计 {ctx.money(spent)} 不相等"
                f"（相差 {ctx.money(income - spent)}）",
                ("units", u, "income"),
            )


@rule("BG-C102", Severity.ERROR, "资金来源与控制数不符", "spending per fund source differs from the stated income")
def allocations_match_control_numbers(ctx: CheckContext) -> Iterator[Finding]:
    """Per unit, fund source and year of the money: stated income (控制数) = spending."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        if not unit.income:
            continue
        stated: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        where: dict[tuple[str, str], int] = {}
        for i, entry in enumerate(unit.income):
            key = _key(entry.source.value, entry.sub_source.is_carried_over)
            stated[key] += entry.amount
            where.setdefault(key, i)
        spent: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for fact in ctx.ledger.facts:
            if fact.unit == unit.code:
                spent[_key(fact.source.value, fact.sub_source.is_carried_over)] += fact.amount
        for key in sorted(set(stated) | set(spent)):
            if stated.get(key, Decimal(0)) != spent.get(key, Decimal(0)):
                source, year = key
                path = ("units", u, "income", where[key]) if key in where else ("units", u, "income")
                yield Finding(
                    f"单位 {unit.code} {year}{source}：控制数 {ctx.money(stated.get(key, Decimal(0)))}，"
                    f"安排支出 {ctx.money(spent.get(key, Decimal(0)))}",
                    path,
                )


@rule("BG-C103", Severity.WARNING, "未填写收入控制数", "a unit spends money but states no income to check it against")
def income_stated(ctx: CheckContext) -> Iterator[Finding]:
    """Without stated income the balance rules cannot check anything."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        if not unit.income and any(f.unit == unit.code for f in ctx.ledger.facts):
            yield Finding(f"单位 {unit.code} 未填写收入（控制数），无法核对收支平衡", ("units", u))
