"""What a finance-bureau reviewer checks beyond the sums: repeats, vocabulary, and sentences against figures.

These rules read what a unit typed (project names, indicators, sentences) the way a reviewer at the
财政局 reads a submitted package: a name twice, an indicator twice, a 二级指标 outside the framework,
a 定量 value that is not a number, a cost above the project's money, a unit-wide target that says
otherwise than the project's, a typed 万元 figure or year that matches nothing, a reason that says
增加 where the figure fell, a service bought without a procurement entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation

from budgetgen.checks.context import CheckContext
from budgetgen.checks.registry import Finding, rule
from budgetgen.diagnostics import Path, Severity
from budgetgen.model.budget import Indicator, Unit, UnitIndicator

# The indicator framework (财预〔2020〕10号 and its 2021 成本指标): 一级 → 二级. Some provinces' forms
# also use 满意度指标 as the 二级 of 满意度指标; any “…满意度指标” is accepted there.
VOCABULARY = {
    "产出指标": {"数量指标", "质量指标", "时效指标", "成本指标"},
    "效益指标": {"经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"},
    "成本指标": {"经济成本指标", "社会成本指标", "生态环境成本指标"},
    "满意度指标": {"服务对象满意度指标", "满意度指标"},
}
QUANTITATIVE = {"≥", "≤", "=", ">", "<"}
_NUMBER = re.compile(r"^\s*[≥≤><=＝]?\s*([+-]?\d+(?:\.\d+)?)\s*(\S*)\s*$")
_WAN_IN_TEXT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*万元")
_YEAR_IN_TEXT = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?=\s*(?:年|-|—|－|至))")
INCREASE = ("增加", "增长", "新增", "上升", "提高", "增多", "增设", "扩大")
DECREASE = ("减少", "下降", "压减", "降低", "缩减", "核减", "削减", "压缩")
ENTRUSTED = "30226"  # 委托业务费


def _indicator_lists(unit: Unit, u: int) -> Iterator[tuple[Path, str, Sequence[Indicator | UnitIndicator]]]:
    for p, project in enumerate(unit.projects):
        yield ("units", u, "projects", p, "indicators"), f"项目“{project.name}”", project.indicators
    if unit.performance is not None:
        yield ("units", u, "performance", "indicators"), f"“{unit.name}”整体绩效", unit.performance.indicators


@rule("BG-C190", Severity.ERROR, "项目名称重复", "two projects of a unit have the same name")
def project_names_unique(ctx: CheckContext) -> Iterator[Finding]:
    """A reviewer cannot tell two projects of the same name apart in 附表13."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        seen: dict[str, int] = {}
        for p, project in enumerate(unit.projects):
            if project.name in seen:
                first = unit.projects[seen[project.name]].code
                message = f"项目名称“{project.name}”重复（项目 {first} 与 {project.code}）"
                yield Finding(message, ("units", u, "projects", p, "name"))
            seen.setdefault(project.name, p)


@rule("BG-C191", Severity.ERROR, "绩效指标重复", "a project (or the unit-wide target) lists the same indicator twice")
def indicators_unique(ctx: CheckContext) -> Iterator[Finding]:
    """The same 三级指标 twice under the same 一级 / 二级 counts its weight twice."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        for path, owner, indicators in _indicator_lists(unit, u):
            seen: set[tuple[str, str, str]] = set()
            for i, indicator in enumerate(indicators):
                key = (indicator.level1, indicator.level2, indicator.name)
                if key in seen:
                    yield Finding(f"{owner}的指标“{indicator.name}”重复", (*path, i, "name"))
                seen.add(key)


@rule("BG-C192", Severity.WARNING, "指标层级名称不规范", "an indicator's 一级 / 二级 label is outside the framework")
def indicator_vocabulary(ctx: CheckContext) -> Iterator[Finding]:
    """一级指标 and 二级指标 come from the framework's closed lists, not free text.

    Unit-wide indicators use the profile's own list where it states one (``checks.unit_indicator_levels``).
    """
    unit_levels = {k: set(v) for k, v in ctx.ledger.settings.checks.unit_indicator_levels.items()}
    for u, unit in enumerate(ctx.ledger.budget.units):
        for path, owner, indicators in _indicator_lists(unit, u):
            levels = unit_levels if unit_levels and "performance" in path else VOCABULARY
            known = set().union(*levels.values())
            for i, indicator in enumerate(indicators):
                allowed = levels.get(indicator.level1)
                if allowed is None:
                    yield Finding(
                        f"{owner}的一级指标“{indicator.level1}”不在标准指标体系中（可选：{'、'.join(levels)}）",
                        (*path, i, "level1"),
                    )
                elif indicator.level2 not in known and not indicator.level2.endswith("满意度指标"):
                    # a known label under the wrong 一级 is BG-C118's; this is a label no framework has
                    yield Finding(
                        f"{owner}的二级指标“{indicator.level2}”不是标准名称"
                        f"（“{indicator.level1}”下可选：{'、'.join(sorted(allowed))}）",
                        (*path, i, "level2"),
                    )


def _number(value: str) -> tuple[Decimal, str] | None:
    match = _NUMBER.match(value)
    if match is None:
        return None
    try:
        return Decimal(match[1]), match[2]
    except InvalidOperation:
        return None


@rule("BG-C193", Severity.ERROR, "定量指标值不是数字", "a ≥ ≤ = > < indicator's value is not a number with a unit")
def quantitative_values(ctx: CheckContext) -> Iterator[Finding]:
    """A 定量 indicator is compared: its 指标值 is a number (its unit in 度量单位, or right after it)."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        for path, owner, indicators in _indicator_lists(unit, u):
            for i, indicator in enumerate(indicators):
                if indicator.comparison.value not in QUANTITATIVE:
                    continue
                parsed = _number(indicator.value)
                if parsed is None:
                    yield Finding(
                        f"{owner}的指标“{indicator.name}”是定量指标（{indicator.comparison.value}），"
                        f"指标值“{indicator.value}”却不是数字；请填数字，单位填在度量单位",
                        (*path, i, "value"),
                    )
                elif not parsed[1] and not indicator.unit_of_measure:
                    continue  # BG-C114 says the unit is missing


def _project_amounts(ctx: CheckContext) -> dict[tuple[str, str], Decimal]:
    amounts: dict[tuple[str, str], Decimal] = {}
    for fact in ctx.ledger.facts:
        if fact.project is not None:
            key = (fact.unit, fact.project)
            amounts[key] = amounts.get(key, Decimal(0)) + fact.amount
    return amounts


def _wan_value(indicator: Indicator | UnitIndicator) -> Decimal | None:
    parsed = _number(indicator.value)
    if parsed is None:
        return None
    unit_text = parsed[1] or (indicator.unit_of_measure or "")
    return parsed[0] if unit_text.strip() == "万元" else None


@rule("BG-C194", Severity.ERROR, "成本指标超过项目金额", "a 万元 indicator of a project exceeds the project's amount")
def cost_within_amount(ctx: CheckContext) -> Iterator[Finding]:
    """A cost target in 万元 cannot be larger than the money the project has."""
    amounts = _project_amounts(ctx)
    for u, unit in enumerate(ctx.ledger.budget.units):
        for p, project in enumerate(unit.projects):
            amount = amounts.get((unit.code, project.code))
            if amount is None:
                continue
            for i, indicator in enumerate(project.indicators):
                wan = _wan_value(indicator)
                if wan is not None and wan * 10000 > amount:
                    yield Finding(
                        f"项目“{project.name}”的指标“{indicator.name}”为 {wan:f} 万元，"
                        f"超过项目金额 {ctx.money(amount)}",
                        ("units", u, "projects", p, "indicators", i, "value"),
                    )


@rule(
    "BG-C195",
    Severity.WARNING,
    "整体指标与项目指标不一致",
    "a unit-wide indicator states another target than the project indicator of the same name",
)
def unit_and_project_agree(ctx: CheckContext) -> Iterator[Finding]:
    """The same 三级指标 in the unit-wide target and in a project: the same comparison, value and unit."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        if unit.performance is None:
            continue
        by_name = {
            indicator.name: (project.name, indicator) for project in unit.projects for indicator in project.indicators
        }
        for i, wide in enumerate(unit.performance.indicators):
            if wide.name not in by_name:
                continue
            name, own = by_name[wide.name]

            def shown(x: Indicator | UnitIndicator) -> str:
                return f"{x.comparison.value}{x.value}{x.unit_of_measure or ''}"

            if shown(wide) != shown(own):
                yield Finding(
                    f"整体绩效指标“{wide.name}”为 {shown(wide)}，项目“{name}”的同名指标为 {shown(own)}",
                    ("units", u, "performance", "indicators", i, "value"),
                )


def _unit_sentences(ctx: CheckContext) -> Iterator[tuple[Path, str]]:
    """Every sentence a unit typed, with its path."""
    from budgetgen.checks.texts import _strings

    for u, unit in enumerate(ctx.ledger.budget.units):
        yield from _strings(unit.texts.model_dump(mode="json"), ("units", u, "texts"))
        for p, project in enumerate(unit.projects):
            for name in ("annual_goal", "purpose"):
                text = getattr(project, name)
                if text:
                    yield ("units", u, "projects", p, name), text
            for g, goal in enumerate(project.goals):
                yield ("units", u, "projects", p, "goals", g), goal
        if unit.performance is not None and unit.performance.overall_target:
            yield ("units", u, "performance", "overall_target"), unit.performance.overall_target


def _package_figures(ctx: CheckContext) -> set[Decimal]:
    """Every 万元 figure the package states (in the generated text and the stated amounts), exact to 0.01."""
    from budgetgen.checks.texts import _paragraphs
    from budgetgen.package.sentences import clean_sentence

    typed = [clean_sentence(text).rstrip("。") for _path, text in _unit_sentences(ctx)]
    figures: set[Decimal] = set()
    for paragraph in _paragraphs(ctx.document.parts):
        for text in typed:
            if text:
                paragraph = paragraph.replace(text, "")
        figures |= {Decimal(m.replace(",", "")) for m in _WAN_IN_TEXT.findall(paragraph)}
    amounts: list[Decimal] = [f.amount for f in ctx.ledger.facts]
    amounts += _project_amounts(ctx).values()
    for unit in ctx.ledger.budget.units:
        amounts += [i.amount for i in unit.income] + [p.amount for p in unit.procurement]
        last = unit.last_year
        amounts += [a for a in (last.total, last.fiscal_total, last.general_public_current, last.running_cost) if a]
        if last.three_public is not None:
            amounts += [getattr(last.three_public, k) for k in type(last.three_public).model_fields]
    figures |= {(a / 10000).quantize(Decimal("0.01")) for a in amounts}
    return figures


def _matches(typed: Decimal, figures: set[Decimal]) -> bool:
    places = max(0, -typed.as_tuple().exponent)  # type: ignore[operator]
    step = Decimal(1).scaleb(-places)
    return any(figure.quantize(step) == typed for figure in figures) if places <= 2 else typed in figures


@rule("BG-C196", Severity.WARNING, "文中金额无出处", "a 万元 figure typed in a sentence matches no package figure")
def typed_figures_match(ctx: CheckContext) -> Iterator[Finding]:
    """A figure a unit types into a sentence should be one the package shows (else it was typed wrong)."""
    figures: set[Decimal] | None = None
    for path, text in _unit_sentences(ctx):
        for match in _WAN_IN_TEXT.finditer(text):
            figures = _package_figures(ctx) if figures is None else figures
            typed = Decimal(match[1].replace(",", ""))
            if not _matches(typed, figures):
                yield Finding(f"文字中的“{match[0]}”与公开材料中的任何金额都对不上，请核对", path)


@rule("BG-C197", Severity.WARNING, "文中年份不对", "a year in a sentence is neither the budget year nor last year")
def typed_years(ctx: CheckContext) -> Iterator[Finding]:
    """A sentence copied from another year keeps that year's number: only this year and last are expected."""
    year = ctx.ledger.budget.budget_year
    for path, text in _unit_sentences(ctx):
        for found in dict.fromkeys(_YEAR_IN_TEXT.findall(text)):
            if int(found) not in (year, year - 1):
                yield Finding(f"文字中的“{found} 年”既不是预算年度 {year} 年，也不是上年，是否沿用了旧稿？", path)


def _reasons(ctx: CheckContext) -> Iterator[tuple[str, str, str]]:
    """(texts field, what changed, direction of the change) for every reason the text speaks with."""
    facts = ctx.text_facts
    yield "change_reason", "收支预算总数", facts.total_change.direction
    yield "fiscal_change_reason", "财政拨款收支预算总数", facts.fiscal_change.direction
    yield "general_public_change_reason", "一般公共预算当年拨款", facts.general_current_change.direction
    yield "running_cost_change_reason", ctx.ledger.settings.running_cost.name, facts.running_cost_change.direction
    names = ctx.ledger.settings.three_public_names
    for key in ("reception", "vehicles", "overseas"):
        yield f"three_public.{key}_reason", getattr(names, key), facts.three_public_changes[key].direction


@rule(
    "BG-C198",
    Severity.WARNING,
    "变化原因与增减方向相反",
    "a stated reason speaks of 增加 where the figure fell (or of 减少 where it rose)",
)
def reason_direction(ctx: CheckContext) -> Iterator[Finding]:
    """A reason that only speaks of increases explains a fall badly (and the other way round)."""
    for field, what, direction in _reasons(ctx):
        if direction == "持平":
            continue
        for u, unit in enumerate(ctx.ledger.budget.units):
            text = unit.texts
            for part in field.split("."):
                text = getattr(text, part)
            if not isinstance(text, str) or not text:
                continue
            rises, falls = any(w in text for w in INCREASE), any(w in text for w in DECREASE)
            said = "增加" if rises and not falls else "减少" if falls and not rises else None
            if said is not None and said != direction:
                yield Finding(
                    f"{what}比上年{direction}，但填写的原因说的是{said}：“{text[:40]}”",
                    ("units", u, "texts", *field.split(".")),
                )
            break  # the package speaks with the first unit's reason


@rule(
    "BG-C199",
    Severity.WARNING,
    "购买服务未列政府采购",
    "a 购买服务 project, or 委托业务费 of 50 万元 or more, has no procurement entry",
)
def services_procured(ctx: CheckContext) -> Iterator[Finding]:
    """委托业务费 and 政府购买服务 are normally procured: the unit's 政府采购 should list them."""
    amounts = _project_amounts(ctx)
    threshold = ctx.ledger.settings.checks.procurement_threshold  # the profile's 分散采购限额 for services
    for u, unit in enumerate(ctx.ledger.budget.units):
        procured = {purchase.project for purchase in unit.procurement}
        for p, project in enumerate(unit.projects):
            amount = amounts.get((unit.code, project.code), Decimal(0))
            entrusted = sum((line.amount for line in project.lines if line.econ.startswith(ENTRUSTED)), Decimal(0))
            bought = "购买服务" in project.name and amount > 0  # 政府购买服务 goes through procurement
            if (
                (bought or entrusted >= threshold)
                and project.code not in procured
                and not (None in procured and unit.procurement)
            ):
                what = "购买服务项目" if bought else f"项目（含委托业务费 {ctx.money(entrusted)}）"
                yield Finding(f"{what}“{project.name}”没有对应的政府采购预算", ("units", u, "projects", p))
