"""Contribution rules: a stated contribution stays within its stated rate of its base."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from budgetgen.checks.context import CheckContext
from budgetgen.checks.registry import Finding, rule
from budgetgen.diagnostics import Severity
from budgetgen.ledger.build import contribution_base, contribution_rules

TOLERANCE = Decimal(1)  # 元


@rule("BG-C130", Severity.WARNING, "缴费金额与比例不符", "a stated contribution differs from its stated rate x base")
def contribution_matches_rate(ctx: CheckContext) -> Iterator[Finding]:
    """When a rule states both an amount and a rate, the amount should be rate x base (within 1 元)."""
    budget = ctx.ledger.budget
    for unit in budget.units:
        for rule_, path in contribution_rules(budget, unit):
            if rule_.amount is None or rule_.rate is None or (rule_.base is None and rule_.base_amount is None):
                continue
            computed = rule_.rate * contribution_base(unit, rule_)
            if abs(computed - rule_.amount) > TOLERANCE:
                yield Finding(
                    f"{rule_.econ} 缴费填写为 {rule_.amount} 元，按比例 {rule_.rate} × 基数计算应为 "
                    f"{computed.quantize(Decimal('0.01'))} 元",
                    (*path, "amount"),
                )
