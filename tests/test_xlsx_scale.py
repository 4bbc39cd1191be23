"""A unit with many projects: every merge of the workbook comes out right, and nothing is found by scanning.

The speed itself is measured in benchmarks/render.py; here the mechanism is tested: ``merge_range`` adds
a block without asking openpyxl whether it lies inside an earlier merge (that loop over every earlier
merge made a 2,000-project unit quadratic), and the merges it leaves are exactly the model's.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.worksheet.cell_range import MultiCellRange

from budgetgen.money import Node
from budgetgen.package.document import build_document
from budgetgen.pipeline import load_ledger
from budgetgen.render.xlsx import TITLE_ROWS, part_positions, render_xlsx, sheet_names

from .conftest import ROOT

PROJECTS = 60
PROFILE = "sichuan-2025"
BOLD = {"TOTAL", "DEPARTMENT", "UNIT", "GROUP"}


def _benchmark() -> ModuleType:
    """benchmarks/render.py, whose generator of a many-project unit this test shares (one definition)."""
    spec = importlib.util.spec_from_file_location("benchmark_render", ROOT / "benchmarks" / "render.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


big_unit = _benchmark().big_unit


def test_many_project_workbook_merges_without_scanning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = build_document(load_ledger(big_unit(PROJECTS, tmp_path), PROFILE), PROFILE)

    def scan(self: MultiCellRange, coord: object) -> bool:
        raise AssertionError("a merge scanned every earlier merge")

    monkeypatch.setattr(MultiCellRange, "__contains__", scan)
    data = render_xlsx(document.tables, document.title)
    monkeypatch.undo()
    book = load_workbook(io.BytesIO(data))
    bodies = 0
    for table, name in zip(document.tables, sheet_names(document.tables), strict=True):
        sheet = book[name]
        merged = {str(r) for r in sheet.merged_cells.ranges}
        expected: set[str] = set()
        for part, (header_top, body_top) in zip(table.parts, part_positions(table), strict=True):
            blocks = [(header_top + h.row, h.column + 1, h.rowspan, h.colspan) for h in part.header]
            if part.rows and not part.empty:
                blocks += [(body_top + m.row, m.column + 1, m.rowspan, m.colspan) for m in part.merges]
                bodies += len(part.merges)
                for r, row in enumerate(part.rows):  # body cells styled by copying an equal cell's style ids
                    for c in range(len(part.columns)):
                        cell = sheet.cell(body_top + r, c + 1)
                        if isinstance(cell, MergedCell):
                            continue
                        assert cell.border.left.style == "thin", cell.coordinate
                        assert cell.font.name == "宋体", cell.coordinate
                        assert bool(cell.font.b) == (row.role.name in BOLD or c in row.labels), cell.coordinate
            for row, column, rowspan, colspan in blocks:
                if rowspan > 1 or colspan > 1:
                    first = sheet.cell(row, column).coordinate
                    expected.add(f"{first}:{sheet.cell(row + rowspan - 1, column + colspan - 1).coordinate}")
            assert f"A{header_top - TITLE_ROWS + 1}" in {r.split(":")[0] for r in merged}  # the title
        assert expected <= merged, name
        covered: set[tuple[int, int]] = set()
        for block in sheet.merged_cells.ranges:
            cells = set(block.cells)
            assert not cells & covered, f"{name}: {block} overlaps another merge"
            covered |= cells
    assert bodies >= PROJECTS  # the performance table merges a block per project


class _NoScan(list[Node]):
    """A child list that refuses to be searched: only appending is allowed."""

    def __iter__(self) -> Iterator[Node]:
        raise AssertionError("a child was looked up by scanning every child")


def test_a_node_finds_its_children_by_key() -> None:
    root = Node("root", Decimal(0))
    root.children = _NoScan()
    first = root.child("a")
    assert root.child("b") is not first
    assert root.child("a") is first
    assert list.__len__(root.children) == 2
