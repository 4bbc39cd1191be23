"""Classification rules: 项 and economic codes that belong together, unit kinds and their 项."""

from __future__ import annotations

from collections.abc import Iterator

from budgetgen.checks.context import CheckContext
from budgetgen.checks.registry import Finding, rule
from budgetgen.diagnostics import Severity
from budgetgen.ledger.aggregates import running_cost_units
from budgetgen.model.types import UnitKind


@rule(
    "BG-C120", Severity.ERROR, "功能科目与经济科目不匹配", "an economic code booked on a 项 the profile does not allow"
)
def econ_on_allowed_function(ctx: CheckContext) -> Iterator[Finding]:
    """E.g. 住房公积金 30113 only on 2210201 (the profile's ``checks.econ_functions``)."""
    allowed = ctx.ledger.settings.checks.econ_functions
    catalog = ctx.ledger.catalog
    for fact in ctx.ledger.facts:
        prefixes = next(
            (allowed[fact.econ[:n]] for n in range(len(fact.econ), 2, -1) if fact.econ[:n] in allowed), None
        )
        if prefixes is not None and not fact.function.startswith(tuple(prefixes)):
            where = "、".join(prefixes)
            yield Finding(
                f"经济科目 {fact.econ} {catalog.econ_name(fact.econ_section)} 列在了 {fact.function} "
                f"{catalog.function_name(fact.function)}，应列在 {where}",
                fact.path,
            )


@rule(
    "BG-C121",
    Severity.WARNING,
    "单位类型与主要功能科目不符",
    "行政运行 项 for a 事业 unit, or 事业运行 for a 行政 unit",
)
def main_function_fits_kind(ctx: CheckContext) -> Iterator[Finding]:
    """行政运行 (xxxxx01) is for 行政 and 参公 units, 事业运行 (xxxxx50) for 事业 units."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        code = unit.main_function
        if unit.kind is UnitKind.PUBLIC_INSTITUTION and code.endswith("01"):
            yield Finding(
                f"事业单位的主要功能科目 {code} 是“行政运行”，通常应为“事业运行”", ("units", u, "main_function")
            )
        elif unit.kind is not UnitKind.PUBLIC_INSTITUTION and code.endswith("50"):
            yield Finding(
                f"{unit.kind.value}单位的主要功能科目 {code} 是“事业运行”，通常应为“行政运行”",
                ("units", u, "main_function"),
            )


@rule(
    "BG-C122",
    Severity.WARNING,
    "非机关运行经费单位填写了上年机关运行经费",
    "running cost stated for a unit kind that reports none",
)
def running_cost_only_for_agencies(ctx: CheckContext) -> Iterator[Finding]:
    """机关运行经费 counts only the unit kinds the profile names, and units that state this year's figure."""
    running = running_cost_units(ctx.ledger)  # the same units BG-C150 and the figures count
    name = ctx.ledger.settings.running_cost.name
    for u, unit in enumerate(ctx.ledger.budget.units):
        if unit.code not in running and unit.last_year.running_cost:
            yield Finding(
                f"{unit.kind.value}单位不报告{name}，上年数不会被使用", ("units", u, "last_year", "running_cost")
            )


@rule(
    "BG-C123", Severity.WARNING, "功能科目与推导规则不同", "a stated 项 departs from the one the profile's rules give"
)
def stated_function_departs_from_rule(ctx: CheckContext) -> Iterator[Finding]:
    """A stated 项 wins, but a reviewer should see where it differs from the rule."""
    derivation = ctx.ledger.settings.derivation
    for fact in ctx.ledger.facts:
        if fact.function_derived or fact.kind.value == "project":
            continue
        unit = ctx.ledger.unit(fact.unit)
        staff = None
        if fact.path[2:3] == ("staff",):
            staff = unit.staff[int(fact.path[3])].kind
        rule_code = derivation.function_for(fact.econ, unit.kind, staff) or unit.main_function
        if rule_code != fact.function:
            yield Finding(
                f"{fact.econ} 列在 {fact.function}，按规则应为 {rule_code}（如确属特殊核算可忽略）", fact.path
            )
