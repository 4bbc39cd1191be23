"""The HTML renderer: the document model through the profile's Jinja2 page template.

The same HTML is what WeasyPrint lays out for the PDF and what ``--html`` writes for a browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup

from budgetgen.package.model import Document, RowRole, Table, TablePart, Value
from budgetgen.package.sandbox import environment, render_profile_template
from budgetgen.package.words import chinese_number
from budgetgen.profiles import load_profile, profile_file
from budgetgen.render.paging import Slice

FIXED_TIMESTAMP = "2000-01-01T00:00:00Z"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Only label cells get a class; amounts are the CSS default (see package.css).
CELL_CLASS = {"text": Markup(' class="t"'), "code": Markup(' class="c"'), "amount": Markup(""), "number": Markup("")}


@dataclass(frozen=True)
class Draft:
    """What a draft shows on every page: the input's hash and, if the input states one, its date."""

    hash: str
    date: str | None = None


def cell_text(value: Value, kind: str, thousands: bool = True) -> str:
    """A cell as text: amounts with two decimals (and thousands separators), None empty.

    A zero amount reaches here only where a layout prints ``0.00``; the tables leave the others None.
    """
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if kind == "amount":
            return f"{value:,.2f}" if thousands else f"{value:.2f}"
        return f"{value.normalize():f}"
    return str(value)


@dataclass(frozen=True)
class Piece:
    """Rows ``start:end`` of one part of a table, as one HTML table (a chunk may hold a slice)."""

    table: Table
    index: int
    start: int
    end: int
    opens: bool = True
    closes: bool = True
    anchor: bool = True

    @property
    def part(self) -> TablePart:
        """The part the rows come from."""
        return self.table.parts[self.index]


def whole_pieces(tables: Iterable[Table]) -> list[Piece]:
    """Every part of every table, whole."""
    pieces = []
    for table in tables:
        last = len(table.parts) - 1
        for i, part in enumerate(table.parts):
            pieces.append(Piece(table, i, 0, len(part.rows), opens=i == 0, closes=i == last, anchor=i == 0))
    return pieces


def sliced_pieces(document: Document, slices: Iterable[Slice]) -> list[Piece]:
    """The pieces a chunk holds; a table begins (and gets its bookmark) where its first row is."""
    by_number = {t.number: t for t in document.appendix}
    pieces = []
    for number, index, start, end in slices:
        table = by_number[number]
        pieces.append(Piece(table, index, start, end, anchor=index == 0 and start == 0))
    return pieces


def column_percents(part: TablePart) -> list[str]:
    """Column widths as percentages of the table width (fixed layout needs them)."""
    total = sum(c.width for c in part.columns) or 1.0
    return [f"{100 * c.width / total:.2f}" for c in part.columns]


def merged_cells(part: TablePart) -> tuple[set[tuple[int, int]], dict[tuple[int, int], tuple[int, int]]]:
    """Cells hidden under a merge, and the (row span, column span) of each merge's top-left cell."""
    covered: set[tuple[int, int]] = set()
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for m in part.merges:
        spans[(m.row, m.column)] = (m.rowspan, m.colspan)
        covered |= {(m.row + r, m.column + c) for r in range(m.rowspan) for c in range(m.colspan) if r or c}
    return covered, spans


def form_split(part: TablePart) -> int | None:
    """Where a form's rows may be split into a block and a table whose header row repeats on new pages.

    The last header row (role ``head``) that no merged cell crosses, or None.
    """
    for index in range(len(part.rows) - 1, 0, -1):
        if part.rows[index].role is RowRole.HEAD and not any(m.row < index < m.row + m.rowspan for m in part.merges):
            return index
    return None


def merged(part: TablePart) -> tuple[set[tuple[int, int]], dict[tuple[int, int], int]]:
    """Cells hidden under a merge, and the row span of each merge's top cell (tables merge down only)."""
    covered, spans = merged_cells(part)
    return covered, {cell: rows for cell, (rows, _columns) in spans.items()}


def render_html(
    document: Document,
    profile: str,
    draft: Draft | None = None,
    *,
    front: bool = True,
    slices: Iterable[Slice] | None = None,
    toc_pages: Mapping[str, int] | None = None,
    footers: bool = True,
) -> str:
    """The package (or a chunk of it) as one HTML document (CSS inlined, no external resources).

    A chunk holds the front matter (cover, 目录, text) and/or some tables; ``toc_pages`` gives the
    目录 the page numbers of tables laid out in other chunks; ``footers=False`` leaves the page
    numbers to be stamped after the chunks are joined.
    """
    env = environment(profile)
    css = profile_file(profile, "package.css").read_text(encoding="utf-8")
    tables_title = document.tables_heading  # the profile's wording, data in the document
    html = render_profile_template(
        env,
        "package.html.j2",
        document=document,
        css=css,
        draft=draft,
        timestamp=FIXED_TIMESTAMP,
        tables_title=tables_title,
        ordinal=chinese_number,
        widths=column_percents,
        merged=merged,
        cell=cell_text,
        cell_class=CELL_CLASS,
        show_front=front,
        pieces=whole_pieces(document.appendix) if slices is None else sliced_pieces(document, slices),
        merged_cells=merged_cells,
        form_split=form_split,
        settings=load_profile(profile),
        whole=lambda table: whole_pieces((table,)),
        toc_pages=toc_pages,
        footers=footers,
    )
    return CONTROL.sub("", html)  # control characters have no place in HTML (nor in the PDF)
