"""Classification catalogs of a budget year, built from the data files beside this module.

Codes are data: the 支出功能分类 (类 / 款 / 项 with names and 名词解释 text), the 部门预算支出经济分类,
the 政府预算支出经济分类 and the mapping between the two economic classifications by unit kind.
``base-2019/`` is the first year; ``changes/<year>.csv`` says what each later year changed (see ``build``).
A budget year without its own change file uses the newest earlier catalog (``catalog_year``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from functools import cache

from budgetgen.catalogs.build import BASE_YEAR, build_tables, change_years
from budgetgen.model.types import UnitKind


@dataclass(frozen=True, slots=True)
class Entry:
    """One code of a classification: code, name and (for 功能分类) its explanation."""

    code: str
    name: str
    explanation: str = ""


@dataclass(frozen=True)
class Catalog:
    """All classifications of one catalog year (``year``: may be earlier than the budget year that uses it)."""

    year: int
    functions: dict[str, Entry]
    econ: dict[str, Entry]
    government: dict[str, Entry]
    econ_mapping: dict[str, tuple[str, str]]
    unlisted: frozenset[str] = frozenset()  # 类 that are valid codes but no row of the 收支总表 lists
    local: frozenset[str] = frozenset()  # codes added by the budget's own catalog.csv

    def function_classes(self) -> list[Entry]:
        """Every 类 of the year in code order (the rows of 附表1)."""
        return [entry for code, entry in self.functions.items() if len(code) == 3 and code not in self.unlisted]

    def with_local(self, functions: dict[str, Entry], econ: dict[str, Entry]) -> Catalog:
        """This catalog with a budget's local 项 and detail economic codes added (already checked)."""
        return replace(
            self,
            functions=dict(sorted({**self.functions, **functions}.items())),
            econ=dict(sorted({**self.econ, **econ}.items())),
            local=self.local | frozenset(functions) | frozenset(econ),
        )

    def function_name(self, code: str) -> str:
        """Name of a 类, 款 or 项 code (the code itself when unknown)."""
        entry = self.functions.get(code)
        return entry.name if entry else code

    def econ_name(self, code: str) -> str:
        """Name of a departmental economic 类 or 款 (the code itself when unknown)."""
        entry = self.econ.get(code)
        return entry.name if entry else code

    def government_code(self, econ: str, kind: UnitKind) -> str | None:
        """The 政府预算支出经济分类 款 of a departmental economic code for this kind of unit."""
        pair = self.econ_mapping.get(econ[:5])
        if pair is None:
            return None
        agency, institution = pair
        code = institution if kind is UnitKind.PUBLIC_INSTITUTION else agency
        return code or None

    def nearest_functions(self, code: str, level: int = 7) -> list[str]:
        """Valid function codes of the given length closest to an unknown one, best first."""
        return nearest(code, [c for c in self.functions if len(c) == level])

    def nearest_econ(self, code: str) -> list[str]:
        """Valid economic 款 closest to an unknown code, best first."""
        return nearest(code[:5], [c for c in self.econ if len(c) == 5])

    def econ_by_name(self, name: str) -> list[str]:
        """Economic codes whose name is the stated one, or contains it (or is contained in it), best first."""
        return by_name(name, {c: e.name for c, e in self.econ.items() if len(c) >= 5})


def by_name(name: str, names: dict[str, str], limit: int = 3) -> list[str]:
    """Codes whose name equals ``name`` first, then names containing it or contained in it."""
    wanted = name.strip()
    if not wanted:
        return []
    exact = [c for c, n in names.items() if n == wanted]
    partial = [c for c, n in names.items() if n != wanted and (wanted in n or (len(n) >= 2 and n in wanted))]
    return (exact + partial)[:limit]


def nearest(code: str, candidates: list[str], limit: int = 3) -> list[str]:
    """The candidates that share the longest prefix with ``code``, then the most similar."""

    def prefix(candidate: str) -> int:
        n = 0
        for a, b in zip(code, candidate, strict=False):
            if a != b:
                break
            n += 1
        return n

    def score(candidate: str) -> tuple[int, float, str]:
        ratio = difflib.SequenceMatcher(None, code, candidate).ratio()
        return (-prefix(candidate), -ratio, candidate)

    return sorted(candidates, key=score)[:limit]


def available_years() -> list[int]:
    """Budget years that have a catalog of their own: the base year and every year with a change file."""
    return sorted({BASE_YEAR, *change_years()})


def catalog_year(year: int) -> int | None:
    """The catalog a budget year uses: its own, else the newest earlier one (None before the first)."""
    earlier = [y for y in available_years() if y <= year]
    return earlier[-1] if earlier else None


@cache
def load_catalog(year: int) -> Catalog:
    """The catalog a budget year uses (its own or the newest earlier); KeyError before the first year."""
    used = catalog_year(year)
    if used is None:
        raise KeyError(year)
    tables, unlisted, mapping = build_tables(used)
    functions = {code: Entry(code, name, explanation) for code, (name, explanation) in tables["function"].items()}
    econ = {code: Entry(code, name) for code, (name, _) in tables["econ"].items()}
    government = {code: Entry(code, name) for code, (name, _) in tables["government"].items()}
    return Catalog(used, functions, econ, government, mapping, frozenset(unlisted))
