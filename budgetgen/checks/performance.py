"""Performance-target rules (绩效目标): every project with money has a goal and complete indicators."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from budgetgen.checks.context import CheckContext
from budgetgen.checks.registry import Finding, rule
from budgetgen.diagnostics import Severity
from budgetgen.model.budget import Project, Unit


def _funded(ctx: CheckContext) -> Iterator[tuple[int, Unit, int, Project]]:
    funded = {(f.unit, f.project) for f in ctx.ledger.facts if f.project is not None}
    for u, unit in enumerate(ctx.ledger.budget.units):
        for p, project in enumerate(unit.projects):
            if (unit.code, project.code) in funded:
                yield u, unit, p, project


@rule("BG-C110", Severity.ERROR, "项目缺少年度目标", "a project with money has no 年度目标")
def project_has_goal(ctx: CheckContext) -> Iterator[Finding]:
    """Every funded project states its 年度目标."""
    for u, _unit, p, project in _funded(ctx):
        if not project.annual_goal:
            yield Finding(f"项目“{project.name}”有预算但没有年度目标（annual_goal）", ("units", u, "projects", p))


@rule("BG-C111", Severity.ERROR, "项目支出缺少绩效指标", "a 项目支出 project with money has no indicators")
def project_has_indicators(ctx: CheckContext) -> Iterator[Finding]:
    """项目支出 projects (特定目标类, 其他运转类) are published with their indicators (附表13)."""
    for u, _unit, p, project in _funded(ctx):
        if not project.category.is_basic and not project.indicators:
            yield Finding(f"项目“{project.name}”有预算但没有绩效指标（indicators）", ("units", u, "projects", p))


@rule("BG-C112", Severity.WARNING, "基本支出项目缺少绩效指标", "a 人员类 / 运转类 project has no indicators")
def basic_project_has_indicators(ctx: CheckContext) -> Iterator[Finding]:
    """人员类 / 运转类 projects need targets in the 一体化 system too, though the package does not print them."""
    for u, _unit, p, project in _funded(ctx):
        if project.category.is_basic and not project.indicators:
            yield Finding(f"{project.category.value}项目“{project.name}”没有绩效指标", ("units", u, "projects", p))


@rule(
    "BG-C113", Severity.ERROR, "指标权重之和不对", "indicator weights do not add up to 100 minus the 预算执行率 weight"
)
def weights_add_up(ctx: CheckContext) -> Iterator[Finding]:
    """Weights of a project's indicators add up to 100 - 预算执行率权重 (default 90)."""
    expected = Decimal(100) - ctx.ledger.settings.performance.execution_weight
    for u, _unit, p, project in _funded(ctx):
        if not project.indicators:
            continue
        unweighted = [i for i, indicator in enumerate(project.indicators) if indicator.weight is None]
        if unweighted:
            yield Finding(
                f"项目“{project.name}”有 {len(unweighted)} 个指标没有权重（weight）",
                ("units", u, "projects", p, "indicators", unweighted[0]),
            )
            continue
        total = sum((i.weight or Decimal(0) for i in project.indicators), Decimal(0))
        if total != expected:
            yield Finding(
                f"项目“{project.name}”的指标权重之和为 {total.normalize():f}，应为 {expected.normalize():f}"
                f"（另有预算执行率权重 {ctx.ledger.settings.performance.execution_weight.normalize():f}）",
                ("units", u, "projects", p, "indicators"),
            )


@rule("BG-C114", Severity.ERROR, "指标缺少度量单位", "an indicator has no unit of measure")
def indicator_complete(ctx: CheckContext) -> Iterator[Finding]:
    """Every indicator states 性质, 指标值 and 度量单位 (性质 and 值 are required by the input model)."""
    for u, _unit, p, project in _funded(ctx):
        for i, indicator in enumerate(project.indicators):
            if not indicator.unit_of_measure:
                yield Finding(
                    f"项目“{project.name}”的指标“{indicator.name}”没有度量单位（unit_of_measure）",
                    ("units", u, "projects", p, "indicators", i),
                )
