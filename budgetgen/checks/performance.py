"""Performance-target rules (绩效目标): every project with money has a goal and complete indicators."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from decimal import Decimal

from budgetgen.checks.context import CheckContext
from budgetgen.checks.registry import Finding, rule
from budgetgen.diagnostics import Path, Severity
from budgetgen.model.budget import Indicator, Project, Unit, UnitIndicator


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
        if not project.annual_goal and not project.goals:
            yield Finding(f"项目“{project.name}”有预算但没有年度目标", ("units", u, "projects", p))


@rule("BG-C111", Severity.ERROR, "项目支出缺少绩效指标", "a 项目支出 project with money has no indicators")
def project_has_indicators(ctx: CheckContext) -> Iterator[Finding]:
    """项目支出 projects (特定目标类, 其他运转类) are published with their indicators (附表13)."""
    for u, _unit, p, project in _funded(ctx):
        if not project.category.is_basic and not project.indicators:
            yield Finding(f"项目“{project.name}”有预算但没有绩效指标", ("units", u, "projects", p))


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
    """Weights of a project's indicators add up to 100 - 预算执行率权重 (the project's, else the profile's)."""
    default = ctx.ledger.settings.performance.execution_weight
    for u, _unit, p, project in _funded(ctx):
        if not project.indicators:
            continue
        execution = project.execution_weight if project.execution_weight is not None else default
        expected = Decimal(100) - execution
        unweighted = [i for i, indicator in enumerate(project.indicators) if indicator.weight is None]
        if unweighted:
            yield Finding(
                f"项目“{project.name}”有 {len(unweighted)} 个指标没有权重",
                ("units", u, "projects", p, "indicators", unweighted[0]),
            )
            continue
        total = sum((i.weight or Decimal(0) for i in project.indicators), Decimal(0))
        if total != expected:
            yield Finding(
                f"项目“{project.name}”的指标权重之和为 {total.normalize():f}，应为 {expected.normalize():f}"
                f"（另有预算执行率权重 {execution.normalize():f}）",
                ("units", u, "projects", p, "indicators"),
            )


@rule("BG-C114", Severity.ERROR, "指标缺少度量单位", "a quantitative indicator has no unit of measure")
def indicator_complete(ctx: CheckContext) -> Iterator[Finding]:
    """Every 定量 indicator states its 度量单位 (性质 and 值 are required by the input model).

    A 定性 indicator has none: BG-C118 warns when it states one, so this rule must not ask for it.
    """
    for u, _unit, p, project in _funded(ctx):
        for i, indicator in enumerate(project.indicators):
            if not indicator.unit_of_measure and indicator.comparison.value != "定性":
                yield Finding(
                    f"项目“{project.name}”的指标“{indicator.name}”没有度量单位",
                    ("units", u, "projects", p, "indicators", i),
                )


@rule(
    "BG-C115",
    Severity.WARNING,
    "预算执行率权重未填",
    "a project's 预算执行率权重 is blank (the profile's default is used)",
)
def execution_weight_given(ctx: CheckContext) -> Iterator[Finding]:
    """The 年度绩效目标表 prints each project's 预算执行率权重; a blank one takes the profile's default."""
    default = ctx.ledger.settings.performance.execution_weight.normalize()
    for u, _unit, p, project in _funded(ctx):
        if project.indicators and project.execution_weight is None:
            yield Finding(
                f"项目“{project.name}”未填预算执行率权重，按 {default:f} 计",
                ("units", u, "projects", p),
            )


@rule("BG-C116", Severity.ERROR, "资金支出计划不对", "a spending plan decreases or does not reach 100% by December")
def spending_plan(ctx: CheckContext) -> Iterator[Finding]:
    """资金支出计划 is cumulative: 3月 ≤ 6月 ≤ 10月 ≤ 12月 = 100."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        for p, project in enumerate(unit.projects):
            plan = project.spending_plan
            if plan is None:
                continue
            path = ("units", u, "projects", p, "spending_plan")
            steps = [plan.march, plan.june, plan.october, plan.december]
            if any(a > b for a, b in itertools.pairwise(steps)):
                yield Finding(f"项目“{project.name}”的资金支出计划是累计数，不应减少", path)
            if plan.december != 100:
                yield Finding(
                    f"项目“{project.name}”12月底累计支出应为 100%，实为 {plan.december.normalize():f}%",
                    (*path, "december"),
                )


@rule("BG-C117", Severity.ERROR, "整体绩效指标权重之和不为 100", "unit-wide indicator weights do not add up to 100")
def unit_weights(ctx: CheckContext) -> Iterator[Finding]:
    """部门(单位)整体支出绩效目标: the unit-wide indicators' weights add up to 100 (no 预算执行率 here)."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        if unit.performance is None or not unit.performance.indicators:
            continue
        unweighted = [i for i, indicator in enumerate(unit.performance.indicators) if indicator.weight is None]
        if unweighted:  # weights are optional in the model (some layouts print none), required by this rule
            yield Finding(
                f"“{unit.name}”有 {len(unweighted)} 个整体绩效指标没有权重（weight）",
                ("units", u, "performance", "indicators", unweighted[0]),
            )
            continue
        total = sum((i.weight or Decimal(0) for i in unit.performance.indicators), Decimal(0))
        if total != 100:
            yield Finding(
                f"“{unit.name}”整体绩效指标权重之和为 {total.normalize():f}，应为 100",
                ("units", u, "performance", "indicators"),
            )


LEVELS = {
    "产出指标": {"数量指标", "质量指标", "时效指标", "成本指标"},
    "效益指标": {"经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"},
    "成本指标": {"经济成本指标", "社会成本指标", "生态环境成本指标"},
    "满意度指标": {"服务对象满意度指标"},
}


@rule("BG-C118", Severity.WARNING, "指标层级或度量单位不符", "a 二级 outside its 一级, or a 定性 indicator with a unit")
def indicator_levels(ctx: CheckContext) -> Iterator[Finding]:
    """二级指标 belongs to its 一级指标 (standard names only); a 定性 indicator has no 度量单位."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        lists: list[tuple[Path, Sequence[Indicator | UnitIndicator]]] = [
            (("units", u, "projects", p, "indicators"), project.indicators) for p, project in enumerate(unit.projects)
        ]
        if unit.performance is not None:
            lists.append((("units", u, "performance", "indicators"), unit.performance.indicators))
        for path, indicators in lists:
            for i, indicator in enumerate(indicators):
                allowed = LEVELS.get(indicator.level1)
                if allowed is not None and indicator.level2 not in allowed:
                    yield Finding(
                        f"二级指标“{indicator.level2}”不属于一级指标“{indicator.level1}”", (*path, i, "level2")
                    )
                if indicator.comparison.value == "定性" and indicator.unit_of_measure:
                    yield Finding(f"定性指标“{indicator.name}”不应有度量单位", (*path, i, "unit_of_measure"))


@rule(
    "BG-C119",
    Severity.ERROR,
    "项目支出含单位资金",
    "a project is paid from unit funds, which the 整体支出绩效目标申报表 has no column for",
    opt_in=True,
)
def project_unit_funds(ctx: CheckContext) -> Iterator[Finding]:
    """The unit-wide form splits 项目支出 into 财政拨款 and 专户资金 only: unit funds would not add up."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        for p, project in enumerate(unit.projects):
            for i, line in enumerate(project.lines):
                if not line.source.is_fiscal and line.source.value != "财政专户管理资金":
                    yield Finding(
                        f"项目“{project.name}”的资金来源“{line.source.value}”属单位资金，"
                        "整体支出绩效目标申报表的项目支出只有财政拨款和专户资金两栏",
                        ("units", u, "projects", p, "lines", i, "source"),
                    )
