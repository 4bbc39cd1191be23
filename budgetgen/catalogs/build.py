"""Each year's catalog from the base year and the change files of the later years.

``base-2019/`` holds the four classifications of the first year; ``changes/<year>.csv`` lists what that year's
edition of 《政府收支分类科目》 changed against the year before, one line per change with its source note. A year's
catalog is the base with every change file up to that year applied in order, so adding a year is one short file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
BASE_DIR = HERE / "base-2019"
BASE_YEAR = 2019
CHANGES_DIR = HERE / "changes"
TABLES = ("function", "econ", "government")
ACTIONS = ("add", "rename", "remove", "move", "unlist", "list")


class CatalogDataError(Exception):
    """A catalog data file that cannot be applied: names the file and line."""

    def __init__(self, file: Path, line: int, message: str) -> None:
        self.file, self.line = file, line
        super().__init__(f"{file.name}:{line}: {message}")


@dataclass(frozen=True, slots=True)
class Change:
    """One line of a change file: what a year changed, and where the project read it."""

    year: int
    table: str
    action: str
    code: str
    name: str
    successor: str
    explanation: str
    note: str
    line: int


def data_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of a data CSV with their line numbers (comment lines start with ``#``)."""
    with path.open(encoding="utf-8", newline="") as handle:
        numbered = [(n, line) for n, line in enumerate(handle, start=1) if not line.startswith("#") and line.strip()]
    if not numbered:
        return []
    reader = csv.DictReader(line for _, line in numbered)
    return [(numbered[i + 1][0], row) for i, row in enumerate(reader)]


def change_years() -> list[int]:
    """The years that have a change file, in order."""
    return sorted(int(p.stem) for p in CHANGES_DIR.glob("*.csv") if p.stem.isdigit())


def read_changes(year: int) -> list[Change]:
    """The change lines of one year, checked for form (table, action, code)."""
    path = CHANGES_DIR / f"{year}.csv"
    changes = []
    for line, row in data_rows(path):
        change = Change(
            year,
            (row.get("table") or "").strip(),
            (row.get("action") or "").strip(),
            (row.get("code") or "").strip(),
            (row.get("name") or "").strip(),
            (row.get("successor") or "").strip(),
            (row.get("explanation") or "").strip(),
            (row.get("note") or "").strip(),
            line,
        )
        if change.table not in TABLES or change.action not in ACTIONS or not change.code.isdigit():
            raise CatalogDataError(path, line, f"bad change line {row}")
        if not change.note:
            raise CatalogDataError(path, line, "every change names its source in the note column")
        changes.append(change)
    return changes


Table = dict[str, tuple[str, str]]  # code -> (name, explanation)


def parent(table: str, code: str) -> str | None:
    """The code one level up: 类 of a 款, 款 of a 项 (None for a 类)."""
    if len(code) <= 3:
        return None
    return code[:-2] if table == "function" or len(code) == 5 else code[:5] if len(code) == 7 else code[:7]


def apply(tables: dict[str, Table], unlisted: set[str], change: Change) -> None:
    """Apply one change in place; raise CatalogDataError when it does not fit the catalog as it stands."""
    path = CHANGES_DIR / f"{change.year}.csv"
    table = tables[change.table]

    def fail(message: str) -> None:
        raise CatalogDataError(path, change.line, f"{change.action} {change.code}: {message}")

    exists = change.code in table
    if change.action == "add":
        if exists:
            fail("code already exists")
        up = parent(change.table, change.code)
        if up is not None and up not in table:
            fail(f"parent {up} does not exist")
        if not change.name:
            fail("name is empty")
        table[change.code] = (change.name, change.explanation)
    elif not exists:
        fail("code does not exist")
    elif change.action == "rename":
        if not change.name or change.name == table[change.code][0]:
            fail("new name is empty or unchanged")
        table[change.code] = (change.name, change.explanation or table[change.code][1])
    elif change.action in ("remove", "move"):
        if any(c != change.code and c.startswith(change.code) for c in table):
            fail("code still has codes below it")
        if change.action == "move" and change.successor not in table:
            fail(f"successor {change.successor} does not exist")
        del table[change.code]
        unlisted.discard(change.code)
    elif len(change.code) != 3:
        fail("only a 类 is listed or unlisted")
    elif change.action == "unlist":
        unlisted.add(change.code)
    else:
        unlisted.discard(change.code)


def base_tables() -> tuple[dict[str, Table], dict[str, tuple[str, str]]]:
    """The base year's three classifications and the mapping between the two economic ones."""
    functions = {r["code"]: (r["name"], r.get("explanation") or "") for _, r in data_rows(BASE_DIR / "function.csv")}
    econ = {r["code"]: (r["name"], "") for _, r in data_rows(BASE_DIR / "econ_departmental.csv")}
    government = {r["code"]: (r["name"], "") for _, r in data_rows(BASE_DIR / "econ_government.csv")}
    mapping = {
        r["departmental"]: (r.get("agency") or "", r.get("institution") or "")
        for _, r in data_rows(BASE_DIR / "econ_mapping.csv")
    }
    return {"function": functions, "econ": econ, "government": government}, mapping


def build_tables(year: int) -> tuple[dict[str, Table], set[str], dict[str, tuple[str, str]]]:
    """The classifications of ``year`` (base plus every change up to it), the unlisted 类 and the mapping."""
    tables, mapping = base_tables()
    unlisted: set[str] = set()
    for change_year in change_years():
        if change_year > year:
            break
        changes = read_changes(change_year)
        for change in changes:
            apply(tables, unlisted, change)
        for change in changes:
            if change.successor and change.successor not in tables[change.table]:
                raise CatalogDataError(
                    CHANGES_DIR / f"{change_year}.csv", change.line, f"successor {change.successor} does not exist"
                )
    return {name: dict(sorted(table.items())) for name, table in tables.items()}, unlisted, mapping
