"""Findings written back into the input workbook: a comment and a fill on each cell, a 检查结果 sheet first.

The accountant who filled the workbook gets it back with every problem on its own cell (red for an
error, yellow for a warning) and a first sheet that lists them all with links to their cells. The
input is read from bytes and never modified; the copy is returned as bytes (the web page of a later
issue serves it). Every text written is a string cell, never a formula.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from typing import Any

from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from budgetgen.diagnostics import SEVERITY_ZH, Diagnostic, Severity

RESULT_SHEET = "检查结果"
AUTHOR = "budgetgen"
FILLS = {
    Severity.ERROR: PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE"),
    Severity.WARNING: PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C"),
}
_CELL = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}$")


def _text(cell: Any, value: str) -> None:
    """A string cell whatever the text starts with (``=`` never becomes a formula)."""
    cell.value = value
    cell.data_type = "s"


def annotate_workbook(source: bytes, findings: Sequence[Diagnostic]) -> bytes:
    """A copy of the workbook ``source`` with ``findings`` on their cells and a 检查结果 sheet first."""
    from openpyxl import load_workbook

    from budgetgen.files import normalize_zip

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = load_workbook(io.BytesIO(source), keep_vba=False, keep_links=False)
    if RESULT_SHEET in book.sheetnames:  # a workbook annotated before: its old results and marks go
        book.remove(book[RESULT_SHEET])
        _unmark(book)
    notes: dict[tuple[str, str], list[Diagnostic]] = {}
    for finding in findings:
        where = finding.location
        if where.cell and _CELL.match(where.cell) and where.file in book.sheetnames:
            notes.setdefault((where.file, where.cell), []).append(finding)
    for (sheet, ref), found in notes.items():
        cell = book[sheet][ref]
        severity = Severity.ERROR if any(f.severity is Severity.ERROR for f in found) else Severity.WARNING
        cell.fill = FILLS[severity]
        body = "\n".join(f"{SEVERITY_ZH[f.severity]} {f.code}：{f.message}" for f in found)
        comment = Comment(body, AUTHOR)
        comment.width, comment.height = 320, 40 + 40 * len(found)
        cell.comment = comment
    _results(book, findings)
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = False
    book.active = 0
    book.worksheets[0].sheet_view.tabSelected = True
    buffer = io.BytesIO()
    book.save(buffer)
    return normalize_zip(buffer.getvalue(), {"docProps/core.xml": _keep_modified(source)})


def _unmark(book: Any) -> None:
    """Remove the comments (and their fills) a previous annotation left, so a fixed cell reads clean."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == AUTHOR:
                    cell.comment = None
                    cell.fill = PatternFill(fill_type=None)


def _results(book: Any, findings: Sequence[Diagnostic]) -> None:
    """The first sheet: one row per finding, its place a link to the cell."""
    sheet = book.create_sheet(RESULT_SHEET, 0)
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    summary = f"共 {errors} 个错误，{len(findings) - errors} 个警告。" if findings else "没有发现问题。"
    _text(sheet["A1"], f"检查结果：{summary}点击“位置”可跳到该单元格；该单元格已标色（红：错误，黄：警告）并附批注。")
    sheet["A1"].font = Font(bold=True)
    for column, title in enumerate(("序号", "类别", "代码", "位置", "说明"), start=1):
        cell = sheet.cell(2, column)
        _text(cell, title)
        cell.font = Font(bold=True)
    for row, finding in enumerate(findings, start=3):
        where = finding.location
        sheet.cell(row, 1).value = row - 2
        _text(sheet.cell(row, 2), SEVERITY_ZH[finding.severity])
        sheet.cell(row, 2).fill = FILLS[finding.severity]
        _text(sheet.cell(row, 3), finding.code)
        place = sheet.cell(row, 4)
        _text(place, str(where))
        if where.cell and _CELL.match(where.cell) and where.file in book.sheetnames:
            place.hyperlink = Hyperlink(ref=place.coordinate, location=f"'{where.file}'!{where.cell}")
            place.font = Font(color="0563C1", underline="single")
        message = finding.message + "".join(f"\n提示：{hint}" for hint in finding.hints)
        _text(sheet.cell(row, 5), message)
    for letter, width in zip("ABCDE", (6, 8, 10, 16, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"


def _keep_modified(source: bytes) -> Any:
    """openpyxl stamps the save time into the core properties; keep the input's (same input, same bytes)."""
    import zipfile

    try:
        original = zipfile.ZipFile(io.BytesIO(source)).read("docProps/core.xml")
        found = re.search(rb"<dcterms:modified[^>]*>([^<]*)</dcterms:modified>", original)
    except (KeyError, zipfile.BadZipFile):
        found = None
    stamp = found.group(1) if found else b"1980-01-01T00:00:00Z"

    def fix(core: bytes) -> bytes:
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", core)

    return fix
