"""Table specs: the declarative description of a profile's 附表, read from ``tables.yaml``.

A spec says which rows a table has (a named row set), which facts it shows (scope), and its
columns: labels the row set fills in, or amounts given by a measure (a filter over facts).
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from budgetgen.ledger.aggregates import three_public_item
from budgetgen.ledger.facts import ExpenditureKind, Fact
from budgetgen.model.types import FundSource, ProjectCategory, SubSource

KindName = Literal["basic", "project", "personnel", "operating"]
ZeroMode = Literal["empty", "show", "blank", "row"]
"""How a zero amount prints: ``empty`` always blank; ``show`` always ``0.00``; ``blank`` blank except on
total rows; ``row`` blank when the whole row is zero, else ``0.00``."""
SubSourceName = Literal["this_year", "current", "advance", "carried_over", "carried_over_plain", "returnable"]
ThreePublicName = Literal[
    "total",
    "overseas",
    "overseas_research",
    "overseas_other",
    "vehicles",
    "vehicles_purchase",
    "vehicles_running",
    "reception",
]

_SUB_SOURCES: dict[str, frozenset[SubSource]] = {
    "this_year": frozenset({SubSource.CURRENT, SubSource.ADVANCE}),
    "current": frozenset({SubSource.CURRENT}),
    "advance": frozenset({SubSource.ADVANCE}),
    "carried_over": frozenset({SubSource.CARRIED_OVER, SubSource.RETURNABLE_CARRIED_OVER}),
    "carried_over_plain": frozenset({SubSource.CARRIED_OVER}),
    "returnable": frozenset({SubSource.RETURNABLE_CARRIED_OVER}),
}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Measure(_Spec):
    """Which facts an amount adds up: every given condition must hold."""

    kind: tuple[KindName, ...] | None = None
    source: tuple[FundSource | Literal["fiscal"], ...] | None = None
    sub_source: tuple[SubSourceName, ...] | None = None
    three_public: tuple[ThreePublicName, ...] | None = None
    econ: tuple[str, ...] | None = None  # economic code prefixes (301 工资福利支出 …)
    category: tuple[ProjectCategory, ...] | None = None  # the paying project's category
    none: bool = False

    def matches(self, fact: Fact) -> bool:
        """Whether a fact counts towards this measure."""
        if self.none:
            return False
        if self.kind is not None and not any(_kind(fact, k) for k in self.kind):
            return False
        if self.source is not None and not any(
            fact.is_fiscal if s == "fiscal" else fact.source is s for s in self.source
        ):
            return False
        if self.sub_source is not None and not any(fact.sub_source in _SUB_SOURCES[s] for s in self.sub_source):
            return False
        if self.econ is not None and not fact.econ.startswith(self.econ):
            return False
        if self.category is not None and fact.category not in self.category:
            return False
        if self.three_public is not None:
            item = three_public_item(fact)
            if item is None or not any(_three_public(t, item, fact.research) for t in self.three_public):
                return False
        return True


def _three_public(name: str, item: str, research: bool) -> bool:
    if name == "overseas_research":
        return item == "overseas" and research
    if name == "overseas_other":
        return item == "overseas" and not research
    return name == "total" or item.startswith(name)


def _kind(fact: Fact, name: str) -> bool:
    if name == "basic":
        return fact.kind.is_basic
    if name == "project":
        return fact.kind is ExpenditureKind.PROJECT
    return fact.kind.value == name


class ColumnSpec(_Spec):
    """A column: its header path, and either a label field or an amount measure."""

    path: tuple[str, ...]
    field: str | None = None
    measure: Measure | None = None
    kind: Literal["text", "code", "amount", "number"] | None = None
    width: float | None = None
    zero: ZeroMode | None = None


class PartSpec(_Spec):
    """The amount columns of one part of a table (附表5 has two)."""

    columns: tuple[ColumnSpec, ...]


class LabelledMeasure(_Spec):
    """A fixed row of a balance table: its label and measure."""

    label: str
    measure: Measure
    indent: int = 0
    detail: bool = False  # a 其中 line: shown, but not one of the parts of the line above
    parts: tuple[int, ...] = ()  # (fixed-line tables) the lines, by index, that this line totals


class BalanceSide(_Spec):
    """One side (收入 or 支出) of a balance table such as 附表1 and 附表4."""

    path: tuple[str, ...]
    label: str
    amount: str | None = None
    label_width: float = 30.0  # widths in characters of the label column and of the one amount column
    amount_width: float = 12.0
    rows: tuple[LabelledMeasure, ...] | Literal["function_classes"]
    numbered: bool = False
    number_by: Literal["sequence", "code"] = "sequence"  # ``code``: a 类's number is its code less 200
    number_format: str = "{n}、"  # ``{n}`` is the Chinese number: （{n}） gives （一）
    class_labels: dict[str, str] = Field(default_factory=dict)  # a fixed 类 list: every one printed, these labels
    amounts: tuple[ColumnSpec, ...] = ()
    heading: LabelledMeasure | None = None
    subtotal: LabelledMeasure | None = None
    carried: LabelledMeasure | None = None
    closing: tuple[LabelledMeasure, ...] = ()  # further lines between the carried line and the grand total
    grand_total: LabelledMeasure | None = None


class CellSpec(_Spec):
    """A cell of a record or form row: literal text, ``{{ }}`` template text, or an ``=`` expression."""

    value: str = ""
    span: int = Field(1, ge=1)
    rowspan: int | str = 1  # a number, or an ``=`` expression (a label beside a repeated block)
    kind: Literal["text", "code", "amount", "number"] | None = None
    label: bool = False


class RecordRow(_Spec):
    """A row of a record or form table; ``repeat`` (``x in expression``) repeats it per item.

    ``merge_equal`` names the columns whose equal values merge down the repeated rows (or, with
    ``merge_key``, down the runs of rows whose key expression is equal: a record spanning several rows).
    """

    cells: tuple[CellSpec | str, ...]
    repeat: str | None = None
    role: Literal["total", "group", "item", "detail", "head"] = "item"
    role_of: str | None = None  # an expression giving each repeated row its role (total / unit / item …)
    merge_equal: tuple[int, ...] = ()
    merge_key: str | None = None  # with it, ``merge_equal`` columns merge down runs of rows with an equal key
    when: str | None = None


class TableSpec(_Spec):
    """One table: a 附表, a table inside the text, or a form."""

    number: int
    title: str
    toc_title: str | None = None
    layout: Literal["grid", "balance", "indicators", "lines", "records"] = "grid"
    rows: (
        Literal[
            "units",
            "function_items",
            "econ_tree",
            "projects",
            "function_tree",
            "econ_sections",
            "econ_sections_government",
            "project_list",
        ]
        | None
    ) = None
    key: str | None = None
    placement: Literal["appendix", "text"] = "appendix"
    repeat: Literal["units", "projects"] | None = None
    numbered: bool | None = None
    sheet: str | None = None
    serial: bool | None = None
    column_numbers: bool | None = None
    zero: ZeroMode | None = None
    show_zero: bool = False
    empty_note: str | None = None
    empty_total: bool | None = None
    department_label: str | None = None
    period_label: str | None = None
    unit_label: str | None = None
    note: str | None = None
    lines: tuple[LabelledMeasure, ...] = ()
    records: tuple[RecordRow, ...] = ()
    header: bool = True
    scope: Measure = Field(default_factory=Measure)
    columns: tuple[ColumnSpec, ...] = ()
    label_columns: tuple[ColumnSpec, ...] = ()
    parts: tuple[PartSpec, ...] = ()
    left: BalanceSide | None = None
    right: BalanceSide | None = None
    name_with_code: bool = False
    unit_code_on_items: bool = True
    unit_rows: Literal["always", "several"] = "always"  # ``several``: no unit row under a one-unit department
    department_row: bool = True
    landscape: bool = True


class TablesSpec(_Spec):
    """The ``tables.yaml`` of a profile: defaults for every table, then the tables.

    Labels are ``str.format`` templates over ``year``, ``last_year``, ``org`` (``org_halfwidth``: with
    ASCII parentheses), ``department_code``,
    ``department_name``, ``department_short``, ``unit_code``, ``unit_name``, ``n`` and ``project_name``.
    """

    unit_label: str = "金额单位：万元"
    empty_note: str = "本表无数据。"
    department_label: str = "部门：{org}"
    period_label: str = ""
    numbered: bool = True
    serial: bool = False
    column_numbers: bool = False
    zero: ZeroMode = "empty"
    empty_total: bool = False
    thousands: bool = True
    labels: dict[str, str] = Field(default_factory=dict)  # wording of input terms in this layout
    tables: tuple[TableSpec, ...]


@cache
def load_tables_spec(profile: str) -> TablesSpec:
    """The table specs of a profile (validated, with located errors for a broken file)."""
    from budgetgen.io.load import read_bytes, validate
    from budgetgen.io.yaml_source import read_yaml
    from budgetgen.profiles import profile_file

    file = profile_file(profile, "tables.yaml")
    data, positions = read_yaml(read_bytes(file), str(file))  # a regular file, bounded
    spec = validate(TablesSpec, data, str(file), positions, {})
    _check_labels(data, (), positions, str(file))
    return spec


# The placeholders a label may use (``package.tables.label_values`` fills them), nothing else: a label
# from a shared profile is ``str.format``-ed, and ``{org.__class__}`` must not reach Python objects.
LABEL_FIELDS = frozenset(
    {
        "year", "last_year", "org", "department_code", "department_name", "department_short", "unit_code",
        "unit_name", "n", "project_name", "filer", "level", "org_halfwidth",
    }
)  # fmt: skip
_LABEL_KEYS = frozenset(
    {"title", "toc_title", "department_label", "unit_label", "sheet", "period_label", "note", "empty_note"}
)


def _check_labels(data: Any, path: tuple[str | int, ...], positions: Any, file: str) -> None:
    """Every label placeholder is a plain name of ``LABEL_FIELDS``; else a located BG-E030."""
    from string import Formatter

    from budgetgen.diagnostics import Diagnostic, InputError

    def check(text: str, where: tuple[str | int, ...]) -> None:
        if "{" not in text and "}" not in text:
            return
        try:
            fields = [name for _, name, _, _ in Formatter().parse(text) if name is not None]
        except ValueError as error:
            fields, problem = [], f"标签“{text}”的花括号不成对（{error}；字面的花括号写作 {{{{ 和 }}}}）"
        else:
            bad = [name for name in fields if name not in LABEL_FIELDS]
            allowed = "、".join(f"{{{name}}}" for name in sorted(LABEL_FIELDS))
            problem = f"标签“{text}”中的“{{{bad[0]}}}”不可用（可用：{allowed}）" if bad else ""
        if problem:
            raise InputError([Diagnostic("BG-E030", problem, positions.locate(file, where))])

    if isinstance(data, dict):
        for key, value in data.items():
            if key in _LABEL_KEYS and isinstance(value, str):
                check(value, (*path, key))
            elif key == "path" and isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, str):
                        check(item, (*path, key, i))
            else:
                _check_labels(value, (*path, key), positions, file)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            _check_labels(item, (*path, i), positions, file)
