"""Build the 附表 of a package from the ledger and a profile's table specs.

Every amount cell is the sum of the displayed values of the facts its row covers and its column
measures (see ``ledger.display``), so each total equals the sum of the cells it totals. Each table
also lists those total relations, so a test or a reviewer can audit them cell by cell.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import Any

from budgetgen.ledger.build import Ledger
from budgetgen.ledger.facts import ExpenditureKind, Fact, Origin
from budgetgen.model.budget import Project, Unit
from budgetgen.model.types import FundSource, ProjectCategory, SubSource
from budgetgen.package.model import (
    Column,
    ColumnKind,
    HeaderCell,
    Merge,
    Row,
    RowRole,
    Table,
    TablePart,
    Total,
    Value,
    header_grid,
)
from budgetgen.package.rows import ROW_SETS, PathOf, RowOptions, RowSpec, split_function
from budgetgen.package.spec import (
    BalanceSide,
    ColumnSpec,
    LabelledMeasure,
    Measure,
    TableSpec,
    TablesSpec,
    ZeroMode,
    load_tables_spec,
)
from budgetgen.package.words import chinese_number, level_word, organisation_name

TOTAL_LABELS = ("合计", "小计", "总计")
class SpecError(Exception):
    """A profile's table spec contradicts itself (a 合计 column that is not the sum of its siblings)."""


@dataclass(frozen=True)
class _Column:
    spec: ColumnSpec
    column: Column


def _column(spec: ColumnSpec) -> _Column:
    kind = ColumnKind.AMOUNT if spec.measure is not None else ColumnKind(spec.kind or "text")
    width = spec.width or (12.0 if kind is ColumnKind.AMOUNT else 10.0)
    return _Column(spec, Column(tuple(spec.path), kind, width))


def _sums(
    facts: Iterable[tuple[Fact, Decimal]], path_of: PathOf, measures: Sequence[Measure]
) -> dict[tuple[Hashable, ...], list[Decimal]]:
    """Displayed sums per row-path prefix and per measure."""
    sums: dict[tuple[Hashable, ...], list[Decimal]] = defaultdict(lambda: [Decimal("0.00")] * len(measures))
    for fact, value in facts:
        path = path_of(fact)
        hits = [i for i, m in enumerate(measures) if m.matches(fact)]
        if not hits:
            continue
        for depth in range(len(path) + 1):
            row = sums[path[:depth]]
            for i in hits:
                row[i] += value
    return sums


def zero_cell(value: Decimal, mode: ZeroMode, total_row: bool, row_zero: bool) -> Decimal | None:
    """A displayed amount under a layout's zero rule (see ``spec.ZeroMode``)."""
    if value != 0 or mode == "show":
        return value
    if mode == "blank":
        return value if total_row else None
    if mode == "row":
        return None if row_zero else value
    return None


# --- horizontal totals: which amount column totals which, derived from the header tree ---------


def _universe(scope: Measure) -> list[Fact]:
    """One synthetic fact for every combination a measure can tell apart, within a table's scope."""
    facts = []
    econs = ("30101", "30201", "30212", "30217", "30231", "30301", "31013")
    for kind, source, sub, econ in itertools.product(ExpenditureKind, FundSource, SubSource, econs):
        categories = (
            (ProjectCategory.OTHER_RUNNING, ProjectCategory.SPECIFIC) if kind is ExpenditureKind.PROJECT else (None,)
        )
        for category in categories:
            fact = Fact("u", "2080101", econ, kind, source, sub, Decimal(1), Origin.STATED, (), category=category)
            if scope.matches(fact):
                facts.append(fact)
    return facts


def horizontal_totals(
    columns: Sequence[tuple[int, ColumnSpec]], scope: Measure, table: int
) -> list[tuple[int, list[int]]]:
    """(total column, columns it totals), worked out once per spec (see ``_horizontal_totals``)."""
    return [(total, list(members)) for total, members in _horizontal_totals(tuple(columns), scope, table)]


@cache
def _horizontal_totals(
    columns: tuple[tuple[int, ColumnSpec], ...], scope: Measure, table: int
) -> tuple[tuple[int, tuple[int, ...]], ...]:
    return tuple((total, tuple(members)) for total, members in _derive_totals(columns, scope, table))


def _derive_totals(
    columns: Sequence[tuple[int, ColumnSpec]], scope: Measure, table: int
) -> list[tuple[int, list[int]]]:
    """(total column, columns it totals): a 合计/小计/总计 leaf totals its siblings under one parent.

    A sibling group is represented by its own 合计/小计 leaf. Each relation is verified against every
    kind of fact the scope admits; a spec where it does not hold is a ``SpecError``.
    """
    amounts = [(i, c) for i, c in columns if c.measure is not None]
    universe = _universe(scope)
    relations = []
    parents = {c.path[:-1] for _, c in amounts}
    by_index = dict(amounts)

    def holds(total: int, members: list[int]) -> bool:
        measure = by_index[total].measure
        assert measure is not None
        for fact in universe:
            hits = sum(1 for m in members if (by_index[m].measure or Measure(none=True)).matches(fact))
            if hits != (1 if measure.matches(fact) else 0):
                return False
        return True

    for parent in sorted(parents, key=len):
        totals = [i for i, c in amounts if c.path[:-1] == parent and c.path[-1] in TOTAL_LABELS]
        if not totals:
            continue
        direct = _members(amounts, parent, nested=False)
        nested = _members(amounts, parent, nested=True)
        for total in totals:
            # a group without its own 小计 adds its leaves (人员经费{工资福利, 对个人}); a spec whose
            # relation holds only with the groups left out keeps the older reading
            members = next((m for m in (nested, direct) if m and holds(total, m)), None)
            if members is None:
                if not direct:
                    continue
                raise SpecError(f"附表{table}: “{'/'.join(by_index[total].path)}”不是其同级各列之和")
            relations.append((total, members))
    return relations


def _members(amounts: Sequence[tuple[int, ColumnSpec]], parent: tuple[str, ...], nested: bool) -> list[int]:
    """The columns a 合计 under ``parent`` adds up: its sibling leaves and each sibling group's 合计/小计.

    With ``nested``, a sibling group without a 合计/小计 leaf contributes its own members instead.
    """
    depth = len(parent)
    members: list[int] = []
    groups: list[str] = []
    for i, c in amounts:
        if c.path[:depth] != parent or len(c.path) <= depth:
            continue
        if len(c.path) == depth + 1:
            if c.path[-1] not in TOTAL_LABELS and not c.path[-1].startswith("其中"):
                members.append(i)
        elif c.path[depth] not in groups:
            groups.append(c.path[depth])
    for group in groups:
        inner = (*parent, group)
        totals = [i for i, c in amounts if c.path[:-1] == inner and c.path[-1] in TOTAL_LABELS]
        if totals:
            members.append(totals[0])
        elif nested:
            members += _members(amounts, inner, nested=True)
    return sorted(members)


# --- grid tables ---------------------------------------------------------------------------------


def _label(spec: ColumnSpec, row: RowSpec) -> Value:
    return row.labels.get(spec.field or "")


def _grid_part(
    rows: Sequence[RowSpec],
    sums: dict[tuple[Hashable, ...], list[Decimal]],
    labels: Sequence[_Column],
    amounts: Sequence[_Column],
    offset: int,
    zero: ZeroMode,
) -> TablePart:
    """One part: label columns then amount columns."""
    columns = [c.column for c in (*labels, *amounts)]
    header, depth = header_grid([c.path for c in columns])
    modes = [c.spec.zero or zero for c in amounts]
    body = []
    nothing = [Decimal("0.00")] * (offset + len(amounts))
    for row in rows:
        values = sums.get(row.key) or nothing
        mine = values[offset : offset + len(amounts)]
        row_zero = all(v == 0 for v in mine)
        cells: list[Value] = [_label(c.spec, row) for c in labels]
        cells += [zero_cell(v, m, row.role is RowRole.TOTAL, row_zero) for v, m in zip(mine, modes, strict=True)]
        body.append(Row(row.role, tuple(cells)))
    empty = not any(isinstance(v, Decimal) and v != 0 for r in body for v in r.values[len(labels) :])
    return TablePart(tuple(columns), header, depth, tuple(body), empty=empty)


def _vertical(rows: Sequence[RowSpec], columns: Iterable[int]) -> list[Total]:
    index = {row.key: i for i, row in enumerate(rows) if row.role is not RowRole.DEPARTMENT}
    totals = []
    for r, row in enumerate(rows):
        if not row.children:
            continue
        parts = [index[child] for child in row.children]
        totals += [Total((r, c), tuple((p, c) for p in parts)) for c in columns]
    return totals


def _grid_table(ledger: Ledger, spec: TableSpec, facts: list[tuple[Fact, Decimal]], style: Style) -> list[TablePart]:
    assert spec.rows is not None
    shown = tuple(code for unit in ledger.budget.units for code in unit.show_zero) if spec.show_zero else ()
    options = RowOptions(spec.name_with_code, spec.unit_code_on_items, shown, spec.unit_rows, spec.department_row)
    row_set = ROW_SETS[spec.rows](ledger, [f for f, _ in facts], options)
    if spec.parts:
        label_specs = spec.label_columns
        part_specs = [p.columns for p in spec.parts]
    else:
        label_specs = tuple(c for c in spec.columns if c.measure is None)
        part_specs = [tuple(c for c in spec.columns if c.measure is not None)]
    labels = [_column(c) for c in label_specs]
    all_amounts = [c for part in part_specs for c in part]
    sums = _sums(facts, row_set.path, [c.measure or Measure(none=True) for c in all_amounts])
    rows = row_set.rows if facts else ()
    if not facts and style.empty_total:
        rows = tuple(r for r in row_set.rows if r.role is RowRole.TOTAL)[:1]
    relations = horizontal_totals(list(enumerate(all_amounts)), spec.scope, spec.number)
    parts = []
    offset = 0
    for part_columns in part_specs:
        amounts = [_column(c) for c in part_columns]
        part = _grid_part(rows, sums, labels, amounts, offset, style.zero)
        first = len(labels)
        mine = range(offset, offset + len(amounts))
        totals = _vertical(rows, range(first, first + len(amounts)))
        for total, members in relations:
            if total in mine and all(m in mine for m in members):
                for r in range(len(rows)):
                    cells = tuple((r, first + m - offset) for m in members)
                    totals.append(Total((r, first + total - offset), cells))
        if part.empty and not style.empty_total:
            part = TablePart(part.columns, part.header, part.header_rows, (), empty=True)
            totals = []
        elif part.empty:
            part = TablePart(part.columns, part.header, part.header_rows, part.rows, empty=False)
            totals = []
        parts.append(TablePart(part.columns, part.header, part.header_rows, part.rows, (), tuple(totals), part.empty))
        offset += len(amounts)
    return parts


# --- balance tables (附表1, 附表4): 收入 on the left, 支出 on the right ---------------------------------


@dataclass(frozen=True)
class _Line:
    label: str
    values: list[Decimal]
    role: RowRole
    parts: tuple[int, ...] = ()  # indices of the lines on the same side that this line totals


def _measure_sum(facts: Sequence[tuple[Fact, Decimal]], measure: Measure) -> Decimal:
    return sum((v for f, v in facts if measure.matches(f)), Decimal("0.00"))


def _side_lines(ledger: Ledger, side: BalanceSide, facts: Sequence[tuple[Fact, Decimal]]) -> list[_Line]:
    amount_measures = [c.measure or Measure(none=True) for c in side.amounts] or [Measure()]
    lines: list[_Line] = []

    def add(item: LabelledMeasure | None, role: RowRole, parts: tuple[int, ...] = ()) -> int | None:
        if item is None:
            return None
        values = (
            [_measure_sum(facts, item.measure)]
            if not side.amounts
            else [_measure_sum(facts, Measure(**_merge(item.measure, m))) for m in amount_measures]
        )
        lines.append(_Line(item.label, values, role, parts))
        return len(lines) - 1

    heading = add(side.heading, RowRole.TOTAL)
    body: list[int] = []
    if side.rows == "function_classes":
        for n, (code, name) in enumerate(_classes(ledger, side, facts), start=1):
            number = int(code) - 200 if side.number_by == "code" else n
            label = side.number_format.format(n=chinese_number(number)) + name if side.numbered else name
            in_class = [(f, v) for f, v in facts if f.function_class == code]
            values = [_measure_sum(in_class, m) for m in amount_measures]
            lines.append(_Line(label, values, RowRole.ITEM))
            body.append(len(lines) - 1)
    else:
        top: list[int] = []
        for row in side.rows:
            index = add(row, RowRole.ITEM if row.indent else RowRole.GROUP)
            assert index is not None
            if not row.detail:  # a 其中 line is shown but is in no sum
                (body if row.indent else top).append(index)
        # indented rows are the parts of the row above them
        for i, index in enumerate(top):
            following = [b for b in body if b > index and (i + 1 == len(top) or b < top[i + 1])]
            if following:
                lines[index] = _Line(lines[index].label, lines[index].values, RowRole.TOTAL, tuple(following))
        body = top
    if heading is not None:
        lines[heading] = _Line(lines[heading].label, lines[heading].values, RowRole.TOTAL, tuple(body))
    subtotal = add(side.subtotal, RowRole.TOTAL, tuple(body))
    carried = add(side.carried, RowRole.ITEM)
    extra = [add(line, RowRole.ITEM) for line in side.closing]
    first = [i for i in (subtotal if subtotal is not None else heading,) if i is not None] or body
    closing = tuple(i for i in (*first, carried, *extra) if i is not None)
    add(side.grand_total, RowRole.TOTAL, closing)
    return lines


def _classes(ledger: Ledger, side: BalanceSide, facts: Sequence[tuple[Fact, Decimal]]) -> list[tuple[str, str]]:
    """The 类 rows of a balance side: the catalog's, or the side's fixed list plus any 类 the facts use."""
    if not side.class_labels:
        return [(entry.code, entry.name) for entry in ledger.catalog.function_classes()]
    listed = dict(side.class_labels)
    for fact, _ in facts:
        listed.setdefault(fact.function_class, ledger.catalog.function_name(fact.function_class))
    return sorted(listed.items())


def _merge(a: Measure, b: Measure) -> dict[str, object]:
    """Both measures at once (row measure and column measure of a balance table)."""
    data = a.model_dump(exclude_none=True)
    for key, value in b.model_dump(exclude_none=True).items():
        if key == "none":
            data["none"] = data.get("none", False) or value
        elif key in data:
            data[key] = tuple(x for x in data[key] if x in value)
        else:
            data[key] = value
    return data


def _balance_table(ledger: Ledger, spec: TableSpec, facts: list[tuple[Fact, Decimal]], style: Style) -> list[TablePart]:
    """收入 lines on the left, 支出 lines on the right; body lines from the top, closing lines at the bottom."""
    if spec.left is None or spec.right is None:
        raise SpecError(f"附表{spec.number}: a balance table needs left and right")
    sides = (spec.left, spec.right)
    lines = [_side_lines(ledger, side, facts) for side in sides]
    amount_paths = [
        [(*side.path, *c.path) for c in side.amounts] or [(*side.path, side.amount or "预算数")] for side in sides
    ]
    columns: list[Column] = []
    starts: list[int] = []
    for side, paths in zip(sides, amount_paths, strict=True):
        starts.append(len(columns))
        columns.append(Column((*side.path, side.label), ColumnKind.TEXT, side.label_width))
        widths = [c.width or 12.0 for c in side.amounts] or [side.amount_width]
        columns += [Column(path, ColumnKind.AMOUNT, width) for path, width in zip(paths, widths, strict=True)]
    header, depth = header_grid([c.path for c in columns])
    orders = []
    for side, side_lines in zip(sides, lines, strict=True):
        body = [i for i, line in enumerate(side_lines) if not _is_closing(side, line)]
        closing = [i for i in range(len(side_lines)) if i not in body]
        orders.append((body, closing))
    height = max(len(body) for body, _ in orders)
    closing_height = max(len(closing) for _, closing in orders)
    placed: list[list[int | None]] = []
    for body, closing in orders:
        pad_body: list[int | None] = [None] * (height - len(body))
        pad_closing: list[int | None] = [None] * (closing_height - len(closing))
        placed.append([*body, *pad_body, *pad_closing, *closing])
    rows = []
    for r in range(height + closing_height):
        cells: list[Value] = []
        roles = []
        for side_lines, order, paths in zip(lines, placed, amount_paths, strict=True):
            index = order[r]
            if index is None:
                cells += [None] * (1 + len(paths))
                continue
            line = side_lines[index]
            row_zero = all(v == 0 for v in line.values)
            total_row = line.role is RowRole.TOTAL
            cells += [line.label, *(zero_cell(v, style.zero, total_row, row_zero) for v in line.values)]
            roles.append(line.role)
        role = RowRole.TOTAL if roles and all(x is RowRole.TOTAL for x in roles) else RowRole.ITEM
        rows.append(Row(role, tuple(cells)))
    totals: list[Total] = []
    for side_lines, order, start, paths in zip(lines, placed, starts, amount_paths, strict=True):
        position = {index: r for r, index in enumerate(order) if index is not None}
        for index, line in enumerate(side_lines):
            for k in range(len(paths)) if line.parts else ():
                column = start + 1 + k
                totals.append(Total((position[index], column), tuple((position[p], column) for p in line.parts)))
    right_start = starts[1] + 1
    for total, members in horizontal_totals(list(enumerate(spec.right.amounts)), spec.scope, spec.number):
        for r, index in enumerate(placed[1]):
            if index is not None:
                parts = tuple((r, right_start + m) for m in members)
                totals.append(Total((r, right_start + total), parts))
    return [TablePart(tuple(columns), header, depth, tuple(rows), (), tuple(totals), empty=not facts)]


def _is_closing(side: BalanceSide, line: _Line) -> bool:
    closing = [x.label for x in (side.subtotal, side.carried, *side.closing, side.grand_total) if x is not None]
    return line.label in closing


# --- the performance-target table (附表13) ------------------------------------------------------------


def _indicator_table(ledger: Ledger, spec: TableSpec, facts: list[tuple[Fact, Decimal]]) -> list[TablePart]:
    columns = [_column(c) for c in spec.columns]
    header, depth = header_grid([c.column.path for c in columns])
    amounts: dict[tuple[str, str], Decimal] = defaultdict(lambda: Decimal("0.00"))
    functions: dict[tuple[str, str], str] = {}
    for fact, value in facts:
        if fact.project is not None:
            amounts[(fact.unit, fact.project)] += value
            functions.setdefault((fact.unit, fact.project), fact.function)
    rows: list[Row] = []
    merges: list[Merge] = []
    fields = [c.spec.field for c in columns]
    project_fields = {"unit_name", "project", "amount", "goal"}
    for unit in ledger.budget.units:
        ordered = sorted(
            (p for p in unit.projects if (unit.code, p.code) in amounts),
            key=lambda p: functions[(unit.code, p.code)],
        )
        for project in ordered:
            head: dict[str, Value] = {
                "unit_name": f"{unit.code}-{unit.name}",
                "project": project.name,
                "amount": amounts[(unit.code, project.code)],
                "goal": project.annual_goal or "",
            }
            indicators = project.indicators or ()
            first = len(rows)
            for n, indicator in enumerate(indicators or (None,)):
                values: dict[str, Value] = dict(head) if n == 0 else {}
                if indicator is not None:
                    values |= {
                        "level1": indicator.level1,
                        "level2": indicator.level2,
                        "name": indicator.name,
                        "comparison": indicator.comparison.value,
                        "value": indicator.value,
                        "unit_of_measure": indicator.unit_of_measure or "",
                        "weight": indicator.weight,
                        "direction": f"{indicator.direction.value}指标" if indicator.direction else "",
                    }
                rows.append(Row(RowRole.ITEM, tuple(values.get(f or "") for f in fields)))
            span = len(rows) - first
            if span > 1:
                merges += [Merge(first, i, span, 1) for i, f in enumerate(fields) if f in project_fields]
    part = TablePart(tuple(c.column for c in columns), header, depth, tuple(rows), tuple(merges), (), empty=not rows)
    return [part]


# --- fixed-line tables: labelled lines by measure (a “三公” table) -----------------------------------


def _lines_table(spec: TableSpec, facts: list[tuple[Fact, Decimal]], style: Style) -> list[TablePart]:
    """One row per line of the spec; each amount is the line's measure within the column's."""
    labels = [_column(c) for c in spec.columns if c.measure is None]
    amounts = [_column(c) for c in spec.columns if c.measure is not None]
    columns = [c.column for c in (*labels, *amounts)]
    header, depth = header_grid([c.path for c in columns])
    rows = []
    for line in spec.lines:
        values = [
            _measure_sum(facts, Measure(**_merge(line.measure, c.spec.measure or Measure(none=True)))) for c in amounts
        ]
        row_zero = all(v == 0 for v in values)
        role = RowRole.TOTAL if line.parts else RowRole.ITEM
        modes = [c.spec.zero or style.zero for c in amounts]
        cells: list[Value] = ["\u3000" * line.indent + line.label] * len(labels)
        cells += [zero_cell(v, m, role is RowRole.TOTAL, row_zero) for v, m in zip(values, modes, strict=True)]
        rows.append(Row(role, tuple(cells)))
    first = len(labels)
    totals = [
        Total((r, first + c), tuple((p, first + c) for p in line.parts))
        for r, line in enumerate(spec.lines)
        if line.parts
        for c in range(len(amounts))
    ]
    for total, members in horizontal_totals(list(enumerate(c.spec for c in amounts)), spec.scope, spec.number):
        totals += [Total((r, first + total), tuple((r, first + m) for m in members)) for r in range(len(rows))]
    empty = not facts and not style.empty_total and not spec.lines
    return [TablePart(tuple(columns), header, depth, tuple(rows), (), tuple(totals), empty)]


# --- 序号 column and 栏次 row -------------------------------------------------------------------------


def numbered_part(part: TablePart, serial: bool, column_numbers: bool) -> TablePart:
    """Add a 序号 column numbering the body rows, and a 栏次 row numbering the columns under the header."""
    columns, header, depth = part.columns, part.header, part.header_rows
    rows, merges, totals = part.rows, part.merges, part.totals
    if serial:
        columns = (Column(("序号",), ColumnKind.CODE, 7.0), *columns)
        header = (HeaderCell("序号", 0, 0, max(depth, 1), 1), *(replace(h, column=h.column + 1) for h in header))
        rows = tuple(
            Row(
                r.role,
                (n, *r.values),
                (ColumnKind.CODE, *r.kinds) if r.kinds else (),
                frozenset(i + 1 for i in r.labels),
            )
            for n, r in enumerate(rows, start=1)
        )
        merges = tuple(replace(m, column=m.column + 1) for m in merges)
        totals = tuple(Total((t.cell[0], t.cell[1] + 1), tuple((a, b + 1) for a, b in t.parts)) for t in totals)
    if column_numbers:
        skip = 1 if serial else 0
        numbers = [HeaderCell("栏次", depth, 0)] if serial else []
        numbers += [HeaderCell(str(i + 1), depth, i + skip) for i in range(len(columns) - skip)]
        header = (*header, *numbers)
        depth += 1
    return TablePart(columns, header, depth, rows, merges, totals, part.empty)


# --- the package's tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """A table's presentation settings: the spec's, else the profile's defaults."""

    zero: ZeroMode
    empty_total: bool
    serial: bool
    column_numbers: bool
    numbered: bool


def _style(defaults: TablesSpec, spec: TableSpec) -> Style:
    def pick(name: str) -> Any:
        value = getattr(spec, name)
        return getattr(defaults, name) if value is None else value

    return Style(pick("zero"), pick("empty_total"), pick("serial"), pick("column_numbers"), pick("numbered"))


def label_values(
    ledger: Ledger, unit: Unit | None = None, project: Project | None = None, n: int = 0
) -> dict[str, object]:
    """The placeholders of a table's labels (titles, the 部门 line, sheet names)."""
    budget = ledger.budget
    department = budget.department
    one = unit or (budget.units[0] if len(budget.units) == 1 else None)
    return {
        "year": budget.budget_year,
        "last_year": budget.budget_year - 1,
        "org": organisation_name(ledger),
        "org_halfwidth": organisation_name(ledger).replace("（", "(").replace("）", ")"),
        "department_code": department.code,
        "department_name": department.name,
        "department_short": department.short_name or department.name,
        "level": level_word(ledger),
        "unit_code": one.code if one else department.code,
        "unit_name": one.name if one else department.name,
        "n": n,
        "project_name": project.name if project else "",
        # who files a unit-wide form: the department for a one-unit budget (as published), else the unit
        "filer": f"{department.code}-{department.name}"
        if len(budget.units) == 1 or one is None
        else f"{one.code}-{one.name}",
    }


def fill_headers(part: TablePart, values: Mapping[str, object]) -> TablePart:
    """The part with the placeholders of its column headers filled ({level}当年财政拨款安排 …)."""
    if not any("{" in label for column in part.columns for label in column.path):
        return part
    columns = tuple(replace(c, path=tuple(label.format(**values) for label in c.path)) for c in part.columns)
    header = tuple(replace(h, label=h.label.format(**values)) for h in part.header)
    return replace(part, columns=columns, header=header)


def _or(value: str | None, default: str) -> str:
    """A table's own label (an empty one too), else the profile's default."""
    return default if value is None else value


def _instances(ledger: Ledger, spec: TableSpec) -> list[tuple[Unit | None, Project | None]]:
    """One table, or one per unit, or one per 项目支出 project with money (input order)."""
    if spec.repeat == "units":
        return [(u, None) for u in ledger.budget.units]
    if spec.repeat == "projects":
        funded = {(f.unit, f.project) for f in ledger.facts if f.project is not None and not f.kind.is_basic}
        return [(u, p) for u in ledger.budget.units for p in u.projects if (u.code, p.code) in funded]
    return [(None, None)]


def build_tables(ledger: Ledger, profile: str) -> tuple[Table, ...]:
    """Every table of a profile for this ledger: 附表, tables inside the text, forms."""
    from budgetgen.package.forms import records_table

    specs = load_tables_spec(profile)
    displayed = list(ledger.displayed())
    tables = []
    for spec in specs.tables:
        style = _style(specs, spec)
        facts = [(f, v) for f, v in displayed if spec.scope.matches(f)]
        for n, (unit, project) in enumerate(_instances(ledger, spec), start=1):
            values = label_values(ledger, unit, project, n)
            if spec.layout == "balance":
                parts = _balance_table(ledger, spec, facts, style)
            elif spec.layout == "indicators":
                parts = _indicator_table(ledger, spec, facts)
            elif spec.layout == "lines":
                parts = _lines_table(spec, facts, style)
            elif spec.layout == "records":
                parts = [records_table(ledger, spec, specs, displayed, unit, project, values)]
            else:
                parts = _grid_table(ledger, spec, facts, style)
            if spec.layout != "records":  # records tables fill their headers themselves
                parts = [fill_headers(p, values) for p in parts]
            if style.serial or style.column_numbers:
                parts = [numbered_part(p, style.serial, style.column_numbers) for p in parts]
            title = spec.title.format(**values)
            label = f"附表{spec.number}" if style.numbered else ""
            empty_note = _or(spec.empty_note, specs.empty_note).format(**values)
            note = empty_note if style.empty_total and not facts and spec.layout != "records" else ""
            tables.append(
                Table(
                    number=spec.number if n == 1 else spec.number * 1000 + n,
                    label=label,
                    title=title,
                    toc_title=(spec.toc_title or spec.title).format(**values),
                    department=_or(spec.department_label, specs.department_label).format(**values),
                    unit_label=_or(spec.unit_label, specs.unit_label).format(**values),
                    parts=tuple(parts),
                    empty_note=empty_note,
                    landscape=spec.landscape,
                    sheet=(spec.sheet or "").format(**values),
                    period=(spec.period_label if spec.period_label is not None else specs.period_label).format(
                        **values
                    ),
                    note="\n".join(x for x in ((spec.note or "").format(**values), note) if x),
                    key=spec.key or "",
                    placement=spec.placement,
                    thousands=specs.thousands,
                )
            )
    return tuple(tables)


__all__ = ["SpecError", "build_tables", "chinese_number", "organisation_name", "split_function"]  # old homes kept
