"""Checks that make a parsed input a budget: codes exist in the year's catalog, references resolve.

These are input errors (exit 2), not findings of ``check``: without them the ledger cannot be built.
Each problem carries the field path it is about, so the loader can point at the file position.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from budgetgen.catalogs import Catalog
from budgetgen.diagnostics import Path
from budgetgen.model.budget import BudgetInput, ContributionRule, Unit


@dataclass(frozen=True, slots=True)
class Problem:
    """An input error found after parsing: code, Chinese message, field path and hints."""

    code: str
    message: str
    path: Path
    hints: tuple[str, ...] = ()
    at_key: bool = False


def _function(catalog: Catalog, code: str | None, path: Path) -> Iterator[Problem]:
    if code is None:
        return
    if len(code) != 7:
        yield Problem(
            "BG-E022",
            f"功能分类科目“{code}”不是项级科目，请填写 7 位的项",
            path,
            (f"可选：{_named(catalog, catalog.nearest_functions(code.ljust(7, '0')))}",),
        )
    elif code not in catalog.functions:
        near = catalog.nearest_functions(code)
        yield Problem(
            "BG-E020",
            f"功能分类科目“{code}”不在 {catalog.year} 年科目表中",
            path,
            (f"最接近的有效科目：{_named(catalog, near)}",),
        )


def _named(catalog: Catalog, codes: list[str]) -> str:
    return "、".join(f"{c} {catalog.function_name(c)}" for c in codes)


def _econ(catalog: Catalog, code: str, name: str | None, path: Path, allow_class: bool = False) -> Iterator[Problem]:
    if len(code) == 3 and not allow_class:
        yield Problem("BG-E022", f"经济分类科目“{code}”是类级科目，请填写款级（5 位）或明细科目", path)
        return
    key = code if len(code) == 3 else code[:5]
    if key not in catalog.econ:
        message = f"经济分类科目“{code}”不在 {catalog.year} 年部门经济分类中"
        yield Problem("BG-E021", message, path, econ_hints(catalog, code, name))
    elif len(code) > 5 and not name and code not in catalog.econ:
        yield Problem("BG-E027", f"明细科目“{code}”需要填写名称（name）", (*path[:-1], "name"))


def econ_hints(catalog: Catalog, code: str, name: str | None) -> tuple[str, ...]:
    """Codes named as the item says first; then codes near the typed one, flagged when their name differs."""

    def listed(codes: list[str]) -> str:
        return "、".join(f"{c} {catalog.econ_name(c)}" for c in codes)

    stated = (name or "").strip()
    named = catalog.econ_by_name(stated) if stated and stated != "-" else []
    near = [c for c in catalog.nearest_econ(code) if c not in named]
    if not stated or stated == "-":
        return (f"最接近的有效科目：{listed(near)}",)
    hints = [f"名称为“{stated}”的科目：{listed(named)}"] if named else [f"没有名称为“{stated}”的科目"]
    if near:
        hints.append(f"代码相近的科目（名称与“{stated}”不同，请核对后再用）：{listed(near)}")
    return tuple(hints)


def _rule(catalog: Catalog, rule: ContributionRule, path: Path) -> Iterator[Problem]:
    yield from _econ(catalog, rule.econ, rule.name, (*path, "econ"))
    yield from _function(catalog, rule.function, (*path, "function"))
    for i, prefix in enumerate(rule.base or []):
        yield from _econ(catalog, prefix, "-", (*path, "base", i), allow_class=True)
    if rule.amount is None:
        if rule.rate is None:
            yield Problem("BG-E016", "缴费规则需要 rate（比例）或 amount（金额）", path)
        elif (rule.base is None) == (rule.base_amount is None):
            yield Problem("BG-E016", "缴费规则需要 base（基数科目）或 base_amount（基数金额）之一", path)


def _unit(catalog: Catalog, unit: Unit, path: Path) -> Iterator[Problem]:
    yield from _function(catalog, unit.main_function, (*path, "main_function"))
    projects = {p.code for p in unit.projects}

    def project_ref(code: str | None, where: Path) -> Iterator[Problem]:
        if code is not None and code not in projects:
            yield Problem(
                "BG-E026",
                f"项目“{code}”不在本单位的项目中",
                where,
                (f"本单位的项目：{'、'.join(sorted(projects)) or '无'}",),
            )

    names: dict[str, int] = {}
    for g, group in enumerate(unit.staff):
        gpath = (*path, "staff", g)
        if group.name in names:  # the workbook joins pay items to their group by name
            first = names[group.name] + 1
            yield Problem("BG-E024", f"人员类别“{group.name}”重复（与第 {first} 个人员类别相同）", (*gpath, "name"))
        names.setdefault(group.name, g)
        yield from _function(catalog, group.function, (*gpath, "function"))
        yield from project_ref(group.project, (*gpath, "project"))
        for i, item in enumerate(group.pay):
            ipath = (*gpath, "pay", i)
            yield from _econ(catalog, item.econ, item.name, (*ipath, "econ"))
            yield from _function(catalog, item.function, (*ipath, "function"))
            yield from project_ref(item.project, (*ipath, "project"))
            if (item.amount is None) == (item.per_head is None):
                yield Problem("BG-E016", "工资项目需要 amount（合计）或 per_head（每人）之一，且只能填一个", ipath)
    for i, rule in enumerate(unit.contribution_rules):
        yield from _rule(catalog, rule, (*path, "contribution_rules", i))
        yield from project_ref(rule.project, (*path, "contribution_rules", i, "project"))
    for i, stated in enumerate(unit.operating_items):
        ipath = (*path, "operating_items", i)
        yield from _econ(catalog, stated.econ, stated.name, (*ipath, "econ"))
        yield from _function(catalog, stated.function, (*ipath, "function"))
        yield from project_ref(stated.project, (*ipath, "project"))
    seen: dict[str, int] = {}
    for p, project in enumerate(unit.projects):
        ppath = (*path, "projects", p)
        if project.code in seen:
            yield Problem(
                "BG-E024", f"项目代码“{project.code}”重复（与第 {seen[project.code] + 1} 个项目相同）", (*ppath, "code")
            )
        seen.setdefault(project.code, p)
        yield from _function(catalog, project.function, (*ppath, "function"))
        for i, line in enumerate(project.lines):
            yield from _econ(catalog, line.econ, line.name, (*ppath, "lines", i, "econ"))
            yield from _function(catalog, line.function, (*ppath, "lines", i, "function"))
    for i, purchase in enumerate(unit.procurement):
        yield from project_ref(purchase.project, (*path, "procurement", i, "project"))
    for i, code in enumerate(unit.show_zero):  # 科目 listed at zero: a 项 (7 digits) or an economic 款 (5)
        where = (*path, "show_zero", i)
        if len(code) == 5 and code.startswith("3"):
            yield from _econ(catalog, code, None, where)
        else:
            yield from _function(catalog, code, where)
    for code in unit.texts.function_purposes:
        for problem in _function(catalog, code, (*path, "texts", "function_purposes", code)):
            yield replace(problem, at_key=True)


def problems(budget: BudgetInput, catalog: Catalog) -> Iterator[Problem]:
    """Every reference problem of a validated input, in input order."""
    for i, rule in enumerate(budget.contribution_rules):
        yield from _rule(catalog, rule, ("contribution_rules", i))
        if rule.project is not None:
            yield Problem(
                "BG-E026", "部门默认缴费规则不能指定项目，请在单位的规则中指定", ("contribution_rules", i, "project")
            )
    seen: dict[str, int] = {}
    for u, unit in enumerate(budget.units):
        path: Path = ("units", u)
        if unit.code in seen:
            yield Problem(
                "BG-E024", f"单位代码“{unit.code}”重复（与第 {seen[unit.code] + 1} 个单位相同）", (*path, "code")
            )
        seen.setdefault(unit.code, u)
        if not unit.code.startswith(budget.department.code):
            yield Problem(
                "BG-E023", f"单位代码“{unit.code}”应以部门代码“{budget.department.code}”开头", (*path, "code")
            )
        yield from _unit(catalog, unit, path)
