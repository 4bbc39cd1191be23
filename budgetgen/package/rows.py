"""Row sets: which rows a table has, and which facts each row adds up.

A row set gives every fact a path (e.g. unit → 项) and lists the rows in display order, each with
the path prefix it covers: the 合计 row covers ``()``, a unit row ``(unit,)``, a 项 row
``(unit, 项)``. A row's amounts are then the sums of the displayed facts under its prefix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from budgetgen.catalogs import Catalog
from budgetgen.ledger.build import Ledger
from budgetgen.ledger.facts import Fact
from budgetgen.model.types import ProjectCategory
from budgetgen.package.model import RowRole

TOTAL_LABEL = "合计"

PathOf = Callable[[Fact], tuple[Hashable, ...]]


@dataclass(frozen=True)
class RowSpec:
    """A row to show: role, the fact-path prefix it covers, its labels, the prefixes it totals."""

    role: RowRole
    key: tuple[Hashable, ...]
    labels: dict[str, str] = field(default_factory=dict)
    children: tuple[tuple[Hashable, ...], ...] = ()


@dataclass(frozen=True)
class RowSet:
    """The rows of a table and the path of each fact."""

    path: PathOf
    rows: tuple[RowSpec, ...]


@dataclass(frozen=True)
class RowOptions:
    """What a table's spec says about its rows."""

    name_with_code: bool = False
    unit_code_on_items: bool = True
    show_zero: tuple[str, ...] = ()  # codes listed although no fact is on them
    unit_rows: str = "always"  # ``several``: a one-unit department's unit row stands for the department row
    department_row: bool = True


def split_function(code: str) -> dict[str, str]:
    """类 / 款 / 项 columns of a function code: 2080109 → 208 | 01 | 09."""
    return {"class": code[:3], "section": code[3:5], "item": code[5:7]}


def _head(ledger: Ledger, options: RowOptions | None = None) -> list[RowSpec]:
    """The 合计 row and the department row, which cover every fact of the table."""
    department = ledger.budget.department
    rows = [RowSpec(RowRole.TOTAL, (), {"name": TOTAL_LABEL})]
    if options is None or (options.department_row and not _single(ledger, options)):
        rows.append(RowSpec(RowRole.DEPARTMENT, (), {"unit": department.code, "name": department.name}))
    return rows


def _single(ledger: Ledger, options: RowOptions) -> bool:
    """Whether the one unit's row is printed as the department row (no separate unit row)."""
    return options.unit_rows == "several" and len(ledger.budget.units) == 1


def _unit_row(ledger: Ledger, options: RowOptions, code: str, name: str) -> RowSpec:
    """A unit's row; under ``unit_rows: several`` the one unit's row carries the department's code and name."""
    if _single(ledger, options):
        department = ledger.budget.department
        return RowSpec(RowRole.UNIT, (code,), {"unit": department.code, "name": department.name})
    return RowSpec(RowRole.UNIT, (code,), {"unit": code, "name": name})


def _units(ledger: Ledger, facts: Sequence[Fact]) -> list[tuple[str, str]]:
    present = {f.unit for f in facts}
    return [(u.code, u.name) for u in ledger.budget.units if u.code in present]


def _with_children(rows: list[RowSpec], paths: set[tuple[Hashable, ...]]) -> tuple[RowSpec, ...]:
    """Fill in which shown rows each row totals: those one level down, if they cover all its facts."""
    keys = {row.key for row in rows}
    under: dict[tuple[Hashable, ...], list[tuple[Hashable, ...]]] = defaultdict(list)
    for p in paths:  # every path under each of its prefixes: one pass, not rows x paths
        for depth in range(len(p) + 1):
            under[p[:depth]].append(p)
    result = []
    for row in rows:
        depth = len(row.key)
        below = under.get(row.key, [])
        if row.role is RowRole.DEPARTMENT or not below or any(len(p) == depth for p in below):
            result.append(row)
            continue
        children = tuple(dict.fromkeys(p[: depth + 1] for p in sorted(below, key=str)))
        if all(child in keys for child in children):
            result.append(RowSpec(row.role, row.key, row.labels, children))
        else:
            result.append(row)
    return tuple(result)


def units_rows(ledger: Ledger, facts: Sequence[Fact], options: RowOptions) -> RowSet:
    """合计, department, one row per unit (附表2, 9, 11)."""
    rows = _head(ledger) + [
        RowSpec(RowRole.UNIT, (code,), {"unit": code, "name": name}) for code, name in _units(ledger, facts)
    ]

    def path(fact: Fact) -> tuple[Hashable, ...]:
        return (fact.unit,)

    return RowSet(path, _with_children(rows, {path(f) for f in facts}))


def function_item_rows(ledger: Ledger, facts: Sequence[Fact], options: RowOptions) -> RowSet:
    """合计, department, each unit followed by its 项 rows in code order (附表3, 6, 10, 12)."""
    catalog = ledger.catalog

    def path(fact: Fact) -> tuple[Hashable, ...]:
        return (fact.unit, fact.function)

    rows = _head(ledger, options)
    for code, name in _units(ledger, facts):
        rows.append(_unit_row(ledger, options, code, name))
        for function in sorted({f.function for f in facts if f.unit == code}):
            labels = split_function(function) | {"name": catalog.function_name(function)}
            if options.unit_code_on_items:
                labels["unit"] = code
            rows.append(RowSpec(RowRole.ITEM, (code, function), labels))
    return RowSet(path, _with_children(rows, {path(f) for f in facts}))


def _econ_name(catalog: Catalog, code: str, facts: Sequence[Fact]) -> str:
    if code in catalog.econ:
        return catalog.econ_name(code)
    return next((f.econ_name for f in facts if f.econ == code and f.econ_name), code)


def econ_tree_rows(ledger: Ledger, facts: Sequence[Fact], options: RowOptions) -> RowSet:
    """合计, department, unit, then economic 类 → 款 → detail rows (附表5, 7)."""
    catalog = ledger.catalog

    def path(fact: Fact) -> tuple[Hashable, ...]:
        base: tuple[Hashable, ...] = (fact.unit, fact.econ_class, fact.econ_section)
        return (*base, fact.econ) if len(fact.econ) > 5 else base

    def name(code: str) -> str:
        text = _econ_name(catalog, code, facts)
        return f"{code} {text}" if options.name_with_code else text

    rows = _head(ledger)
    for unit, unit_name in _units(ledger, facts):
        rows.append(RowSpec(RowRole.UNIT, (unit,), {"unit": unit, "name": unit_name}))
        own = [f for f in facts if f.unit == unit]
        for econ_class in sorted({f.econ_class for f in own}):
            rows.append(RowSpec(RowRole.GROUP, (unit, econ_class), {"class": econ_class, "name": name(econ_class)}))
            in_class = [f for f in own if f.econ_class == econ_class]
            for section in sorted({f.econ_section for f in in_class}):
                labels = {"class": econ_class, "section": section[3:5], "name": name(section)}
                if options.unit_code_on_items:
                    labels["unit"] = unit
                rows.append(RowSpec(RowRole.SUBGROUP, (unit, econ_class, section), labels))
                for detail in sorted({f.econ for f in in_class if f.econ_section == section and len(f.econ) > 5}):
                    rows.append(
                        RowSpec(RowRole.DETAIL, (unit, econ_class, section, detail), labels | {"name": name(detail)})
                    )
    return RowSet(path, _with_children(rows, {path(f) for f in facts}))


def project_rows(ledger: Ledger, facts: Sequence[Fact], options: RowOptions) -> RowSet:
    """合计, department, unit, then each 项 with its projects in input order (附表8)."""
    catalog = ledger.catalog

    def path(fact: Fact) -> tuple[Hashable, ...]:
        return (fact.unit, fact.function, fact.project or "")

    rows = _head(ledger)
    for code, unit_name in _units(ledger, facts):
        rows.append(RowSpec(RowRole.UNIT, (code,), {"unit": code, "name": unit_name}))
        unit = ledger.unit(code)
        own = [f for f in facts if f.unit == code]
        for function in sorted({f.function for f in own}):
            rows.append(RowSpec(RowRole.GROUP, (code, function), {"name": catalog.function_name(function)}))
            present = {f.project for f in own if f.function == function}
            for project in unit.projects:
                if project.code in present:
                    labels = split_function(function) | {"unit": code, "name": project.name}
                    rows.append(RowSpec(RowRole.ITEM, (code, function, project.code), labels))
    return RowSet(path, _with_children(rows, {path(f) for f in facts}))


def function_tree_rows(ledger: Ledger, facts: Sequence[Fact], options: RowOptions) -> RowSet:
    """合计, then each 类, its 款 and their 项 with the whole code, over all units (no unit rows)."""
    catalog = ledger.catalog

    def path(fact: Fact) -> tuple[Hashable, ...]:
        return (fact.function_class, fact.function_section, fact.function)

    codes = {f.function for f in facts} | {c for c in options.show_zero if len(c) == 7 and c in catalog.functions}
    rows = [RowSpec(RowRole.TOTAL, (), {"code": "", "name": TOTAL_LABEL})]
    roles = {3: RowRole.GROUP, 5: RowRole.SUBGROUP, 7: RowRole.ITEM}
    keys: set[tuple[str, ...]] = set()
    for c in codes:
        keys |= {(c[:3],), (c[:3], c[:5]), (c[:3], c[:5], c)}
    for key in sorted(keys):
        code = str(key[-1])
        rows.append(RowSpec(roles[len(code)], key, {"code": code, "name": catalog.function_name(code)}))
    return RowSet(path, _with_children(rows, {path(f) for f in facts}))


def econ_section_rows(ledger: Ledger, facts: Sequence[Fact], options: RowOptions) -> RowSet:
    """合计, then each economic 类 and its 款 with the whole code, over all units (no detail rows)."""
    catalog = ledger.catalog

    def path(fact: Fact) -> tuple[Hashable, ...]:
        return (fact.econ_class, fact.econ_section)

    sections = {f.econ_section for f in facts} | {c for c in options.show_zero if len(c) == 5 and c in catalog.econ}
    rows = [RowSpec(RowRole.TOTAL, (), {"code": "", "name": TOTAL_LABEL})]
    for econ_class in sorted({s[:3] for s in sections}):
        rows.append(
            RowSpec(RowRole.GROUP, (econ_class,), {"code": econ_class, "name": _econ_name(catalog, econ_class, facts)})
        )
        for section in sorted(s for s in sections if s.startswith(econ_class)):
            labels = {"code": section, "name": _econ_name(catalog, section, facts)}
            rows.append(RowSpec(RowRole.SUBGROUP, (econ_class, section), labels))
    return RowSet(path, _with_children(rows, {path(f) for f in facts}))


def econ_section_government_rows(ledger: Ledger, facts: Sequence[Fact], options: RowOptions) -> RowSet:
    """合计, (department), one row per economic 款 beside the 政府预算经济分类 款 it maps to, in code order.

    A 款 that maps to two government 款 (by unit kind) gets a row for each.
    """
    catalog = ledger.catalog
    department = ledger.budget.department

    def path(fact: Fact) -> tuple[Hashable, ...]:
        return (fact.econ_section, fact.government_econ or "")

    rows = [RowSpec(RowRole.TOTAL, (), {"name": TOTAL_LABEL, "code": ""})]
    if options.department_row:
        rows.append(RowSpec(RowRole.DEPARTMENT, (), {"class": department.code, "name": department.name}))
    for section, government in sorted({(f.econ_section, f.government_econ or "") for f in facts}):
        entry = catalog.government.get(government)
        labels = {
            "code": section,
            "class": section[:3],
            "section": section[3:5],
            "name": _econ_name(catalog, section, facts),
            "government_code": government,
            "government_class": government[:3],
            "government_section": government[3:5],
            "government_name": entry.name if entry else "",
        }
        rows.append(RowSpec(RowRole.ITEM, (section, government), labels))
    return RowSet(path, _with_children(rows, {path(f) for f in facts}))


def project_list_rows(ledger: Ledger, facts: Sequence[Fact], options: RowOptions) -> RowSet:
    """合计, department, then every project with money: by category (as the enum lists them), 项, input order.

    A project row's labels: ``category``, ``code``, ``name`` and ``unit_name`` (the paying unit's name);
    the department row has the department's code under ``name`` and its name under ``unit_name``.
    """
    department = ledger.budget.department

    def path(fact: Fact) -> tuple[Hashable, ...]:
        return (fact.unit, fact.project or "")

    rows = [RowSpec(RowRole.TOTAL, (), {"category": TOTAL_LABEL, "name": ""})]
    if options.department_row:
        rows.append(RowSpec(RowRole.DEPARTMENT, (), {"name": department.code, "unit_name": department.name}))
    functions: dict[tuple[str, str], str] = {}
    for fact in facts:
        if fact.project is not None:
            functions.setdefault((fact.unit, fact.project), fact.function)
    order = list(ProjectCategory)
    listed = []
    for unit in ledger.budget.units:
        for index, project in enumerate(unit.projects):
            if (unit.code, project.code) in functions:
                key = (order.index(project.category), functions[(unit.code, project.code)], index)
                listed.append((key, unit, project))
    ordered = [(unit, project) for _, unit, project in sorted(listed, key=lambda x: x[0])]
    rows[0] = RowSpec(RowRole.TOTAL, (), rows[0].labels, tuple((u.code, p.code) for u, p in ordered))
    for unit, project in ordered:
        labels = {
            "category": project.category.value,
            "code": project.code,
            "name": project.name,
            "unit_name": unit.name,
            "unit": unit.code,
        }
        rows.append(RowSpec(RowRole.ITEM, (unit.code, project.code), labels))
    return RowSet(path, tuple(rows))


ROW_SETS: dict[str, Callable[[Ledger, Sequence[Fact], RowOptions], RowSet]] = {
    "units": units_rows,
    "function_items": function_item_rows,
    "econ_tree": econ_tree_rows,
    "projects": project_rows,
    "function_tree": function_tree_rows,
    "econ_sections": econ_section_rows,
    "econ_sections_government": econ_section_government_rows,
    "project_list": project_list_rows,
}
