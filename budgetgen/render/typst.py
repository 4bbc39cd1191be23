"""The Typst PDF engine (``render --engine typst``): the document model typeset by Typst, in-process.

A fixed Typst program (``package.typ``, beside this module) walks the document given to it as JSON
data (``sys.inputs``): no text of the input is ever Typst source, so no name can inject markup or
code. The compile sees one folder holding only that program (its root, so it reads no other file),
the fonts of the profile's one CJK family and nothing else (no system fonts, no fallback, no
packages: the package cache points into the empty folder). A fixed timestamp and document date make
the same input give the same bytes; Typst tags the PDF (accessibility) by default.

Each compile runs in a child process (``typst_worker``: the binding's caches would otherwise stay in
the caller). Up to ``SINGLE_PASS_ROWS`` table rows one compile lays out the whole package with its
目录 page numbers, repeated table headers, bookmarks and tags; a larger one in chunks (``typst_chunks``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import Any

from budgetgen.fonts import font_coverage, undrawable
from budgetgen.package.model import Document, HeaderCell, Look, Paragraph, Section, Table, TablePart
from budgetgen.render.html import CONTROL, Draft, cell_text, form_split, merged_cells
from budgetgen.render.paging import SINGLE_PASS_ROWS, RenderWarning, table_rows
from budgetgen.render.typst_compile import TypstJob, compile_jobs, require_fonts

CONTINUED = "（续）"
# The few words the page program prints that are not the profile's: as in the HTML templates.
WORDS = {"page": ["第 ", " 页"], "watermark": "草稿", "findings": "审核发现（草稿）"}


def _clean(text: str) -> str:
    return CONTROL.sub("", text)


def _grid_order(cell: HeaderCell) -> tuple[int, int]:
    return cell.row, cell.column


MM = 72 / 25.4  # points per millimetre
A4_MM = (210.0, 297.0)
MIN_SIZE = 4.5  # pt: the smallest size a table is shrunk to


def _text_width(text: str) -> float:
    """A number's width in em in the CJK family's Latin digits (digits ~0.55 em, separators ~0.3)."""
    return sum(0.55 if ch.isdigit() or ch == "-" else 0.3 for ch in text)


def _fitting_size(
    table: Table, look: Look, size: float, widths: list[float], numbers: list[tuple[int, int, str]]
) -> float:
    """The table's text size, made smaller where a number would not fit its column (numbers never wrap).

    The page's text width is split by the column fractions; a number cell (column, span, text) needs
    its digits plus the cell's padding. Deterministic: the same table gets the same size.
    """
    margins = look.wide_margins if table.landscape else look.margins
    page = (A4_MM[1] if table.landscape else A4_MM[0]) - margins[1] - margins[3]
    fit = size
    for column, colspan, text in numbers:
        room = page * MM * sum(widths[column : column + colspan]) - 4.5  # the cell's padding and rules
        need = _text_width(text)
        if need * fit > room:
            fit = max(room / need, MIN_SIZE)
    return round(fit, 2)


def _part_data(table: Table, index: int, part: TablePart, look: Look) -> dict[str, Any]:
    total = sum(c.width for c in part.columns) or 1.0
    covered, spans = merged_cells(part)
    form = not part.header_rows
    rows = []
    numbers: list[tuple[int, int, str]] = []
    column_kinds = [c.kind.value for c in part.columns]  # enum values read once: this loop sees every cell
    for r, row in enumerate(part.rows):
        cells = []
        kinds = [k.value for k in row.kinds] if row.kinds else column_kinds
        for c, value in enumerate(row.values):
            if covered and (r, c) in covered:
                continue
            kind = kinds[c]
            rowspan, colspan = spans.get((r, c), (1, 1)) if spans else (1, 1)
            text = cell_text(value, kind, table.thousands)
            if isinstance(value, str):  # a number's text has no control characters
                text = _clean(text)
            elif text:
                numbers.append((c, colspan, text))
            cells.append([text, kind, rowspan, colspan, c in row.labels])
        rows.append({"role": row.role.value, "cells": cells})
    split = form_split(part) if form else None
    label = table.label + (CONTINUED if index > 0 and table.label else "")
    widths = [round(c.width / total, 4) for c in part.columns]
    return {
        "label": _clean(label),
        "widths": widths,
        "header": [[_clean(h.label), h.rowspan, h.colspan] for h in sorted(part.header, key=_grid_order)],
        "size": _fitting_size(
            table, look, look.dense_size if len(part.columns) > 14 else look.table_size, widths, numbers
        ),
        "form": form,
        "rows": rows,
        "split": split,
        "empty": _clean(table.empty_note) if part.empty or not part.rows else None,
    }


def _table_data(table: Table, level: int, look: Look) -> dict[str, Any]:
    """A table as the program's data; ``anchor`` None for a slice that continues one (no second bookmark)."""
    return {
        "anchor": f"table-{table.number}",
        "bookmark": _clean(table.bookmark or table.title),
        "level": level,
        "landscape": table.landscape,
        "title": _clean(table.title),
        "department": _clean(table.department),
        "period": _clean(table.period),
        "unit": _clean(table.unit_label),
        "note": _clean(table.note),
        "parts": [_part_data(table, i, p, look) for i, p in enumerate(table.parts)],
    }


def _paragraph_data(document: Document, paragraph: Paragraph) -> dict[str, Any]:
    if paragraph.table:
        return {
            "tables": [_table_data(t, 2, document.look) for t in document.placed(paragraph.table)],
            "emphasis": None,
            "rest": "",
        }
    text = _clean(paragraph.text)
    emphasis = paragraph.emphasis
    if emphasis and text.startswith(emphasis):
        return {"tables": None, "emphasis": _clean(emphasis), "rest": text[len(emphasis) :]}
    return {"tables": None, "emphasis": None, "rest": text}


def _section_data(document: Document, section: Section) -> dict[str, Any]:
    return {
        "title": _clean(section.title),
        "level": min(max(section.level, 1), 3),
        "anchor": section.anchor,
        "paragraphs": [_paragraph_data(document, p) for p in section.paragraphs],
        "children": [_section_data(document, c) for c in section.children],
    }


def _anchors(sections: tuple[Section, ...]) -> Iterator[str]:
    for section in sections:
        if section.anchor:
            yield section.anchor
        yield from _anchors(section.children)


def typst_data(document: Document, draft: Draft | None = None) -> dict[str, Any]:
    """The document as the page program's data: every string already what the page shows."""
    look = document.look
    targets = set(_anchors(document.parts)) | {f"table-{t.number}" for t in document.tables}
    if document.tables_heading:
        targets.add(document.tables_anchor)
    draft_line = None
    if draft is not None:
        draft_line = f"{WORDS['watermark']} · 输入 {draft.hash}" + (f" · {draft.date}" if draft.date else "")
    return {
        "title": _clean(f"{document.title} {document.subtitle}"),
        "author": _clean(document.organisation),
        "words": WORDS,
        "look": {
            "font": look.font,
            "size": look.size,
            "table_size": look.table_size,
            "dense_size": look.dense_size,
            "h1": look.h1_size,
            "margins": list(look.margins),
            "wide_margins": list(look.wide_margins),
            "part_breaks": look.part_breaks,
            "head_fill": look.head_fill,
            "h1_center": look.h1_center,
            "h1_lines": look.h1_lines,
            "toc_pages": look.toc_pages,
        },
        "draft": draft_line,
        "findings": [_clean(f) for f in document.findings],
        "cover": [_clean(line) for line in document.cover],
        "toc_title": _clean(document.toc_title) if document.toc_title else None,
        "toc": [
            {"title": _clean(e.title), "level": e.level, "target": e.target}
            for e in document.toc
            if e.target in targets
        ],
        "parts": [_section_data(document, s) for s in document.parts],
        "tables_heading": (
            {"title": _clean(document.tables_heading), "anchor": document.tables_anchor}
            if document.tables_heading and document.appendix
            else None
        ),
        "tables": [_table_data(t, 2, document.look) for t in document.appendix],
        "tables_first": document.tables_first,
        "footer": True,
        "stamp": [],
        "organisation": _clean(document.organisation),
        "title_anchor": document.title_anchor or None,
    }


def _check_glyphs(data: dict[str, Any], family: str) -> None:
    """Every character shown must be in the font (Typst would draw an empty box): the BG-C160 rule, again."""
    coverage = font_coverage(family)
    if coverage is None:
        return
    bad = undrawable("".join(set(json.dumps(data, ensure_ascii=False))), coverage)
    if bad:
        listed = "、".join(f"“{ch}”(U+{ord(ch):04X})" for ch in bad[:5])
        raise RenderWarning(f"字体“{family}”中没有这些字符：{listed}")


def render_typst_pdf(
    document: Document, draft: Draft | None = None, strict: bool = True, workers: int | None = None
) -> bytes:
    """The package's PDF typeset by Typst; a missing font, glyph or any Typst warning is an error unless a draft.

    Up to ``SINGLE_PASS_ROWS`` table rows (~60 pages) one tagged compile; a larger package in chunks
    (see ``typst_chunks``), which bounds memory but leaves the joined PDF untagged.
    """
    data = typst_data(document, draft)
    family = document.look.font
    require_fonts(family)  # before any compile starts or the glyph check reads the font
    check = partial(_check_glyphs, data, family) if strict else None  # runs while Typst compiles
    if table_rows(document) <= SINGLE_PASS_ROWS:
        return compile_jobs([TypstJob(data, family, strict)], alongside=check)[0]
    from budgetgen.render.typst_chunks import render_chunked

    return render_chunked(document, data, strict, workers, alongside=check)
