"""Classification catalogs of a budget year, read from the CSV files beside this module.

Codes are data: the 支出功能分类 (类 / 款 / 项 with names and 名词解释 text), the 部门预算支出经济分类,
the 政府预算支出经济分类 and the mapping between the two economic classifications by unit kind.
A new year is a new folder ``catalogs/<year>/``; each file names its source in its comment lines.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from budgetgen.model.types import UnitKind

CATALOG_DIR = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class Entry:
    """One code of a classification: code, name and (for 功能分类) its explanation."""

    code: str
    name: str
    explanation: str = ""


@dataclass(frozen=True)
class Catalog:
    """All classifications of one budget year."""

    year: int
    functions: dict[str, Entry]
    econ: dict[str, Entry]
    government: dict[str, Entry]
    econ_mapping: dict[str, tuple[str, str]]

    def function_classes(self) -> list[Entry]:
        """Every 类 of the year in code order (the rows of 附表1)."""
        return [entry for code, entry in self.functions.items() if len(code) == 3]

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


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#") and line.strip()]
    return list(csv.DictReader(lines))


def available_years() -> list[int]:
    """Budget years that have a catalog folder."""
    return sorted(int(p.name) for p in CATALOG_DIR.iterdir() if p.is_dir() and p.name.isdigit())


@cache
def load_catalog(year: int) -> Catalog:
    """The catalog of a budget year; raises KeyError when there is none."""
    folder = CATALOG_DIR / str(year)
    if not folder.is_dir():
        raise KeyError(year)
    functions = {
        row["code"]: Entry(row["code"], row["name"], row.get("explanation") or "")
        for row in _rows(folder / "function.csv")
    }
    econ = {row["code"]: Entry(row["code"], row["name"]) for row in _rows(folder / "econ_departmental.csv")}
    government = {row["code"]: Entry(row["code"], row["name"]) for row in _rows(folder / "econ_government.csv")}
    mapping = {
        row["departmental"]: (row.get("agency") or "", row.get("institution") or "")
        for row in _rows(folder / "econ_mapping.csv")
    }
    return Catalog(year, functions, econ, government, mapping)
