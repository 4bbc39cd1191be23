"""``render --verify``: read the written files back and find every figure of the document where it belongs.

The xlsx is read with openpyxl and every amount and number of every table compared with its cell
(the writer's own layout: ``part_positions``, ``sheet_names``). The PDF's text is extracted
(pdftotext, else pypdf) page by page; each table's 万元 figures must all appear, as printed, on the
pages from its bookmark to the next one, and every figure of the text somewhere in the PDF. Cheap
(a fraction of a second for a package), so CI can keep it on: a renderer defect, a corrupted write or
a font that drops digits cannot pass silently.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from budgetgen.diagnostics import Diagnostic, Location
from budgetgen.package.model import ColumnKind, Document, Section, Table
from budgetgen.render.html import cell_text

CODE = "BG-E080"
FIGURE = re.compile(r"(?<![\d.,])-?\d[\d,]*\.\d{2}(?![\d])")
MAX_REPORTED = 20


class VerifyError(Exception):
    """A written file does not hold a figure of the document where it belongs."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__(f"{len(diagnostics)} mismatches")


def _problem(message: str, where: str) -> Diagnostic:
    return Diagnostic(CODE, message, Location(where))


def _column_letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(column))


def _same(expected: Decimal | int, kind: ColumnKind, actual: object) -> bool:
    if isinstance(actual, bool) or not isinstance(actual, int | float | Decimal):
        return False
    try:
        found = Decimal(str(actual))
    except InvalidOperation:  # pragma: no cover - str() of a number is a number
        return False
    if kind is ColumnKind.AMOUNT:
        return f"{found:.2f}" == f"{Decimal(expected):.2f}"
    return found == Decimal(expected)


def check_xlsx(document: Document, data: bytes, name: str = "xlsx") -> list[Diagnostic]:
    """Every amount and number of every table, compared with its cell in the workbook."""
    from openpyxl import load_workbook

    from budgetgen.render.html import merged_cells
    from budgetgen.render.xlsx import part_positions, sheet_names

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    problems: list[Diagnostic] = []
    try:
        for table, sheet_name in zip(document.tables, sheet_names(document.tables), strict=True):
            if sheet_name not in book.sheetnames:
                problems.append(_problem(f"工作簿中没有工作表“{sheet_name}”（{table.title}）", name))
                continue
            grid = [tuple(row) for row in book[sheet_name].iter_rows(values_only=True)]
            for part, (_header, body) in zip(table.parts, part_positions(table), strict=True):
                if part.empty:
                    continue
                covered, _spans = merged_cells(part)
                for r, row in enumerate(part.rows):
                    for c, value in enumerate(row.values):
                        if isinstance(value, bool) or not isinstance(value, Decimal | int) or (r, c) in covered:
                            continue
                        line = body + r
                        cells = grid[line - 1] if line - 1 < len(grid) else ()
                        actual = cells[c] if c < len(cells) else None
                        if not _same(value, row.kind(c, part.columns[c].kind), actual):
                            where = f"{sheet_name}!{_column_letter(c + 1)}{line}"
                            message = f"工作簿单元格应为 {value}，实际为 {actual!r}（{table.title}）"
                            problems.append(_problem(message, where))
    finally:
        book.close()
    return problems


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page (pdftotext keeps table cells apart best; pypdf where it is missing)."""
    tool = shutil.which("pdftotext")
    if tool is not None:
        result = subprocess.run([tool, "-q", "-", "-"], input=data, capture_output=True, check=True, timeout=600)
        pages = result.stdout.decode("utf-8", "replace").split("\f")
        return pages[:-1] if pages and not pages[-1].strip() else pages
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def _outline(data: bytes) -> list[tuple[str, int]]:
    """The bookmarks in page order: (title, 0-based page)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    found: list[tuple[str, int]] = []

    def walk(items: Iterable[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                page = reader.get_destination_page_number(item)
                if page is not None:
                    found.append((str(item.title), page))

    walk(reader.outline)
    return sorted(found, key=lambda entry: entry[1])


def _figures(text: str) -> Counter[str]:
    return Counter(FIGURE.findall(text))


def table_figures(table: Table) -> Counter[str]:
    """The 万元 figures a table prints, as printed."""
    figures: Counter[str] = Counter()
    for part in table.parts:
        if part.empty:
            continue
        for row in part.rows:
            for c, value in enumerate(row.values):
                if isinstance(value, Decimal) and row.kind(c, part.columns[c].kind) is ColumnKind.AMOUNT:
                    figures[cell_text(value, "amount", table.thousands)] += 1
    return figures


def _paragraphs(sections: Iterable[Section]) -> Iterator[str]:
    for section in sections:
        yield section.title
        yield from (p.text for p in section.paragraphs if not p.table)
        yield from _paragraphs(section.children)


def _in_order(document: Document) -> list[Table]:
    placed = [t for t in document.tables if t.placement != "appendix"]
    appendix = list(document.appendix)
    return appendix + placed if document.tables_first else placed + appendix


def check_pdf(document: Document, data: bytes, name: str = "pdf") -> list[Diagnostic]:
    """Each table's figures on its pages (bookmark to next bookmark), the text's figures anywhere."""
    pages = pdf_pages(data)
    outline = _outline(data)
    problems: list[Diagnostic] = []
    used: set[int] = set()
    for table in _in_order(document):
        label = table.bookmark or table.title
        index = next((i for i, (title, _page) in enumerate(outline) if i not in used and title == label), None)
        expected = table_figures(table)
        if index is None:
            if expected:
                problems.append(_problem(f"PDF 中找不到表“{label}”的书签", name))
            continue
        used.add(index)
        first = outline[index][1]
        later = [page for _title, page in outline[index + 1 :] if page > first]
        last = len(pages) - 1
        if later:  # a table of its own ends before the next bookmark's page; one in the text may share it
            last = later[0] - 1 if table.placement == "appendix" else later[0]
        found = _figures("\n".join(pages[first : last + 1]))
        for figure in expected - found:
            message = f"PDF 第 {first + 1}–{last + 1} 页的表“{label}”中缺少金额 {figure}（应有 {expected[figure]} 处，"
            problems.append(_problem(f"{message}找到 {found[figure]} 处）", name))
    text_expected = Counter[str]()
    for paragraph in _paragraphs(document.parts):
        text_expected.update(_figures(paragraph))
    whole = _figures("\n".join(pages))
    for figure, count in (text_expected - whole).items():
        message = f"PDF 的说明文字中缺少金额 {figure}（应有 {text_expected[figure]} 处，少 {count} 处）"
        problems.append(_problem(message, name))
    return problems


def verify_outputs(document: Document, paths: Mapping[str, Path]) -> None:
    """Read back the written ``.xlsx`` and ``.pdf`` (keys: suffixes); raise ``VerifyError`` on any mismatch."""
    problems: list[Diagnostic] = []
    if ".xlsx" in paths:
        problems += check_xlsx(document, paths[".xlsx"].read_bytes(), str(paths[".xlsx"]))
    if ".pdf" in paths:
        problems += check_pdf(document, paths[".pdf"].read_bytes(), str(paths[".pdf"]))
    if problems:
        raise VerifyError(problems[:MAX_REPORTED])
