"""What changed between two years' catalogs: the change lines in between, with the names before and after."""

from __future__ import annotations

from dataclasses import dataclass

from budgetgen.catalogs import Catalog, catalog_year, load_catalog
from budgetgen.catalogs.build import BASE_YEAR, Change, change_years, read_changes

TABLE_NAMES = {"function": "功能分类", "econ": "部门经济分类", "government": "政府经济分类"}
ACTION_NAMES = {"add": "新增", "rename": "改名", "remove": "删除", "move": "改代码", "unlist": "不再列入收支总表",
                "list": "列入收支总表"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class CodeChange:
    """One change between two catalogs, with the name the code had before it."""

    change: Change
    old_name: str

    def describe(self) -> str:
        """One line for people: year, classification, what happened, source note."""
        c = self.change
        action = ACTION_NAMES[c.action]
        if c.action == "rename":
            what = f"{c.code} {self.old_name} → {c.name}"
        elif c.action == "add":
            what = f"{c.code} {c.name}"
        elif c.action in ("remove", "move"):
            what = f"{c.code} {self.old_name}" + (f"，接续科目 {c.successor}" if c.successor else "")
        else:
            what = f"{c.code} {self.old_name}"
        return f"{c.year} 年  {TABLE_NAMES[c.table]}  {action}  {what}  （依据：{c.note}）"


def _table(catalog: Catalog, table: str) -> dict[str, str]:
    entries = {"function": catalog.functions, "econ": catalog.econ, "government": catalog.government}[table]
    return {code: entry.name for code, entry in entries.items()}


def changes_between(first: int, second: int) -> list[CodeChange]:
    """Every change line after the catalog ``first`` uses, up to the one ``second`` uses, in order."""
    start, end = catalog_year(first), catalog_year(second)
    if start is None or end is None:
        raise KeyError(first if start is None else second)
    found = []
    for year in change_years():
        if start < year <= end:
            before = load_catalog(year - 1)
            for change in read_changes(year):
                found.append(CodeChange(change, _table(before, change.table).get(change.code, "")))
    return found


def moves_between(first: int, second: int) -> dict[str, tuple[str, CodeChange]]:
    """Codes that left the catalog between two years: old code → (successor or "", the change), chained."""
    moved: dict[str, tuple[str, CodeChange]] = {}
    for item in changes_between(first, second):
        if item.change.action in ("move", "remove"):
            moved[item.change.code] = (item.change.successor if item.change.action == "move" else "", item)
    for code, (successor, item) in list(moved.items()):  # a code moved twice ends at the last successor
        seen = {code}
        while successor in moved and successor not in seen:
            seen.add(successor)
            successor = moved[successor][0]
        moved[code] = (successor, item)
    return moved


def code_history(code: str) -> list[CodeChange]:
    """Every change line about a code (or naming it as successor), from the base year on."""
    return [
        item
        for item in changes_between(BASE_YEAR, max([BASE_YEAR, *change_years()]))
        if code in (item.change.code, item.change.successor)
    ]
