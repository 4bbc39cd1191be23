"""How a large package is cut into pieces laid out apart, and what both PDF engines share.

A PDF engine keeps every laid-out page in memory until it writes, and uses one core: a department
of many units is therefore laid out in chunks (slices of its tables) in parallel processes and
joined. The cut depends only on the document, never on the number of workers, so the bytes do not
either. No layout library is imported here: a Typst worker process reads only this and the data.
"""

from __future__ import annotations

from collections.abc import Callable

from budgetgen.package.model import Document, TablePart

FIXED_DATE = "D:20000101000000Z"  # the PDFs' creation and modification date: same input, same bytes
MAX_CHUNK_ROWS = 600  # table rows per chunk: bounds a worker's memory for very large departments
CHUNKS = 4  # table chunks of a large package (more when MAX_CHUNK_ROWS asks for it)
SINGLE_PASS_ROWS = 1500  # up to this size (~60 pages) one pass is as fast as chunks, and smaller

Slice = tuple[int, int, int, int]  # table number, part index, first row, end row


class RenderWarning(Exception):
    """The PDF would not be what we promise (a missing glyph or font, a refused URL, a layout error)."""


def overhead(part: TablePart) -> int:
    """Rows a piece of a part lays out besides its own: the caption block and the header, repeated."""
    return part.header_rows + 4


def table_rows(document: Document) -> int:
    """How many table rows (with headers) the package lays out: the measure of its size."""
    return sum(len(p.rows) + overhead(p) for t in document.appendix for p in t.parts)


def _cuts(part: TablePart) -> list[int]:
    """Row boundaries where a part may be cut: not inside a merged block (附表13's projects)."""
    inside = {r for m in part.merges for r in range(m.row + 1, m.row + m.rowspan)}
    return [r for r in range(1, len(part.rows)) if r not in inside]


def _one(part: TablePart) -> float:
    return 1.0


def table_groups(
    document: Document,
    chunks: int,
    max_rows: float = MAX_CHUNK_ROWS,
    weight: Callable[[TablePart], float] = _one,
) -> list[list[Slice]]:
    """The tables in order as slices, cut into about ``chunks`` groups of similar size.

    A row of a part counts ``weight(part)`` (1 by default: an engine whose cost is per cell weighs
    wide tables more). No group holds more than ``max_rows`` of that measure unless a single
    uncuttable block does: a long table is cut between rows (never inside a merged block), so one
    worker lays out a bounded piece.
    """
    parts = [
        (table, index, part, weight(part)) for table in document.appendix for index, part in enumerate(table.parts)
    ]
    total = sum((len(part.rows) + overhead(part)) * w for _t, _i, part, w in parts)
    target = min(max_rows, max(total / max(chunks, 1), 1))
    groups: list[list[Slice]] = [[]]
    size = last_size = 0.0
    for table, index, part, w in parts:
        rows, start, cuts = len(part.rows), 0, _cuts(part)
        while True:
            if groups[-1] and size + (overhead(part) + min(rows - start, 10) / 2) * w > target:
                groups.append([])
                size = 0.0
            room = max((target - size) / w - overhead(part), 1)
            end = rows
            if rows - start > room:
                fitting = [c for c in cuts if start < c <= start + room]
                end = fitting[-1] if fitting else next((c for c in cuts if c > start), rows)
            groups[-1].append((table.number, index, start, end))
            size += (end - start + overhead(part)) * w
            last_size = size
            if end >= rows:
                break
            start = end
    groups = [g for g in groups if g]
    if len(groups) > max(chunks, 1) and last_size < target / 4:  # a small remainder joins the group before it
        groups[-2:] = [groups[-2] + groups[-1]]
    return groups
