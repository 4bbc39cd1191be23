"""Record tables and forms: rows a profile lays out cell by cell, filled from the input and the facts.

A profile's ``tables.yaml`` gives a record table's rows as cells: literal text, ``{{ }}`` template text,
or an ``=`` expression whose value keeps its type (a ``Decimal`` stays an amount). A row may repeat
over a list (``repeat: "ind in project.indicators"``) and merge equal values down a column. Cells
span columns and rows, so the same rows describe a plain table (机构设置, 固定资产) and a form
(绩效目标表). Expressions run in Jinja's sandbox over the view ``budgetgen.package.views`` builds;
profile files are trusted, input text is only ever a value, never evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from jinja2 import StrictUndefined

from budgetgen.diagnostics import Diagnostic, InputError, Location
from budgetgen.ledger.build import Ledger
from budgetgen.ledger.facts import Fact
from budgetgen.model.budget import Project, Unit
from budgetgen.package.model import Column, ColumnKind, Merge, Row, RowRole, TablePart, Value, header_grid
from budgetgen.package.sandbox import ProfileEnvironment
from budgetgen.package.spec import CellSpec, RecordRow, TableSpec, TablesSpec
from budgetgen.package.views import record_context

# The profile templates' sandbox: no ``_`` attributes, no methods that read files (``parse_file``).
_ENV = ProfileEnvironment(undefined=StrictUndefined, autoescape=False)
_ENV.filters["money"] = lambda value: "" if value is None else f"{value:.2f}"  # 万元 in a sentence-like cell
_ENV.filters["plain"] = lambda value: "" if value is None else f"{value.normalize():f}"  # a weight as entered
_KINDS = {"text": ColumnKind.TEXT, "code": ColumnKind.CODE, "amount": ColumnKind.AMOUNT, "number": ColumnKind.NUMBER}
_ROLES = {
    "total": RowRole.TOTAL,
    "group": RowRole.GROUP,
    "item": RowRole.ITEM,
    "detail": RowRole.DETAIL,
    "head": RowRole.HEAD,
    "unit": RowRole.UNIT,
}


class FormSpecError(InputError):
    """A record or form spec of a profile that cannot be evaluated (names the table and the cell): exit 2."""

    def __init__(self, message: str) -> None:
        super().__init__([Diagnostic("BG-E030", f"样式的表格设置无法计算：{message}", Location("tables.yaml"))])


@cache
def _expression(source: str) -> Callable[..., Any]:
    return _ENV.compile_expression(source, undefined_to_none=False)


@cache
def _template(source: str) -> Any:
    return _ENV.from_string(source)


def _value(raw: object) -> Value:
    """An expression's result as a cell value: amounts stay Decimal, text is text, nothing is None."""
    if raw is None or isinstance(raw, Decimal | str):
        return raw
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return Decimal(str(raw))
    return str(raw)


def evaluate(cell: CellSpec, context: Mapping[str, Any], where: str) -> Value:
    """One cell's value in a context."""
    try:
        if cell.value.startswith("="):
            return _value(_expression(cell.value[1:])(**context))
        if "{{" in cell.value or "{%" in cell.value:
            return str(_template(cell.value).render(**context))
    except Exception as error:  # a broken profile file: say which table and cell
        raise FormSpecError(f"{where}: {cell.value!r}: {error}") from error
    return cell.value


def _raw(source: str, context: Mapping[str, Any], where: str) -> Any:
    """An expression's plain result (a list to repeat over, a condition)."""
    try:
        return _expression(source)(**context)
    except Exception as error:
        raise FormSpecError(f"{where}: {source!r}: {error}") from error


def _kind(cell: CellSpec, value: Value, column: ColumnKind) -> ColumnKind:
    if cell.kind is not None:
        return _KINDS[cell.kind]
    if isinstance(value, Decimal):
        return ColumnKind.AMOUNT if column is ColumnKind.AMOUNT or column is ColumnKind.TEXT else column
    if isinstance(value, int):
        return ColumnKind.NUMBER
    return ColumnKind.TEXT if column is ColumnKind.AMOUNT else column


class _Grid:
    """Places cells left to right, skipping positions that a cell above covers with its row span."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.covered: set[tuple[int, int]] = set()
        self.rows: list[Row] = []
        self.merges: list[Merge] = []

    def add(self, role: RowRole, cells: Sequence[tuple[CellSpec, Value, ColumnKind, int]]) -> None:
        r = len(self.rows)
        values: list[Value] = [None] * self.width
        kinds = [ColumnKind.TEXT] * self.width
        labels: set[int] = set()
        column = 0
        for cell, value, kind, rowspan in cells:
            while (r, column) in self.covered:
                column += 1
            if column >= self.width:
                raise FormSpecError(f"row {r + 1} has more cells than the {self.width} columns")
            span = min(cell.span, self.width - column)
            values[column], kinds[column] = value, kind
            if cell.label:
                labels.add(column)
            if span > 1 or rowspan > 1:
                self.merges.append(Merge(r, column, rowspan, span))
            for dr in range(rowspan):
                for dc in range(span):
                    if dr or dc:
                        self.covered.add((r + dr, column + dc))
            column += span
        self.rows.append(Row(role, tuple(values), tuple(kinds), frozenset(labels)))

    def merge_equal(self, first: int, columns: Sequence[int], keys: Sequence[object] | None = None) -> None:
        """Merge runs of equal values down the given columns among rows ``first:``.

        With ``keys`` (one per row from ``first``), a run is rows of one equal, non-empty key instead.
        """
        for column in columns:
            start = first
            for r in range(first, len(self.rows) + 1):
                if keys is not None:
                    key = keys[r - first] if r < len(self.rows) else None
                    same = key is not None and key == keys[start - first]
                else:
                    same = (
                        r < len(self.rows)
                        and self.rows[r].values[column] is not None
                        and self.rows[r].values[column] == self.rows[start].values[column]
                    )
                if same:
                    continue
                if r - start > 1:
                    self.merges.append(Merge(start, column, r - start, 1))
                    for k in range(start + 1, r):
                        row = self.rows[k]
                        values = list(row.values)
                        values[column] = None
                        self.rows[k] = Row(row.role, tuple(values), row.kinds, row.labels)
                start = r


def _cells(row: RecordRow) -> list[CellSpec]:
    return [CellSpec(value=c) if isinstance(c, str) else c for c in row.cells]


def _add_row(grid: _Grid, row: RecordRow, context: Mapping[str, Any], columns: Sequence[Column], where: str) -> None:
    cells = []
    position = 0
    for cell in _cells(row):
        value = evaluate(cell, context, where)
        default = columns[min(position, len(columns) - 1)].kind
        rowspan = cell.rowspan if isinstance(cell.rowspan, int) else int(_raw(cell.rowspan.lstrip("="), context, where))
        cells.append((cell, value, _kind(cell, value, default), max(1, rowspan)))
        position += cell.span
    role = row.role if row.role_of is None else str(_raw(row.role_of, context, where))
    if role not in _ROLES:
        raise FormSpecError(f"{where}: unknown row role {role!r}")
    grid.add(_ROLES[role], cells)


def records_table(
    ledger: Ledger,
    spec: TableSpec,
    specs: TablesSpec,
    displayed: Sequence[tuple[Fact, Decimal]],
    unit: Unit | None,
    project: Project | None,
    labels: Mapping[str, object],
) -> TablePart:
    """A record table or form of a profile for one unit / project (or the whole budget).

    ``labels`` fill the placeholders of the column headers ({year}, {last_year} …).
    """
    columns = tuple(
        Column(
            tuple(p.format(**labels) for p in c.path),
            _KINDS[c.kind or ("amount" if c.measure else "text")],
            c.width or 10.0,
        )
        for c in spec.columns
    )
    header, depth = header_grid([c.path for c in columns]) if spec.header else ((), 0)
    context = record_context(ledger, displayed, specs.labels, unit, project)
    grid = _Grid(len(columns))
    where = f"tables.yaml: {spec.title}"
    for row in spec.records:
        if row.when is not None and not _raw(row.when, context, where):
            continue
        if row.repeat is None:
            _add_row(grid, row, context, columns, where)
            continue
        name, _, source = row.repeat.partition(" in ")
        items = _raw(source.strip(), context, where) if source else None
        first = len(grid.rows)
        keys: list[object] = []
        for index, item in enumerate(_iterable(items, where)):
            local = {**context, name.strip(): item, "index": index + 1}
            _add_row(grid, row, local, columns, where)
            if row.merge_key is not None:
                keys.append(_raw(row.merge_key, local, where))
        grid.merge_equal(first, row.merge_equal, keys if row.merge_key is not None else None)
    empty = not grid.rows
    return TablePart(columns, header, depth, tuple(grid.rows), tuple(grid.merges), (), empty)


def _iterable(items: object, where: str) -> list[Any]:
    if items is None:
        return []
    if isinstance(items, list | tuple):
        return list(items)
    raise FormSpecError(f"{where}: repeat needs a list, not {type(items).__name__}")
