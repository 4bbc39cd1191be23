"""What ``catalog show``, ``catalog diff`` and ``template --year`` tell a user about the catalogs, as text lines."""

from __future__ import annotations

from pathlib import Path

from budgetgen.catalogs import Catalog, available_years, catalog_year, load_catalog
from budgetgen.catalogs.history import changes_between, code_history
from budgetgen.catalogs.local import read_local
from budgetgen.diagnostics import Diagnostic, InputError, Location, Severity


def require_catalog(year: int, where: str) -> Catalog:
    """The catalog a year uses, or a located BG-E025 before the first year (``where``: the option or argument)."""
    try:
        return load_catalog(year)
    except KeyError:
        message = f"没有 {year} 年的科目表（最早为 {available_years()[0]} 年）"
        raise InputError([Diagnostic("BG-E025", message, Location(where))]) from None


def fallback_note(year: int, catalog: Catalog, where: str) -> Diagnostic | None:
    """The BG-C180 warning when a year uses an earlier year's catalog."""
    if catalog.year == year:
        return None
    message = f"预算年度 {year} 年使用 {catalog.year} 年科目表（尚无 {year} 年科目表）"
    return Diagnostic("BG-C180", message, Location(where), Severity.WARNING)


def diff_lines(first: int, second: int) -> list[str]:
    """The changes between two years' catalogs, one line each with its source, and a count."""
    first, second = sorted((first, second))
    for year in (first, second):
        require_catalog(year, str(year))
    lines = [
        f"{year} 年使用 {catalog_year(year)} 年科目表（尚无 {year} 年科目表）"
        for year in (first, second)
        if catalog_year(year) != year
    ]
    changes = changes_between(first, second)
    lines += [item.describe() for item in changes]
    return [*lines, f"{first} 年 → {second} 年：共 {len(changes)} 处变化。"]


def show_lines(code: str, year: int | None, local: Path | None) -> list[str]:
    """One code: name and catalog, parents, explanation, whether 收支总表 lists it, its history."""
    chosen = year or available_years()[-1]
    table = require_catalog(chosen, "--year")
    if local is not None:
        table = read_local(local, table)
    entries = table.functions if code.startswith("2") else table.econ if code.startswith("3") else table.government
    entry = entries.get(code)
    label = f"{table.year} 年科目表" + (f"（{chosen} 年使用）" if table.year != chosen else "")
    history = [item.describe() for item in code_history(code)]
    if entry is None:
        near = table.nearest_functions(code, len(code)) if code.startswith("2") else table.nearest_econ(code)
        hint = "最接近的有效科目：" + "、".join(f"{c} {entries[c].name}" for c in near if c in entries)
        error = "BG-E020" if code.startswith("2") else "BG-E021"
        raise InputError([Diagnostic(error, f"“{code}”不在{label}中", Location(code), hints=(hint, *history))])
    lines = [f"{code} {entry.name}（{label}{'，本地科目' if code in table.local else ''}）"]
    lines += [f"  上级 {code[:n]} {entries[code[:n]].name}" for n in range(3, len(code), 2) if code[:n] in entries]
    if entry.explanation:
        lines.append(f"  说明：{entry.explanation}")
    if code in table.unlisted:
        lines.append("  本年度的收支总表不单列此类")
    return lines + [f"  {line}" for line in history]
