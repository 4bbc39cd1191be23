"""The neutral document model: tables and sections that every renderer walks.

The package stage builds these from the ledger and a profile's specs; the xlsx and html renderers
know only these types, never the ledger or a profile's rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

Value = str | Decimal | int | None


class ColumnKind(StrEnum):
    """How a column's cells are written: text, a code, an amount in 万元, or a plain number."""

    TEXT = "text"
    CODE = "code"
    AMOUNT = "amount"
    NUMBER = "number"


class RowRole(StrEnum):
    """What a row is, for styling: totals bold, groups indented, and so on."""

    TOTAL = "total"
    DEPARTMENT = "department"
    UNIT = "unit"
    GROUP = "group"
    SUBGROUP = "subgroup"
    ITEM = "item"
    DETAIL = "detail"
    NOTE = "note"
    HEAD = "head"  # a header row inside a form: repeated where the form continues on a new page


@dataclass(frozen=True, slots=True)
class Column:
    """One leaf column: its header path (parents first), kind and width in characters."""

    path: tuple[str, ...]
    kind: ColumnKind
    width: float


@dataclass(frozen=True, slots=True)
class HeaderCell:
    """A cell of the header grid, with its span (0-based grid coordinates)."""

    label: str
    row: int
    column: int
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True, slots=True)
class Row:
    """One body row: its role and one value per column (None for an empty cell).

    A form's rows mix labels and values in one column: ``kinds`` then gives each cell its own kind
    (empty: the columns' kinds) and ``labels`` the cells styled as labels.
    """

    role: RowRole
    values: tuple[Value, ...]
    kinds: tuple[ColumnKind, ...] = ()
    labels: frozenset[int] = frozenset()

    def kind(self, column: int, default: ColumnKind) -> ColumnKind:
        """The kind of one cell."""
        return self.kinds[column] if self.kinds else default


@dataclass(frozen=True, slots=True)
class Merge:
    """Body cells merged into one (0-based body coordinates)."""

    row: int
    column: int
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True, slots=True)
class Total:
    """A displayed total and the cells it totals (body coordinates): for audits and tests."""

    cell: tuple[int, int]
    parts: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class TablePart:
    """A header and its rows; a table continued with other columns has several parts (附表5)."""

    columns: tuple[Column, ...]
    header: tuple[HeaderCell, ...]
    header_rows: int
    rows: tuple[Row, ...]
    merges: tuple[Merge, ...] = ()
    totals: tuple[Total, ...] = ()
    empty: bool = False


@dataclass(frozen=True)
class Table:
    """A table of the package: number, title, the 部门 line, the amount unit and its parts.

    ``label`` is the 附表 number as printed (empty where a layout prints none), ``sheet`` the name of
    its worksheet, ``period`` the centre of the 部门 line, ``note`` a line printed below the table,
    ``key`` the name the text uses to place it (``placement`` "text") and ``thousands`` whether
    amounts carry thousands separators.
    """

    number: int
    label: str
    title: str
    toc_title: str
    department: str
    unit_label: str
    parts: tuple[TablePart, ...]
    empty_note: str
    landscape: bool = True
    sheet: str = ""
    period: str = ""
    note: str = ""
    key: str = ""
    placement: str = "appendix"
    thousands: bool = True
    bookmark: str = ""  # the PDF bookmark's label (the profile's ``document.table_bookmark``)

    @property
    def sheet_name(self) -> str:
        """The worksheet's name: ``sheet``, else the label."""
        return self.sheet or self.label


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of generated text; ``missing`` lists the 【待填写】 markers it contains."""

    text: str
    missing: tuple[str, ...] = ()
    emphasis: str | None = None
    table: str | None = None  # the key of the tables placed here instead of text


@dataclass(frozen=True)
class Section:
    """A heading and its paragraphs and subsections (the explanatory text)."""

    title: str
    level: int
    paragraphs: tuple[Paragraph, ...] = ()
    children: tuple[Section, ...] = ()
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class TocEntry:
    """A line of the 目录: its text, level (1 or 2) and the anchor it points at (a part or ``table-N``)."""

    title: str
    level: int
    target: str


@dataclass(frozen=True, slots=True)
class Look:
    """The page look a renderer applies: one font family, sizes in pt, margins in mm (top, right, bottom, left)."""

    font: str = "Noto Serif CJK SC"
    size: float = 11.0
    margins: tuple[float, float, float, float] = (22.0, 20.0, 20.0, 20.0)
    wide_margins: tuple[float, float, float, float] = (12.0, 12.0, 14.0, 12.0)
    table_size: float = 9.0
    dense_size: float = 7.0  # tables of more than 14 columns
    h1_size: float = 14.0
    part_breaks: bool = False  # each part (level-1 heading) starts a page
    head_fill: str = ""  # RGB hex of header cells; empty: none
    h1_center: bool = False
    h1_lines: bool = False  # a part's heading on two lines: its number (第一部分), then its title
    toc_pages: bool = True  # the 目录 prints page numbers


@dataclass(frozen=True)
class Document:
    """The whole package: cover facts, text parts and tables, and how they are put together.

    The wording a renderer would otherwise hard-code is data here, from the profile's ``document``
    settings: the ``cover`` lines (none: no cover), the 目录's title and entries (no title: no 目录),
    the heading printed before the tables and its anchor, and whether the tables come first.
    """

    title: str
    subtitle: str
    year: int
    organisation: str
    parts: tuple[Section, ...] = ()
    tables: tuple[Table, ...] = field(default_factory=tuple)
    findings: tuple[str, ...] = ()
    cover: tuple[str, ...] = ()
    toc_title: str = ""
    toc: tuple[TocEntry, ...] = ()
    tables_heading: str = ""
    tables_anchor: str = ""
    tables_first: bool = False
    title_anchor: str = ""  # the text's title section (printed as a title block: organisation, then the rest)
    look: Look = field(default_factory=Look)

    @property
    def appendix(self) -> tuple[Table, ...]:
        """The tables printed on their own (not placed inside the text)."""
        return tuple(t for t in self.tables if t.placement == "appendix")

    def placed(self, key: str) -> tuple[Table, ...]:
        """The tables the text places under one key (a form per project shares one key)."""
        return tuple(t for t in self.tables if t.key == key and t.placement == "text")


def header_grid(paths: Sequence[tuple[str, ...]]) -> tuple[tuple[HeaderCell, ...], int]:
    """Lay out a header tree given by each leaf column's path: parents merge across their children.

    A leaf shallower than the deepest path spans down to the last header row.
    """
    depth = max((len(p) for p in paths), default=1)
    cells: list[HeaderCell] = []
    for level in range(depth):
        start = 0
        while start < len(paths):
            path = paths[start]
            if len(path) <= level:
                start += 1
                continue
            end = start + 1
            while end < len(paths) and len(paths[end]) > level and paths[end][: level + 1] == path[: level + 1]:
                end += 1
            is_leaf = all(len(paths[i]) == level + 1 for i in range(start, end))
            rowspan = depth - level if is_leaf else 1
            cells.append(HeaderCell(path[level], level, start, rowspan, end - start))
            start = end
    return tuple(cells), depth
