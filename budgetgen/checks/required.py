"""Rules about the optional facts some layouts print: present where the profile needs them, consistent."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from budgetgen.checks.context import CheckContext
from budgetgen.checks.registry import Finding, rule
from budgetgen.diagnostics import Path, Severity


def _walk(value: Any, parts: list[str], path: Path) -> Iterator[tuple[Path, Any]]:
    """Every (path, value) a ``units[].assets.total_value`` style path reaches (``[]``: each item)."""
    if not parts:
        yield path, value
        return
    head, rest = parts[0], parts[1:]
    each = head.endswith("[]")
    name = head.removesuffix("[]")
    child = getattr(value, name, None)
    if each:
        for i, item in enumerate(child or ()):
            yield from _walk(item, rest, (*path, name, i))
    else:
        yield from _walk(child, rest, (*path, name))


def _title(path: Path) -> str:
    """The title the accountant sees for a field (the workbook's column), never the internal path."""
    from budgetgen.io.xlsx_input import field_title

    return field_title(path) or str(path[-1])


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


@rule(
    "BG-C170",
    Severity.WARNING,
    "样式所需信息缺失",
    "a fact the profile prints (its checks.requires) is missing from the input",
)
def required_facts(ctx: CheckContext) -> Iterator[Finding]:
    """A layout that prints a fact the input lacks says which, where it should be."""
    profile = ctx.ledger.settings
    for required in profile.checks.requires:
        for path, value in _walk(ctx.ledger.budget, required.split("."), ()):
            if _empty(value):
                yield Finding(f"样式“{profile.name}”需要“{_title(path)}”，输入中没有", path)


_ASSET_PARTS = ("building_value", "vehicles_value", "equipment_value", "other_value")


@rule("BG-C171", Severity.ERROR, "固定资产各项之和不等于总额", "fixed-asset parts do not add up to the stated total")
def assets_add_up(ctx: CheckContext) -> Iterator[Finding]:
    """固定资产总额 = 房屋 + 车辆 + 设备 + 其他; 办公用房 is part of 房屋 (area and value)."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        assets = unit.assets
        path = ("units", u, "assets")
        parts = [getattr(assets, name) for name in _ASSET_PARTS]
        if assets.total_value is not None and any(p is not None for p in parts):
            total = sum((p for p in parts if p is not None), Decimal(0))
            if total != assets.total_value:
                yield Finding(
                    f"“{unit.name}”固定资产各项之和 {ctx.money(total)} "
                    f"不等于固定资产总额 {ctx.money(assets.total_value)}",
                    (*path, "total_value"),
                )
        for part, whole in (("office_value", "building_value"), ("office_area", "building_area")):
            small, big = getattr(assets, part), getattr(assets, whole)
            if small is not None and big is not None and small > big:
                yield Finding(f"“{unit.name}”的{_title((*path, part))}大于{_title((*path, whole))}", (*path, part))
