"""Build the ledger: the stages that turn stated inputs into facts, run in order from one list.

Each stage is a plain function of (budget, unit, rules) that yields facts; derivations live here
and nowhere else: pay per head x headcount, contributions as rate x base, the 项 of personnel
items by economic code and staff kind. Every derivation is a default: a stated 项 or amount wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from budgetgen.catalogs import Catalog
from budgetgen.diagnostics import Path
from budgetgen.ledger.display import displayed_amounts
from budgetgen.ledger.facts import ZERO, ExpenditureKind, Fact, Origin, basic_kind
from budgetgen.model.budget import BudgetInput, ContributionRule, Funding, PayItem, StaffGroup, Unit
from budgetgen.model.types import ProjectCategory, StaffKind
from budgetgen.profiles import ProfileSettings

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Ledger:
    """All facts of a budget, with the input, catalog and profile settings they were built from."""

    budget: BudgetInput
    catalog: Catalog
    settings: ProfileSettings
    facts: tuple[Fact, ...]
    shown: tuple[Decimal, ...]
    """Displayed 万元 of each fact (see ``ledger.display``): every figure shown is a sum of these."""

    def displayed(self) -> Iterator[tuple[Fact, Decimal]]:
        """Each fact with its displayed 万元."""
        return zip(self.facts, self.shown, strict=True)

    def unit(self, code: str) -> Unit:
        """The input unit with this code."""
        return next(u for u in self.budget.units if u.code == code)


@dataclass(frozen=True)
class _Context:
    budget: BudgetInput
    unit: Unit
    path: Path
    settings: ProfileSettings
    catalog: Catalog

    @cached_property
    def categories(self) -> dict[str, ProjectCategory]:
        """Each project's category by code, looked up per fact (a scan made a big unit quadratic)."""
        return {p.code: p.category for p in self.unit.projects}

    def kind_of(self, econ: str, project: str | None) -> ExpenditureKind:
        """项目支出 for money of 其他运转类 / 特定目标类 projects, else by economic class."""
        if project is not None and not self.categories[project].is_basic:
            return ExpenditureKind.PROJECT
        return basic_kind(econ)

    def function(self, stated: str | None, econ: str, staff: StaffKind | None = None) -> tuple[str, bool]:
        """The stated 项, else the profile's rule, else the unit's main 项; and whether derived."""
        if stated is not None:
            return stated, False
        rule = self.settings.derivation.function_for(econ, self.unit.kind, staff)
        return (rule or self.unit.main_function), True

    def fact(
        self,
        *,
        econ: str,
        amount: Decimal,
        funding: Funding,
        origin: Origin,
        path: Path,
        function: str | None,
        project: str | None,
        name: str | None,
        staff: StaffKind | None = None,
    ) -> Fact:
        code, derived = self.function(function, econ, staff)
        return Fact(
            unit=self.unit.code,
            function=code,
            econ=econ,
            kind=self.kind_of(econ, project),
            source=funding.source,
            sub_source=funding.sub_source,
            amount=amount,
            origin=origin,
            path=path,
            project=project,
            econ_name=name or (self.catalog.econ_name(econ) if econ in self.catalog.local else None),
            function_derived=derived,
            government_econ=self.catalog.government_code(econ, self.unit.kind),
            research=bool(getattr(funding, "research", False)),
            category=next((p.category for p in self.unit.projects if p.code == project), None) if project else None,
        )


def pay_amount(group: StaffGroup, item: PayItem) -> Decimal:
    """A pay item's yearly amount: stated in total, or per head x headcount."""
    if item.amount is not None:
        return item.amount
    per_head = item.per_head if item.per_head is not None else ZERO
    return (per_head * group.headcount).quantize(CENT, rounding=ROUND_HALF_UP)


def staff_facts(ctx: _Context) -> Iterator[Fact]:
    """Pay of every staff group, on the 项 its staff kind and economic code call for."""
    for g, group in enumerate(ctx.unit.staff):
        for i, item in enumerate(group.pay):
            amount = pay_amount(group, item)
            if amount == ZERO:
                continue
            yield ctx.fact(
                econ=item.econ,
                amount=amount,
                funding=item,
                origin=Origin.STATED if item.amount is not None else Origin.DERIVED,
                path=(*ctx.path, "staff", g, "pay", i),
                function=item.function or group.function,
                project=item.project or group.project,
                name=item.name,
                staff=group.kind,
            )


def contribution_rules(budget: BudgetInput, unit: Unit) -> list[tuple[ContributionRule, Path]]:
    """The department's default rules with the unit's rules replacing those of the same code."""
    own = {rule.econ: i for i, rule in enumerate(unit.contribution_rules)}
    unit_index = budget.units.index(unit)
    rules: list[tuple[ContributionRule, Path]] = [
        (rule, ("contribution_rules", i)) for i, rule in enumerate(budget.contribution_rules) if rule.econ not in own
    ]
    rules += [(rule, ("units", unit_index, "contribution_rules", i)) for i, rule in enumerate(unit.contribution_rules)]
    return rules


def contribution_base(unit: Unit, rule: ContributionRule) -> Decimal:
    """Sum of the pay items of the rule's staff kinds whose code starts with a base prefix."""
    if rule.base_amount is not None:
        return rule.base_amount
    prefixes = tuple(rule.base or ())
    return sum(
        (
            pay_amount(group, item)
            for group in unit.staff
            if group.kind in rule.staff_kinds
            for item in group.pay
            if item.econ.startswith(prefixes)
        ),
        ZERO,
    )


def base_project(unit: Unit, rule: ContributionRule) -> str | None:
    """The one project that pays the pay a contribution is computed from, if there is exactly one."""
    prefixes = tuple(rule.base or ("3",))
    projects = {
        item.project or group.project
        for group in unit.staff
        if group.kind in rule.staff_kinds
        for item in group.pay
        if item.econ.startswith(prefixes)
    }
    return projects.pop() if len(projects) == 1 else None


def contribution_facts(ctx: _Context) -> Iterator[Fact]:
    """Contributions (养老, 职业年金, 医疗, 公积金 …): stated amount, else rate x base.

    A contribution without a project of its own belongs to the project of the pay it is computed
    from (so a department's default rules need not name each unit's 人员类 project).
    """
    for rule, path in contribution_rules(ctx.budget, ctx.unit):
        if rule.amount is not None:
            amount, origin = rule.amount, Origin.STATED
        else:
            rate = rule.rate if rule.rate is not None else ZERO
            amount = (rate * contribution_base(ctx.unit, rule)).quantize(CENT, rounding=ROUND_HALF_UP)
            origin = Origin.DERIVED
        if amount == ZERO:
            continue
        yield ctx.fact(
            econ=rule.econ,
            amount=amount,
            funding=rule,
            origin=origin,
            path=path,
            function=rule.function,
            project=rule.project or base_project(ctx.unit, rule),
            name=rule.name,
        )


def operating_facts(ctx: _Context) -> Iterator[Fact]:
    """Stated basic items (公用经费 and others) on their stated or the unit's main 项."""
    for i, item in enumerate(ctx.unit.operating_items):
        if item.amount == ZERO:
            continue
        yield ctx.fact(
            econ=item.econ,
            amount=item.amount,
            funding=item,
            origin=Origin.STATED,
            path=(*ctx.path, "operating_items", i),
            function=item.function,
            project=item.project,
            name=item.name,
        )


def project_facts(ctx: _Context) -> Iterator[Fact]:
    """Project lines on the line's, else the project's, else the unit's main 项."""
    for p, project in enumerate(ctx.unit.projects):
        for i, line in enumerate(project.lines):
            if line.amount == ZERO:
                continue
            yield ctx.fact(
                econ=line.econ,
                amount=line.amount,
                funding=line,
                origin=Origin.STATED,
                path=(*ctx.path, "projects", p, "lines", i),
                function=line.function or project.function,
                project=project.code,
                name=line.name,
            )


STAGES: tuple[Callable[[_Context], Iterator[Fact]], ...] = (
    staff_facts,
    contribution_facts,
    operating_facts,
    project_facts,
)


def build_ledger(budget: BudgetInput, catalog: Catalog, settings: ProfileSettings) -> Ledger:
    """Run every stage over every unit, in order."""
    facts: list[Fact] = []
    for u, unit in enumerate(budget.units):
        ctx = _Context(budget, unit, ("units", u), settings, catalog)
        for stage in STAGES:
            facts.extend(stage(ctx))
    return Ledger(budget, catalog, settings, tuple(facts), displayed_amounts(facts))
