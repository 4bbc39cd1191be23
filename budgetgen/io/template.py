"""Write the Excel input workbook: instructions, one sheet per concept, dropdowns, protected headers.

``template --from IN`` fills it with an existing budget, so a unit can start from last year; the
rows are exactly what ``import`` reads back (YAML → workbook → YAML is the identity).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from budgetgen.catalogs import Catalog
from budgetgen.excel import FIXED_TIME, clean_text, fixed_modified, text_only
from budgetgen.files import normalize_zip
from budgetgen.io import workbook_layout as layout
from budgetgen.model.budget import BudgetInput, ContributionRule, Unit
from budgetgen.model.types import (
    AmountUnit,
    Comparison,
    Direction,
    FundSource,
    ProcurementCategory,
    ProjectCategory,
    StaffKind,
    SubSource,
    UnitKind,
)

INPUT_ROWS = 500  # rows prepared for input (dropdowns, number checks, unlocked cells)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
FONT = "宋体"

_CHOICES: dict[str, list[str]] = {
    layout.UNIT_KIND: [k.value for k in UnitKind],
    layout.STAFF_KIND: [k.value for k in StaffKind],
    layout.SOURCE: [s.value for s in FundSource],
    layout.SUB_SOURCE: [s.value for s in SubSource],
    layout.CATEGORY: [c.value for c in ProjectCategory],
    layout.COMPARISON: [c.value for c in Comparison],
    layout.DIRECTION: [d.value for d in Direction],
    layout.PROCUREMENT: [p.value for p in ProcurementCategory],
    layout.AMOUNT_UNIT: [u.value for u in AmountUnit],
    layout.TEXT_FIELD: list(layout.TEXT_FIELDS),
}
_LIST_NAMES = {
    layout.FUNCTION: "功能科目",
    layout.ECON: "经济科目",
    layout.UNIT_KIND: "单位类型",
    layout.STAFF_KIND: "人员性质",
    layout.SOURCE: "资金来源",
    layout.SUB_SOURCE: "资金性质",
    layout.CATEGORY: "项目类别",
    layout.COMPARISON: "指标性质",
    layout.DIRECTION: "指标方向",
    layout.PROCUREMENT: "采购类别",
    layout.AMOUNT_UNIT: "金额单位",
    layout.TEXT_FIELD: "说明内容",
}


def coded(catalog: Catalog, code: str | None, econ: bool = False) -> str | None:
    """A code as the dropdown shows it: ``2080109 社会保险经办机构`` (a local detail keeps its code only)."""
    if code is None:
        return None
    table = catalog.econ if econ else catalog.functions
    return f"{code} {table[code].name}" if code in table else code


_COUNTS = {"vehicles", "large_equipment", "planned_vehicles", "planned_large_equipment"}  # 0 unless stated


def _get(obj: Any, field: str) -> Any:
    for part in field.split("."):
        if obj is None:
            return None
        if part in _COUNTS and part not in obj.model_fields_set:
            return None  # an unstated count stays blank (0 would state it)
        obj = getattr(obj, part)
    return obj


def _value(obj: Any, col: layout.Col, catalog: Catalog) -> Any:
    value = _get(obj, col.field)
    if value is None:
        return None
    if col.kind == layout.FUNCTION:
        return coded(catalog, value)
    if col.kind == layout.ECON:
        return coded(catalog, value, econ=True)
    if col.kind in (layout.LIST, layout.STAFF_KINDS):
        return "、".join(getattr(v, "value", v) for v in value) or None
    if col.kind == layout.LINES:
        return "\n".join(value) or None
    if col.kind == layout.FLAG:
        return "是" if value else None
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        # a spreadsheet keeps numbers as binary floats: what a float cannot hold exactly stays text
        return value if Decimal(repr(float(value))) == value else f"{value:f}"
    return getattr(value, "value", value)


def _rows(budget: BudgetInput, catalog: Catalog, previews: Mapping[str, str]) -> dict[str, list[list[Any]]]:
    """Every sheet's data rows for an existing budget, in the layout's column order."""
    rows: dict[str, list[list[Any]]] = {sheet.name: [] for sheet in layout.SHEETS}
    columns = {sheet.name: sheet.columns for sheet in layout.SHEETS}

    def add(sheet: str, obj: Any, **given: Any) -> None:
        rows[sheet].append([given[c.field] if c.field in given else _value(obj, c, catalog) for c in columns[sheet]])

    for unit in budget.units:
        add("单位", unit)
    for rule in budget.contribution_rules:
        add("缴费规则", rule, unit=None)
    for unit in budget.units:
        _unit_rows(unit, add, previews)
    return rows


def unit_texts(unit: Unit) -> Iterator[str]:
    """The texts a unit writes, in the order of the 文字说明 sheet."""
    for field in layout.TEXT_FIELDS.values():
        value = _get(unit.texts, field)
        if isinstance(value, dict):
            yield from value.values()
        elif value:
            yield value


def _unit_rows(unit: Unit, add: Any, previews: Mapping[str, str] | None = None) -> None:
    previews = previews or {}
    code = unit.code
    for group in unit.staff:
        add("人员", group, unit=code)
        for item in group.pay:
            add("工资项目", item, unit=code, group=group.name)
    rule: ContributionRule
    for rule in unit.contribution_rules:
        add("缴费规则", rule, unit=code)
    for stated in unit.operating_items:
        add("公用经费", stated, unit=code)
    for project in unit.projects:
        add("项目", project, unit=code)
    for project in unit.projects:
        for line in project.lines:
            add("项目明细", line, unit=code, project=project.code)
    for project in unit.projects:
        for indicator in project.indicators:
            add("绩效指标", indicator, unit=code, project=project.code)
    for unit_indicator in unit.performance.indicators if unit.performance else ():
        add("整体绩效指标", unit_indicator, unit=code)
    for task in unit.performance.tasks if unit.performance else ():
        add("年度主要任务", task, unit=code)
    for entry in unit.income:
        add("收入", entry, unit=code)
    for purchase in unit.procurement:
        add("政府采购", purchase, unit=code)
    for label, field in layout.TEXT_FIELDS.items():
        value = _get(unit.texts, field)
        if field == "function_purposes":
            for function, text in value.items():
                add("文字说明", None, unit=code, field=label, code=function, text=text, preview=previews.get(text))
        elif value:
            add("文字说明", None, unit=code, field=label, code=None, text=value, preview=previews.get(value))


def _general_values(budget: BudgetInput | None) -> dict[str, Any]:
    if budget is None:
        return {"amount_unit": AmountUnit.YUAN.value, "format_version": 1}
    return {
        "budget_year": budget.budget_year,
        "amount_unit": AmountUnit.YUAN.value,
        "department.code": budget.department.code,
        "department.name": budget.department.name,
        "department.short_name": budget.department.short_name,
        "department.level": budget.department.level and budget.department.level.value,
        "department.package_kind": budget.department.package_kind and budget.department.package_kind.value,
        "prepared_on": budget.prepared_on,
        "format_version": budget.format_version,
    }


def _lists(workbook: Workbook, catalog: Catalog) -> None:
    """The hidden 代码表 with one column per dropdown list, each behind a defined name."""
    sheet = workbook.create_sheet(layout.LIST_SHEET)
    functions = [f"{code} {entry.name}" for code, entry in catalog.functions.items() if len(code) == 7]
    econ = [f"{code} {entry.name}" for code, entry in catalog.econ.items() if len(code) == 5]
    lists = {layout.FUNCTION: functions, layout.ECON: econ, **_CHOICES}
    for column, (kind, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(column)
        sheet.cell(1, column, _LIST_NAMES[kind])
        for row, value in enumerate(values, start=2):
            sheet.cell(row, column, value).data_type = "s"
        reference = f"{quote_sheetname(layout.LIST_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        workbook.defined_names[_LIST_NAMES[kind]] = DefinedName(_LIST_NAMES[kind], attr_text=reference)
    sheet.sheet_state = "hidden"


def _validation(col: layout.Col) -> DataValidation | None:
    if col.kind in _LIST_NAMES:
        strict = col.kind not in (layout.ECON, layout.FUNCTION)  # local econ details are allowed
        return DataValidation(
            type="list",
            formula1=f"={_LIST_NAMES[col.kind]}",
            allow_blank=True,
            errorStyle="stop" if strict else "warning",
            error="请从下拉列表中选择",
            errorTitle="取值无效",
            prompt=col.note[:250] or None,
            showErrorMessage=True,
            showInputMessage=bool(col.note),
        )
    if col.kind in (layout.MONEY, layout.INT):
        return DataValidation(
            type="decimal" if col.kind == layout.MONEY else "whole",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            error="请填写不小于 0 的数字（不要带单位或千位分隔符）",
            errorTitle="数字无效",
            prompt=col.note[:250] or None,
            showErrorMessage=True,
            showInputMessage=bool(col.note),
        )
    return None


def _header(sheet: Worksheet, columns: tuple[layout.Col, ...]) -> None:
    for c, col in enumerate(columns, start=1):
        cell = sheet.cell(1, c, col.header + ("*" if col.required else ""))
        cell.font = Font(name=FONT, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.protection = Protection(locked=True)
        letter = get_column_letter(c)
        sheet.column_dimensions[letter].width = col.width
        validation = _validation(col)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{INPUT_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 30
    sheet.protection.sheet = True
    sheet.protection.formatRows = False
    sheet.protection.formatColumns = False
    sheet.protection.insertRows = False
    sheet.protection.deleteRows = False
    sheet.protection.sort = False
    sheet.protection.autoFilter = False


def _body(sheet: Worksheet, columns: tuple[layout.Col, ...], rows: list[list[Any]]) -> None:
    last = max(INPUT_ROWS + 1, len(rows) + 1)
    for r in range(2, last + 1):
        values = rows[r - 2] if r - 2 < len(rows) else [None] * len(columns)
        for c, (col, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = sheet.cell(r, c)
            if value is not None:
                cell.value = clean_text(value) if isinstance(value, str) else value
                if isinstance(value, str):
                    cell.data_type = "s"
            cell.protection = Protection(locked=False)
            cell.fill = INPUT_FILL
            if col.kind == layout.TEXT and col.width >= 30:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _instructions(workbook: Workbook) -> None:
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "填表说明"
    lines: list[tuple[str, str]] = [
        ("budgetgen 预算输入表", ""),
        ("用法", "按工作表填写本单位（部门）本年度预算；带 * 的列必填。填好后运行：budgetgen check 本文件.xlsx"),
        ("金额单位", "在“基本信息”表选择 元 或 万元，全表金额都按这个单位填写，只填数字，不带千位分隔符。"),
        ("代码", "功能科目、经济科目从下拉列表选择（可只填代码）；地方明细经济科目（7 或 9 位）请同时填写明细名称。"),
        ("示例", "公用经费表：单位代码 342601｜经济科目 30201 办公费｜金额 437000｜所属项目 R01"),
        ("", ""),
        ("工作表", "用途"),
    ]
    lines += [(s.name, s.purpose) for s in (layout.GENERAL, *layout.SHEETS)]
    for r, (left, right) in enumerate(lines, start=1):
        sheet.cell(r, 1, left).font = Font(name=FONT, bold=r in (1, 7))
        sheet.cell(r, 2, right).font = Font(name=FONT)
        sheet.cell(r, 2).alignment = Alignment(wrap_text=True)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 100


def _general(workbook: Workbook, budget: BudgetInput | None, year: int | None = None) -> None:
    sheet = workbook.create_sheet(layout.GENERAL.name)
    _header(sheet, layout.GENERAL.columns)
    values = _general_values(budget)
    if year is not None and budget is None:
        values["budget_year"] = year
    for r, (label, field, kind) in enumerate(layout.GENERAL_ROWS, start=2):
        sheet.cell(r, 1, label).font = Font(name=FONT, bold=True)
        cell = sheet.cell(r, 2, values.get(field))
        if isinstance(cell.value, str):
            cell.data_type = "s"
        cell.protection = Protection(locked=False)
        cell.fill = INPUT_FILL
        if kind == layout.AMOUNT_UNIT:
            validation = _validation(layout.Col("", "", layout.AMOUNT_UNIT))
            assert validation is not None
            validation.add(f"B{r}")
            sheet.add_data_validation(validation)


def _sheets(
    workbook: Workbook, budget: BudgetInput | None, catalog: Catalog, previews: Mapping[str, str]
) -> Iterator[Worksheet]:
    rows = _rows(budget, catalog, previews) if budget is not None else {s.name: [] for s in layout.SHEETS}
    for spec in layout.SHEETS:
        sheet = workbook.create_sheet(spec.name)
        _header(sheet, spec.columns)
        _body(sheet, spec.columns, rows[spec.name])
        yield sheet


def render_template(
    catalog: Catalog,
    budget: BudgetInput | None = None,
    year: int | None = None,
    previews: Mapping[str, str] | None = None,
) -> bytes:
    """The input workbook (empty, or filled with ``budget``) as deterministic xlsx bytes.

    An empty workbook made for a ``year`` has that 预算年度 filled in (its lists come from ``catalog``).
    ``previews``: each unit text → the sentence of the generated text it is placed in
    (``budgetgen.package.previews.text_previews``; the 文字说明 sheet shows it beside the text).
    """
    workbook = Workbook()
    _instructions(workbook)
    _general(workbook, budget, year)
    list(_sheets(workbook, budget, catalog, previews or {}))
    _lists(workbook, catalog)
    workbook.properties.creator = "budgetgen"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    text_only(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalize_zip(buffer.getvalue(), {"docProps/core.xml": fixed_modified})
