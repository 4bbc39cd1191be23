"""What a record table or form can read: the input, and sums of the same displayed facts as the tables.

Nothing here is a layout: the names are domain terms (amounts by kind and source group, “三公”
items this year and last, procurement, fixed assets) that any profile's ``tables.yaml`` combines.
Amounts are 万元 as displayed, so a form and the tables always print the same figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from budgetgen.ledger.aggregates import three_public_item
from budgetgen.ledger.build import Ledger
from budgetgen.ledger.facts import Fact
from budgetgen.model.budget import (
    Assets,
    IndicatorFields,
    ProcurementItem,
    Project,
    ThreePublic,
    Unit,
    UnitPerformance,
)
from budgetgen.model.types import Comparison, FundSource, ProjectCategory, SubSource
from budgetgen.money import round_wan

ZERO = Decimal("0.00")
SPECIAL = FundSource("财政专户管理资金")
THREE_PUBLIC_PARTS = {
    "total": ("overseas", "vehicles_purchase", "vehicles_running", "reception"),
    "vehicles": ("vehicles_purchase", "vehicles_running"),
}


def wan(yuan: Decimal | None) -> Decimal | None:
    """元 → displayed 万元 (two decimals); nothing stays nothing."""
    return None if yuan is None else round_wan(yuan)


def in_group(fact: Fact, group: str) -> bool:
    """Whether a fact's fund source is in a group: fiscal (财政拨款), special (财政专户), unit_funds, or one source."""
    if group == "fiscal":
        return fact.is_fiscal
    if group == "special":
        return fact.source is SPECIAL
    if group == "unit_funds":
        return not fact.is_fiscal and fact.source is not SPECIAL
    return fact.source.value == group


class Amounts:
    """Displayed sums over the facts in view, by any combination of conditions."""

    def __init__(self, displayed: Sequence[tuple[Fact, Decimal]]) -> None:
        self.displayed = displayed

    def __call__(
        self,
        kind: str | None = None,
        source: str | None = None,
        project: str | None = None,
        three_public: str | None = None,
        function: str | None = None,
    ) -> Decimal:
        """The sum; ``kind`` is basic / project / personnel / operating, ``function`` a code prefix."""
        total = ZERO
        for fact, value in self.displayed:
            if kind is not None and not (fact.kind.is_basic if kind == "basic" else fact.kind.value == kind):
                continue
            if source is not None and not in_group(fact, source):
                continue
            if project is not None and fact.project != project:
                continue
            if function is not None and not fact.function.startswith(function):
                continue
            if three_public is not None:
                item = three_public_item(fact)
                if item is None or (three_public != "total" and not item.startswith(three_public)):
                    continue
            total += value
        return total


@dataclass(frozen=True)
class ThreePublicView:
    """“三公” items this year (displayed) and last year (stated), with the unit's reasons."""

    amount: Amounts
    previous_items: ThreePublic | None
    reasons: Mapping[str, str | None]

    def current(self, item: str) -> Decimal:
        """This year's amount of an item (total, overseas, vehicles, vehicles_purchase, …)."""
        return self.amount(three_public=item)

    def previous(self, item: str) -> Decimal | None:
        """Last year's amount of an item in 万元, or None when last year's figures were not given."""
        if self.previous_items is None:
            return None
        parts = THREE_PUBLIC_PARTS.get(item, (item,))
        return sum((round_wan(getattr(self.previous_items, p)) for p in parts), ZERO)

    def change(self, item: str) -> Decimal | None:
        """This year minus last year."""
        previous = self.previous(item)
        return None if previous is None else self.current(item) - previous

    def reason(self, item: str) -> str | None:
        """The unit's reason for an item's change (vehicle parts fall back to the vehicles reason)."""
        text = self.reasons.get(f"{item}_reason")
        if not text and item.startswith("vehicles_"):
            text = self.reasons.get("vehicles_reason")
        return text or None


@dataclass(frozen=True)
class ProcurementView:
    """A procurement item with its amounts in 万元 and its project."""

    item: ProcurementItem
    unit: Unit
    project: Project | None
    project_budget: Decimal | None

    @property
    def amount(self) -> Decimal:
        """当年部门预算安排资金."""
        return round_wan(self.item.amount)

    @property
    def other_channels(self) -> Decimal:
        """其他渠道资金."""
        return round_wan(self.item.other_channels)

    @property
    def total(self) -> Decimal:
        """总计 = 部门预算安排 + 其他渠道."""
        return self.amount + self.other_channels

    @property
    def unit_price(self) -> Decimal | None:
        """单价 in 万元."""
        return wan(self.item.unit_price)

    def source_amount(self, group: str) -> Decimal:
        """The amount if the item's source is in the group (fiscal sources by name, special, others)."""
        source = self.item.source
        if group == "others":
            hit = not source.is_fiscal and source is not SPECIAL
        elif group == "special":
            hit = source is SPECIAL
        else:
            hit = source.value == group
        return self.amount if hit else ZERO

    @property
    def general(self) -> Decimal:
        """一般公共预算拨款."""
        return self.source_amount("一般公共预算")

    @property
    def fund(self) -> Decimal:
        """政府性基金预算拨款."""
        return self.source_amount("政府性基金预算")

    @property
    def special(self) -> Decimal:
        """财政专户核拨."""
        return self.source_amount("special")

    @property
    def others(self) -> Decimal:
        """其他来源收入 (国有资本经营预算 counts here: the form has no column for it)."""
        return self.amount - self.general - self.fund - self.special


@dataclass(frozen=True)
class AssetsView:
    """The fixed-asset snapshot (sum over the units in view), values in 万元."""

    assets: tuple[Assets, ...]

    def _sum(self, name: str) -> Decimal | None:
        values = [getattr(a, name) for a in self.assets if getattr(a, name) is not None]
        return sum(values, Decimal(0)) if values else None

    def value(self, name: str) -> Decimal | None:
        """A value field (building_value, …) in 万元."""
        return wan(self._sum(name))

    def quantity(self, name: str) -> Decimal | int | None:
        """A quantity field (building_area, vehicles, …)."""
        total = self._sum(name)
        return total.normalize() if isinstance(total, Decimal) else total

    @property
    def total(self) -> Decimal:
        """固定资产总额: the sum of the displayed parts (房屋, 车辆, 设备, 其他)."""
        parts = ("building_value", "vehicles_value", "equipment_value", "other_value")
        return sum((self.value(p) or ZERO for p in parts), ZERO)

    @property
    def planned(self) -> Decimal:
        """本年拟购置固定资产 in 万元."""
        return round_wan(sum((a.planned_purchases for a in self.assets), Decimal(0)))


def indicator_value(indicator: IndicatorFields) -> str:
    """An indicator's value as one string: comparator, number and unit (``≥95%``), or the word of a 定性 one."""
    if indicator.comparison is Comparison.QUALITATIVE:
        return indicator.value
    comparator = "" if indicator.comparison is Comparison.EQ else indicator.comparison.value
    return f"{comparator}{indicator.value}{indicator.unit_of_measure or ''}"


@dataclass(frozen=True)
class TargetLine:
    """A line of a project-targets table that sets indicator groups side by side.

    ``role`` is total / unit / item; a project spans as many lines as its largest group, and its code,
    name and amounts stand on the first (``key`` names the project, for merging down its lines).
    ``amounts`` are 资金总额, 财政拨款 (all three budget types), 财政专户管理资金, 单位资金, zero as None;
    ``cells`` hold (三级指标, 指标值) per group, or None below a shorter group.
    """

    role: str
    key: str | None
    code: str | None
    name: str | None
    amounts: tuple[Decimal | None, ...]
    cells: tuple[tuple[str, str] | None, ...]

    def indicator(self, group: int) -> str | None:
        """The 三级指标 of a group on this line."""
        cell = self.cells[group] if group < len(self.cells) else None
        return cell[0] if cell else None

    def value(self, group: int) -> str | None:
        """The 指标值 of a group on this line."""
        cell = self.cells[group] if group < len(self.cells) else None
        return cell[1] if cell else None


def _nonzero(values: Sequence[Decimal]) -> tuple[Decimal | None, ...]:
    return tuple(v if v != 0 else None for v in values)


def target_lines(
    ledger: Ledger,
    amount: Amounts,
    units: Sequence[Unit],
    groups: Sequence[str],
    blocks: Sequence[str] = ("own", "advance"),
) -> list[TargetLine]:
    """Every 项目支出 project with its indicators grouped by 一级 (``groups``), side by side, in blocks.

    A block (``own``: the unit's own level's money; ``advance``: projects paid wholly from money that
    higher levels notified in advance) has a total line, then per unit a unit line and its projects:
    其他运转类 before 特定目标类, then by project code. Blocks without projects are left out.
    """
    advance: set[tuple[str, str]] = set()
    subs: dict[tuple[str, str], set[SubSource]] = {}
    for fact in ledger.facts:
        if fact.project is not None and not fact.kind.is_basic:
            subs.setdefault((fact.unit, fact.project), set()).add(fact.sub_source)
    advance = {key for key, found in subs.items() if found == {SubSource.ADVANCE}}
    order = list(ProjectCategory)
    lines: list[TargetLine] = []

    def sums(project: str | None, unit: Unit | None, members: set[tuple[str, str]]) -> tuple[Decimal | None, ...]:
        def of(source: str | None) -> Decimal:
            if project is not None:
                return amount(source=source, project=project) if source else amount(project=project)
            return sum(
                (amount(source=source, project=p) if source else amount(project=p) for u, p in members
                 if unit is None or u == unit.code),
                ZERO,
            )  # fmt: skip

        return _nonzero([of(None), of("fiscal"), of("special"), of("unit_funds")])

    for block in blocks:
        members = {key for key in subs if (key in advance) == (block == "advance")}
        if not members:
            continue
        lines.append(TargetLine("total", None, None, "合计", sums(None, None, members), ()))
        for unit in units:
            own = sorted(
                (p for p in unit.projects if (unit.code, p.code) in members),
                key=lambda p: (order.index(p.category), p.code),
            )
            if not own:
                continue
            lines.append(TargetLine("unit", None, unit.code, unit.name, sums(None, unit, members), ()))
            for project in own:
                grouped = [[i for i in project.indicators if i.level1 == g] for g in groups]
                height = max([len(g) for g in grouped] + [1])
                head = sums(project.code, unit, members)
                for n in range(height):
                    cells = tuple((g[n].name, indicator_value(g[n])) if n < len(g) else None for g in grouped)
                    first = n == 0
                    lines.append(
                        TargetLine(
                            "item",
                            f"{unit.code}/{project.code}",
                            project.code if first else None,
                            project.name if first else None,
                            head if first else (None,) * len(head),
                            cells,
                        )
                    )
    return lines


def numbered(items: Sequence[str]) -> str:
    """``1、…`` one per line: a list of goals in one cell."""
    return "\n".join(f"{i}、{text}" for i, text in enumerate(items, start=1))


def funded_projects(ledger: Ledger, units: Sequence[Unit], basic: bool = False) -> list[Project]:
    """Projects with money in input order: 项目支出 ones (or, with ``basic``, every one)."""
    funded = {(f.unit, f.project) for f in ledger.facts if f.project is not None and (basic or not f.kind.is_basic)}
    return [p for u in units for p in u.projects if (u.code, p.code) in funded]


def record_context(
    ledger: Ledger,
    displayed: Sequence[tuple[Fact, Decimal]],
    labels: Mapping[str, str],
    unit: Unit | None,
    project: Project | None,
) -> dict[str, Any]:
    """The names a record table or form can use (see the module docstring)."""
    from budgetgen.package.words import merged_texts, missing, organisation_name

    budget = ledger.budget
    units = [unit] if unit is not None else list(budget.units)
    codes = {u.code for u in units}
    amount = Amounts([(f, v) for f, v in displayed if f.unit in codes])
    texts = merged_texts(ledger)
    stated = [u.last_year.three_public for u in units if u.last_year.three_public is not None]
    previous = (
        ThreePublic(**{name: sum((getattr(t, name) for t in stated), Decimal(0)) for name in ThreePublic.model_fields})
        if stated
        else None
    )
    procurement = []
    for u in units:
        for item in u.procurement:
            owner = next((p for p in u.projects if p.code == item.project), None)
            budget_of = amount(project=owner.code) if owner else None
            procurement.append(ProcurementView(item, u, owner, budget_of))
    return {
        "year": budget.budget_year,
        "last_year": budget.budget_year - 1,
        "org": organisation_name(ledger),
        "department": budget.department,
        "unit": units[0],
        "units": units,
        "project": project,
        "performance": units[0].performance or UnitPerformance(),
        "project_amount": amount
        if project is None
        else Amounts([(f, v) for f, v in amount.displayed if f.project == project.code]),
        "amount": amount,
        "projects": funded_projects(ledger, units),
        "three_public": ThreePublicView(amount, previous, texts.three_public.model_dump()),
        "procurement": procurement,
        "assets": AssetsView(tuple(u.assets for u in units)),
        "texts": texts,
        "labels": dict(labels),
        "label": lambda text: labels.get(text, text),
        "wan": wan,
        "numbered": numbered,
        "indicator_value": indicator_value,
        "project_targets": lambda *groups: target_lines(ledger, amount, units, groups),
        "missing": missing,
        "execution_weight": ledger.settings.performance.execution_weight,
        "zero": ZERO,
    }
