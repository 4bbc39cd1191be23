"""The Excel renderer: one sheet per 附表, built from the document model with openpyxl.

It knows the document model only: a ``Table`` becomes a sheet with its 附表 number, merged title,
部门 and 金额单位 line, the merged header tree and typed body cells. Amounts are numbers with the
``#,##0.00`` format (a zero amount is an empty cell); text is always written as text, so input that
starts with ``=`` never becomes a formula.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Sequence
from contextvars import ContextVar
from copy import copy
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from budgetgen.excel import FIXED_TIME, clean_text, fixed_modified, text_only
from budgetgen.files import normalize_zip
from budgetgen.package.model import ColumnKind, Row, RowRole, Table, TablePart, Value

FONT = "宋体"
_STYLE: ContextVar[tuple[str, str]] = ContextVar("xlsx_style", default=(FONT, "F2F2F2"))  # font, label fill
# Body cells styled so far in this workbook, by (number format, bold, label, kind): the style ids they got.
# Setting font, border, fill and alignment one by one hashes each style object anew, per cell; copying
# the ids of an equal cell gives the same workbook at a fraction of the cost on a big unit.
_CELL_STYLES: ContextVar[dict[tuple[object, ...], Any] | None] = ContextVar("xlsx_cell_styles", default=None)
AMOUNT_FORMAT = "#,##0.00"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BOLD_ROLES = {RowRole.TOTAL, RowRole.DEPARTMENT, RowRole.UNIT, RowRole.GROUP}
TITLE_ROWS = 3  # 附表 number, title, 部门 / 金额单位 line


def display_width(text: str) -> float:
    """Width of text in Excel's units: East Asian wide characters count double."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def _write(cell: Cell, value: Value, kind: ColumnKind, amount_format: str = AMOUNT_FORMAT) -> None:
    if value is None:
        return
    if isinstance(value, Decimal):
        cell.value = value if kind is ColumnKind.AMOUNT else value.normalize()
        if kind is ColumnKind.AMOUNT:
            cell.number_format = amount_format
        else:
            cell.number_format = "0.##"
        return
    if isinstance(value, int):
        cell.value = value
        return
    cell.value = clean_text(value)
    cell.data_type = "s"  # never a formula, an error code or a number, whatever the text says


def _font(bold: bool = False, size: float = 10.5) -> Font:
    return Font(name=_STYLE.get()[0], size=size, bold=bold)


def _fill() -> PatternFill:
    return PatternFill("solid", fgColor=_STYLE.get()[1])


def _columns_width(part: TablePart) -> list[float]:
    """Column widths: the spec's, widened for the header words and the content (text wraps past 1.6x)."""
    widths = [c.width for c in part.columns]
    for h in part.header:
        if h.colspan == 1:
            widths[h.column] = max(widths[h.column], min(display_width(h.label), 12) + 1)
    limits = [max(w * 1.6, 12) for w in widths]
    for row in part.rows:
        for i, value in enumerate(row.values):
            if isinstance(value, str) and part.columns[i].kind is not ColumnKind.AMOUNT:
                widths[i] = max(widths[i], min(display_width(value) + 2, limits[i]))
            elif isinstance(value, Decimal):
                widths[i] = max(widths[i], len(f"{value:,.2f}") * 1.1 + 2)
    return widths


def _title_block(sheet: Worksheet, table: Table, width: int, top: int, label: str) -> None:
    if label:
        sheet.cell(top, 1, label).font = _font(bold=True)
    title = sheet.cell(top + 1, 1, clean_text(table.title))
    title.font = _font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center", vertical="center")
    merge_range(sheet, top + 1, 1, top + 1, width)
    sheet.row_dimensions[top + 1].height = 30
    if table.period and width >= 3:  # three parts: 部门 (the longest), 预算年度 in the centre, 金额单位
        left = max(1, min(-(-width * 2 // 5), width - 2))
        right = max(1, min(width // 4, width - left - 1))
        _line_cell(sheet, top + 2, 1, left, table.department, "left")
        _line_cell(sheet, top + 2, left + 1, width - right, table.period, "center")
        _line_cell(sheet, top + 2, width - right + 1, width, table.unit_label, "right")
        return
    half = max(1, width // 2)
    department = sheet.cell(top + 2, 1, clean_text(table.department))
    department.data_type = "s"
    department.font = _font()
    if half > 1:
        merge_range(sheet, top + 2, 1, top + 2, half)
    unit = sheet.cell(top + 2, width, table.unit_label)
    unit.font = _font()
    unit.alignment = Alignment(horizontal="right")
    if width - half > 1:
        merge_range(sheet, top + 2, half + 1, top + 2, width)
        sheet.cell(top + 2, half + 1).value = table.unit_label
        sheet.cell(top + 2, half + 1).alignment = Alignment(horizontal="right")
        sheet.cell(top + 2, half + 1).font = _font()


def _line_cell(sheet: Worksheet, row: int, first: int, last: int, text: str, align: str) -> None:
    cell = sheet.cell(row, first, clean_text(text))
    cell.data_type = "s"
    cell.font = _font()
    cell.alignment = Alignment(horizontal=align)
    if last > first:
        merge_range(sheet, row, first, row, last)


def _header(sheet: Worksheet, part: TablePart, top: int) -> None:
    for r in range(part.header_rows):
        for c in range(len(part.columns)):
            cell = sheet.cell(top + r, c + 1)
            cell.border = _BORDER
            cell.fill = _fill()
    for h in part.header:
        cell = sheet.cell(top + h.row, h.column + 1, h.label)
        cell.font = _font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        _merge(sheet, top + h.row, h.column + 1, h.rowspan, h.colspan)


def _merge(sheet: Worksheet, row: int, column: int, rowspan: int, colspan: int) -> None:
    """Merge a block given by its top-left cell (1-based) and its spans; a 1x1 block is left alone."""
    if rowspan > 1 or colspan > 1:
        merge_range(sheet, row, column, row + rowspan - 1, column + colspan - 1)


def merge_range(sheet: Worksheet, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
    """Merge a block as ``Worksheet.merge_cells`` does, without its scan of every earlier merge.

    ``merge_cells`` first asks whether the block lies inside an existing merge, a loop over all of
    them, which made a sheet of n merges cost n² (a 2,000-project unit spent most of its time there).
    Our merges never overlap, so the block goes straight into the sheet's set; the set and the cells
    come out as ``merge_cells`` leaves them, so the workbook's bytes do not change.
    """
    block = MergedCellRange(
        sheet, CellRange(min_col=first_column, min_row=first_row, max_col=last_column, max_row=last_row).coord
    )
    sheet.merged_cells.ranges.add(block)
    sheet._clean_merge_range(block)


def _body(sheet: Worksheet, part: TablePart, top: int, empty_note: str, amount_format: str = AMOUNT_FORMAT) -> None:
    if part.empty or not part.rows:
        cell = sheet.cell(top, 1, empty_note)
        cell.font = _font()
        cell.alignment = Alignment(horizontal="center")
        merge_range(sheet, top, 1, top, len(part.columns))
        for c in range(len(part.columns)):
            sheet.cell(top, c + 1).border = _BORDER
        return
    for r, row in enumerate(part.rows):
        _row(sheet, part, row, top + r, amount_format)
    for merge in part.merges:
        _merge(sheet, top + merge.row, merge.column + 1, merge.rowspan, merge.colspan)


def _row(sheet: Worksheet, part: TablePart, row: Row, number: int, amount_format: str = AMOUNT_FORMAT) -> None:
    bold = row.role in _BOLD_ROLES
    styles = _CELL_STYLES.get()
    for c, (column, value) in enumerate(zip(part.columns, row.values, strict=True)):
        cell = sheet.cell(number, c + 1)
        kind = row.kind(c, column.kind)
        _write(cell, value, kind, amount_format)
        label = c in row.labels
        key = (None if cell._style is None else cell._style.numFmtId, bold or label, label, kind)
        if styles is not None and key in styles:  # styled like a cell before: take its style ids
            cell._style = copy(styles[key])
            continue
        _style_cell(cell, kind, bold or label, label)
        if styles is not None:
            styles[key] = copy(cell._style)


def _style_cell(cell: Cell, kind: ColumnKind, bold: bool, label: bool) -> None:
    """Border, font, fill and alignment of a body cell: by its column kind, and whether a label."""
    cell.border = _BORDER
    cell.font = _font(bold=bold)
    if label:
        cell.fill = _fill()
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    elif kind is ColumnKind.AMOUNT or kind is ColumnKind.NUMBER:
        cell.alignment = Alignment(horizontal="right", vertical="center")
    elif kind is ColumnKind.CODE:
        cell.alignment = Alignment(horizontal="center", vertical="center")
    else:
        cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)


def _form_heights(sheet: Worksheet, part: TablePart, top: int, widths: list[float]) -> None:
    """Rows of a form hold long text in merged cells, which no spreadsheet sizes by itself: set their height.

    Only rows laid out cell by cell (forms and record tables) get a height; the 附表 keep the default.
    """
    spans = {(m.row, m.column): m for m in part.merges}
    for r, row in enumerate(part.rows):
        if not row.kinds:
            continue
        lines = 1.0
        for c, value in enumerate(row.values):
            if not isinstance(value, str) or not value:
                continue
            merge = spans.get((r, c))
            columns = range(c, c + (merge.colspan if merge else 1))
            room = max(4.0, sum(widths[i] for i in columns if i < len(widths)) - 1)
            needed = sum(math.ceil(max(display_width(line), 1) / room) for line in value.split("\n"))
            lines = max(lines, needed / (merge.rowspan if merge else 1))
        if lines > 1:
            sheet.row_dimensions[top + r].height = round(14.5 * math.ceil(lines), 1)


def part_positions(table: Table) -> list[tuple[int, int]]:
    """(first header row, first body row) of each part on its sheet, 1-based.

    Parts are stacked: title block, header, body (or the empty note), one blank row.
    """
    positions = []
    top = 1
    for part in table.parts:
        header_top = top + TITLE_ROWS
        body_top = header_top + part.header_rows
        positions.append((header_top, body_top))
        top = body_top + (len(part.rows) if part.rows and not part.empty else 1) + 1
    return positions


def sheet_names(tables: Sequence[Table]) -> list[str]:
    """Valid, unique worksheet names (at most 31 characters, none of ``[]:*?/\\``)."""
    names: list[str] = []
    for table in tables:
        base = re.sub(r"[\[\]:*?/\\]", "", table.sheet_name)[:31] or "表"
        name, n = base, 1
        while name.lower() in (x.lower() for x in names) or name == "目录":
            n += 1
            name = f"{base[: 31 - len(str(n)) - 1]}_{n}"
        names.append(name)
    return names


def _sheet(workbook: Workbook, table: Table, name: str) -> None:
    sheet = workbook.create_sheet(name)
    amount_format = AMOUNT_FORMAT if table.thousands else "0.00"
    width = max(len(p.columns) for p in table.parts)
    widths = [0.0] * width
    for part in table.parts:
        for i, w in enumerate(_columns_width(part)):
            widths[i] = max(widths[i], w)
    for i, w in enumerate(widths):
        sheet.column_dimensions[get_column_letter(i + 1)].width = round(w, 1)
    positions = part_positions(table)
    for index, (part, (header_top, body_top)) in enumerate(zip(table.parts, positions, strict=True)):
        top = header_top - TITLE_ROWS
        if index > 0:
            sheet.row_breaks.append(_break(top - 1))
        _title_block(sheet, table, len(part.columns), top, table.label if index == 0 else f"{table.label}（续）")
        _header(sheet, part, header_top)
        _body(sheet, part, body_top, table.empty_note, amount_format)
        _form_heights(sheet, part, body_top, widths)
    if table.note:
        last = positions[-1][1] + (len(table.parts[-1].rows) if table.parts[-1].rows else 1)
        _line_cell(sheet, last, 1, max(1, width), table.note, "left")
    header_top, body_top = positions[0]
    if body_top > header_top:  # a form has no header to repeat or freeze
        sheet.freeze_panes = sheet.cell(body_top, 1)
        sheet.print_title_rows = f"{header_top}:{body_top - 1}"
    setup = sheet.page_setup
    setup.orientation = "landscape" if table.landscape else "portrait"
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def _break(row: int) -> object:
    from openpyxl.worksheet.pagebreak import Break

    return Break(id=row)


def _contents(workbook: Workbook, tables: Sequence[Table], title: str) -> None:
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "目录"
    sheet.cell(1, 1, clean_text(title)).font = _font(bold=True, size=16)
    merge_range(sheet, 1, 1, 1, 2)
    sheet.cell(2, 1, "表号").font = _font(bold=True)
    sheet.cell(2, 2, "表名").font = _font(bold=True)
    for i, (table, name) in enumerate(zip(tables, sheet_names(tables), strict=True), start=3):
        sheet.cell(i, 1, table.label or name).font = _font()
        sheet.cell(i, 2, clean_text(table.toc_title)).font = _font()
        for c in (1, 2):
            sheet.cell(i, c).border = _BORDER
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = max(40.0, *(display_width(t.toc_title) + 2 for t in tables))


def render_xlsx(tables: Sequence[Table], title: str, font: str = FONT, fill: str = "F2F2F2") -> bytes:
    """The workbook as bytes: a 目录 sheet, then one sheet per table; the same tables give the same bytes.

    ``font`` and ``fill`` (of headers and form labels) are the profile's Excel style.
    """
    token = _STYLE.set((font, fill))
    cells = _CELL_STYLES.set({})
    try:
        return _workbook(tables, title)
    finally:
        _CELL_STYLES.reset(cells)
        _STYLE.reset(token)


def _workbook(tables: Sequence[Table], title: str) -> bytes:
    workbook = Workbook()
    _contents(workbook, tables, title)
    for table, name in zip(tables, sheet_names(tables), strict=True):
        _sheet(workbook, table, name)
    workbook.properties.creator = "budgetgen"
    workbook.properties.lastModifiedBy = "budgetgen"
    workbook.properties.title = clean_text(title)
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    workbook.calculation = CalcProperties(fullCalcOnLoad=False)
    text_only(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalize_zip(buffer.getvalue(), {"docProps/core.xml": fixed_modified})
