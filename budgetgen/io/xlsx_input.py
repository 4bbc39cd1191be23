"""Read a filled input workbook into the same plain data as the YAML, with ``Sheet!Cell`` positions.

Workbooks come from many units and are untrusted: the file size, the archive's expanded size and
ratio (zip bombs) and the number of rows are bounded before and while reading; openpyxl parses
through defusedxml (no entity expansion); macros are never run; formulas are read by their cached
value only. Every problem names its sheet and cell.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from budgetgen.diagnostics import Diagnostic, InputError, Location, Path
from budgetgen.io import workbook_layout as layout

MAX_FILE = 20 * 1024 * 1024
MAX_EXPANDED = 200 * 1024 * 1024
MAX_RATIO = 150
MAX_MEMBERS = 2000
MAX_ROWS = 50_000
_SPLIT = re.compile(r"[、,，;；\s]+")
_SPLIT_NAMES = re.compile(r"[、,，;；\n]+")  # names may contain spaces
# Only ordinary blanks are trimmed: a control character or U+2028 at either end reaches the model,
# which refuses it at its cell (str.strip() and splitlines() would drop or split on it silently).
_BLANKS = " \t\r\n\u3000"


@dataclass
class CellPositions:
    """Field path → ``Sheet!Cell``; the same interface as the YAML positions.

    ``labels`` gives the column title the accountant sees for a field path (messages use it, never
    the internal path); ``problems`` collects every structural error of the workbook, so that one
    run reports all of them together with the value errors.
    """

    cells: dict[Path, tuple[str, str]] = field(default_factory=dict)
    labels: dict[Path, str] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    unread: set[str] = field(default_factory=set)  # sheets whose rows could not be read (a required column)

    def locate(self, file: str, path: Path, at_key: bool = False) -> Location:
        """The cell of the deepest part of ``path`` that the workbook has."""
        probe = path
        while probe not in self.cells and probe:
            probe = probe[:-1]
        sheet, cell = self.cells.get(probe, (layout.GENERAL.name, "A1"))
        return Location(sheet, cell=cell, path=path, label=self.label(path))

    def label(self, path: Path) -> str | None:
        """The column (or 基本信息 row, or 文字说明 内容) title of a field path, where the workbook has one."""
        if path in self.labels:
            return self.labels[path]
        return field_title(path)


def _field_titles() -> dict[tuple[str, ...], str]:
    """Field path tails → the title of the column that holds them (for fields no cell was read for)."""
    titles: dict[tuple[str, ...], str] = {}
    for label, name, _kind in layout.GENERAL_ROWS:
        titles[tuple(name.split("."))] = label
    lists = {
        "人员": "staff",
        "工资项目": "pay",
        "缴费规则": "contribution_rules",
        "公用经费": "operating_items",
        "项目": "projects",
        "项目明细": "lines",
        "绩效指标": "indicators",
        "收入": "income",
        "政府采购": "procurement",
    }
    for spec in layout.SHEETS:
        for col in spec.columns:
            titles.setdefault(tuple(col.field.split(".")), col.header)
            if spec.name in lists and "." not in col.field:  # a row's field: the title of its own sheet
                titles.setdefault((lists[spec.name], "#", col.field), col.header)
    for label, target in layout.TEXT_FIELDS.items():
        titles[("texts", *target.split("."))[-2:]] = label
    titles[("units",)] = "单位"
    titles[("department",)] = "部门代码、部门名称"
    return titles


_FIELD_TITLES = _field_titles()


def field_title(path: Path) -> str | None:
    """The workbook title (column, 基本信息 row or 文字说明 内容) of a field path, e.g. 单位规格."""
    generic = tuple("#" if isinstance(p, int) else p for p in path)
    return _FIELD_TITLES.get(generic[-3:]) or _FIELD_TITLES.get(generic[-2:]) or _FIELD_TITLES.get(generic[-1:])


def check_archive(data: bytes, name: str) -> None:
    """Refuse what is not a plain, reasonably sized xlsx archive before any XML is parsed."""
    if len(data) > MAX_FILE:
        raise InputError([Diagnostic("BG-E004", f"文件过大（{len(data)} 字节，上限 {MAX_FILE}）", Location(name))])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(
            [Diagnostic("BG-E041", "文件不是有效的 Excel 工作簿（.xlsx），可能已损坏或被截断", Location(name))]
        ) from None
    if len(members) > MAX_MEMBERS:
        raise InputError([Diagnostic("BG-E004", f"工作簿内部文件过多（{len(members)} 个）", Location(name))])
    expanded = sum(m.file_size for m in members)
    if expanded > MAX_EXPANDED:
        raise InputError([Diagnostic("BG-E004", f"工作簿解压后过大（{expanded} 字节），疑似压缩炸弹", Location(name))])
    for member in members:
        if member.compress_size and member.file_size / member.compress_size > MAX_RATIO and member.file_size > 1 << 20:
            raise InputError(
                [Diagnostic("BG-E004", f"工作簿内部文件“{member.filename}”压缩比异常，疑似压缩炸弹", Location(name))]
            )
    if "[Content_Types].xml" not in {m.filename for m in members}:
        raise InputError([Diagnostic("BG-E041", "文件不是有效的 Excel 工作簿（缺少内容类型表）", Location(name))])


def _open(data: bytes, name: str, data_only: bool) -> Any:
    import warnings

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), data_only=data_only, keep_vba=False, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for damaged or hostile files
        kind = type(error).__name__
        chain = [error]
        while chain[-1].__cause__ is not None or chain[-1].__context__ is not None:
            chain.append(chain[-1].__cause__ or chain[-1].__context__)  # type: ignore[arg-type]
            if len(chain) > 10:
                break
        names = " ".join(type(e).__name__ for e in chain)
        if "Entit" in names or "DTD" in names or "Forbidden" in names:
            message = "工作簿含有不安全的 XML 内容（实体或 DTD），已拒绝读取"
        else:
            message = f"无法读取工作簿（{kind}），文件可能已损坏；请在 Excel 或 WPS 中打开后另存为 .xlsx"
        raise InputError([Diagnostic("BG-E041", message, Location(name))]) from None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    if isinstance(value, dt.date | dt.datetime):  # a date typed in a cell is a date, not its repr
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip(_BLANKS)
    return text or None


def _code(value: Any) -> str | None:
    """A code cell: ``2080109 社会保险经办机构`` or ``2080109`` → ``2080109``."""
    text = _text(value)
    return text.split()[0] if text else None


def _convert(col: layout.Col, value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip(_BLANKS)):
        return None
    if col.kind in (layout.FUNCTION, layout.ECON):
        return _code(value)
    if col.kind in (layout.LIST, layout.STAFF_KINDS):
        text = _text(value) or ""
        splitter = _SPLIT_NAMES if col.field == "subordinate_units" else _SPLIT
        parts = [part.strip(_BLANKS) for part in splitter.split(text) if part.strip(_BLANKS)]
        return [part.split()[0] if col.field == "base" else part for part in parts]
    if col.kind == layout.LINES:
        lines = (_text(value) or "").replace("\r\n", "\n").split("\n")
        return [line.strip(_BLANKS) for line in lines if line.strip(_BLANKS)]
    if col.kind == layout.FLAG:
        flag = _text(value) or ""
        return {"是": True, "否": False}.get(flag, flag)
    if col.kind in (layout.MONEY, layout.RATE, layout.INT):
        return value.strip(_BLANKS) if isinstance(value, str) else value
    return _text(value)


@dataclass
class _Row:
    sheet: str
    number: int
    values: dict[str, Any]
    cells: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


class _Reader:
    """Reads sheets row by row; every structural problem is recorded and reading goes on."""

    def __init__(self, data: bytes, name: str, problems: list[Diagnostic]) -> None:
        self.data = data
        self.name = name
        self.book = _open(data, name, data_only=False)
        self._cached: Any = None
        self.problems = problems
        self.skipped: set[str] = set()  # the same set as the positions' ``unread``

    def fail(self, sheet: str, cell: str | None, code: str, message: str) -> None:
        self.problems.append(Diagnostic(code, message, Location(sheet, cell=cell)))

    def cached(self, sheet: str, cell: str) -> Any:
        if self._cached is None:
            self._cached = _open(self.data, self.name, data_only=True)
        return self._cached[sheet][cell].value

    def _columns(self, spec: layout.Sheet, sheet: Any) -> dict[str, tuple[layout.Col, str]] | None:
        """Header → column letter; an unknown or renamed header is an error naming it (never dropped)."""
        headers: dict[str, str] = {}
        for cell in sheet[1]:
            text = _text(cell.value)
            if text:
                headers[text.rstrip("*").strip()] = cell.column_letter
        known = {col.header for col in spec.columns}
        missing = [col for col in spec.columns if col.header not in headers]
        unknown = [h for h in headers if h not in known]
        columns = {col.field: (col, headers[col.header]) for col in spec.columns if col.header in headers}
        complete = True
        for header in unknown:
            cell = f"{headers[header]}1"
            close = difflib.get_close_matches(header, [c.header for c in missing], n=1, cutoff=0.4)
            if close:
                col = next(c for c in missing if c.header == close[0])
                missing.remove(col)
                complete = complete and not col.required
                self.fail(spec.name, cell, "BG-E042" if col.required else "BG-E045",
                          f"工作表“{spec.name}”缺少列“{col.header}”：{cell} 的列名为“{header}”，"
                          f"请改回模板的“{col.header}”（否则这一列的数据不会被读取）")  # fmt: skip
            else:
                self.fail(spec.name, cell, "BG-E045",
                          f"工作表“{spec.name}”的列“{header}”不是模板中的列，其中的数据不会被读取；"
                          f"可用的列：{'、'.join(c.header for c in spec.columns)}")  # fmt: skip
        for col in missing:
            if col.required:
                complete = False
                missing_at = f"{get_column_letter(spec.columns.index(col) + 1)}1"  # where the template puts it
                self.fail(spec.name, missing_at, "BG-E042", f"工作表“{spec.name}”缺少列“{col.header}”")
        return columns if complete or spec.name == "单位" else None

    def rows(self, spec: layout.Sheet, required: bool) -> Iterator[_Row]:
        if spec.name not in self.book.sheetnames:
            if required:
                self.fail(spec.name, None, "BG-E042",
                          f"缺少工作表“{spec.name}”（请从 budgetgen template 生成的模板开始填写）")  # fmt: skip
            return
        sheet = self.book[spec.name]
        if sheet.max_row > MAX_ROWS + 1:
            self.fail(spec.name, None, "BG-E004", f"工作表“{spec.name}”行数过多（{sheet.max_row} 行，上限 {MAX_ROWS}）")
            return
        columns = self._columns(spec, sheet)
        if columns is None:  # without a required column the rows cannot be read meaningfully
            self.skipped.add(spec.name)  # rows referring to them are not reported again
            return
        for merged in sheet.merged_cells.ranges:
            if merged.max_row >= 2:
                self.fail(spec.name, merged.coord.split(":")[0], "BG-E043",
                          f"数据区域不能有合并单元格（{merged.coord}），请取消合并后每格填写")  # fmt: skip
        for number in range(2, sheet.max_row + 1):
            values: dict[str, Any] = {}
            cells: dict[str, str] = {}
            for field_name, (col, letter) in columns.items():
                reference = f"{letter}{number}"
                cell = sheet[reference]
                raw = cell.value
                if cell.data_type == "f":
                    raw = self.cached(spec.name, reference)
                    if raw is None:
                        self.fail(spec.name, reference, "BG-E044",
                                  "公式没有缓存的计算结果：请在 Excel 或 WPS 中打开并保存后再导入")  # fmt: skip
                cells[field_name] = reference
                value = _convert(col, raw)
                if value is not None:
                    values[field_name] = value
            if values:
                headers = {name: col.header for name, (col, _letter) in columns.items()}
                yield _Row(spec.name, number, values, cells, headers)


def _nest(target: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _put(obj: dict[str, Any], row: _Row, path: Path, positions: CellPositions, skip: tuple[str, ...] = ()) -> None:
    """Copy a row's values into ``obj`` (dotted fields nest) and record each field's cell."""
    positions.cells.setdefault(path, (row.sheet, f"A{row.number}"))
    for name, value in row.values.items():
        if name in skip:
            continue
        _nest(obj, name, value)
        positions.cells[(*path, *name.split("."))] = (row.sheet, row.cells[name])
    for name, reference in row.cells.items():
        if name not in skip:
            positions.cells.setdefault((*path, *name.split(".")), (row.sheet, reference))
            positions.labels[(*path, *name.split("."))] = row.headers.get(name, name)


def read_workbook(data: bytes, name: str) -> tuple[dict[str, Any], CellPositions]:
    """The workbook as the input model's plain data, and where each field came from.

    Structural problems (missing sheets or columns, unknown columns, merged cells, rows that name a
    unit, group or project not listed) are collected in ``positions.problems``, not raised: the
    loader reports them together with every value error of the rows that could be read.
    """
    check_archive(data, name)
    positions = CellPositions()
    reader = _Reader(data, name, positions.problems)
    reader.skipped = positions.unread
    result: dict[str, Any] = {}
    _general(reader, result, positions)
    units: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    sheets = {spec.name: spec for spec in layout.SHEETS}
    for row in reader.rows(sheets["单位"], required=True):
        unit: dict[str, Any] = {}
        _put(unit, row, ("units", len(units)), positions)
        index.setdefault(str(unit.get("code")), len(units))
        units.append(unit)
    if "单位" not in reader.book.sheetnames:  # every other row names its unit: nothing more can be read
        raise InputError(positions.problems)
    result["units"] = units
    positions.cells[("units",)] = ("单位", "A1")

    def owner(row: _Row) -> tuple[int, dict[str, Any]] | None:
        code = row.values.get("unit")
        if code is None or str(code) not in index:
            shown = f"单位代码“{code}”不在“单位”表中" if code is not None else "没有填写单位代码"
            reader.fail(row.sheet, row.cells.get("unit", f"A{row.number}"), "BG-E040", shown)
            return None
        return index[str(code)], units[index[str(code)]]

    groups: dict[tuple[int, str], int] = {}
    for row in reader.rows(sheets["人员"], required=False):
        if (found := owner(row)) is None:
            continue
        u, unit = found
        staff = unit.setdefault("staff", [])
        group: dict[str, Any] = {}
        if "name" in row.values and (u, str(row.values["name"])) in groups:
            reader.fail(row.sheet, row.cells.get("name"), "BG-E024", f"人员类别“{row.values.get('name')}”在本单位重复")
            continue
        _put(group, row, ("units", u, "staff", len(staff)), positions, ("unit",))
        groups[(u, str(group.get("name")))] = len(staff)
        staff.append(group)
    for row in reader.rows(sheets["工资项目"], required=False):
        if (found := owner(row)) is None:
            continue
        u, unit = found
        key = (u, str(row.values.get("group")))
        if key not in groups and "人员" in reader.skipped:
            continue
        if key not in groups:
            shown = f"人员类别“{key[1]}”不在“人员”表中" if "group" in row.values else "没有填写人员类别"
            reader.fail(row.sheet, row.cells.get("group"), "BG-E040", shown)
            continue
        g = groups[key]
        pay = unit["staff"][g].setdefault("pay", [])
        item: dict[str, Any] = {}
        _put(item, row, ("units", u, "staff", g, "pay", len(pay)), positions, ("unit", "group"))
        pay.append(item)
    department_rules: list[dict[str, Any]] = []
    for row in reader.rows(sheets["缴费规则"], required=False):
        rule: dict[str, Any] = {}
        if row.values.get("unit") is None:
            _put(rule, row, ("contribution_rules", len(department_rules)), positions, ("unit",))
            department_rules.append(rule)
        elif (found := owner(row)) is not None:
            u, unit = found
            rules = unit.setdefault("contribution_rules", [])
            _put(rule, row, ("units", u, "contribution_rules", len(rules)), positions, ("unit",))
            rules.append(rule)
    if department_rules:
        result["contribution_rules"] = department_rules
    _simple(reader, sheets["公用经费"], "operating_items", owner, positions)
    projects: dict[tuple[int, str], int] = {}
    for row in reader.rows(sheets["项目"], required=False):
        if (found := owner(row)) is None:
            continue
        u, unit = found
        items = unit.setdefault("projects", [])
        project: dict[str, Any] = {}
        _put(project, row, ("units", u, "projects", len(items)), positions, ("unit",))
        projects.setdefault((u, str(project.get("code"))), len(items))
        items.append(project)
    for sheet_name, part in (("项目明细", "lines"), ("绩效指标", "indicators")):
        for row in reader.rows(sheets[sheet_name], required=False):
            if (found := owner(row)) is None:
                continue
            u, unit = found
            ref = (u, str(row.values.get("project")))
            if ref not in projects and "项目" in reader.skipped:
                continue
            if ref not in projects:
                shown = f"项目代码“{ref[1]}”不在“项目”表中" if "project" in row.values else "没有填写项目代码"
                reader.fail(row.sheet, row.cells.get("project"), "BG-E040", shown)
                continue
            p = projects[ref]
            entries = unit["projects"][p].setdefault(part, [])
            entry: dict[str, Any] = {}
            _put(entry, row, ("units", u, "projects", p, part, len(entries)), positions, ("unit", "project"))
            entries.append(entry)
    for row in reader.rows(sheets["整体绩效指标"], required=False):
        if (found := owner(row)) is None:
            continue
        u, unit = found
        indicators = unit.setdefault("performance", {}).setdefault("indicators", [])
        entry = {}
        _put(entry, row, ("units", u, "performance", "indicators", len(indicators)), positions, ("unit",))
        indicators.append(entry)
    for row in reader.rows(sheets["年度主要任务"], required=False):
        if (found := owner(row)) is None:
            continue
        u, unit = found
        tasks = unit.setdefault("performance", {}).setdefault("tasks", [])
        entry = {}
        _put(entry, row, ("units", u, "performance", "tasks", len(tasks)), positions, ("unit",))
        tasks.append(entry)
    _simple(reader, sheets["收入"], "income", owner, positions)
    if "政府采购" in reader.book.sheetnames:  # the sheet is where procurement is stated: empty means none
        for unit in units:
            unit.setdefault("procurement", [])
    _simple(reader, sheets["政府采购"], "procurement", owner, positions)
    _texts(reader, sheets["文字说明"], owner, positions)
    return result, positions


def _general(reader: _Reader, result: dict[str, Any], positions: CellPositions) -> None:
    """基本信息: one labelled row per field, the value in column B."""
    for title, dotted, _kind in layout.GENERAL_ROWS:
        positions.labels[tuple(dotted.split("."))] = title
    if layout.GENERAL.name not in reader.book.sheetnames:
        reader.fail(layout.GENERAL.name, None, "BG-E042", f"缺少工作表“{layout.GENERAL.name}”")
        return
    general = reader.book[layout.GENERAL.name]
    labels = {label: (field_name, kind) for label, field_name, kind in layout.GENERAL_ROWS}
    for number in range(2, min(general.max_row, 100) + 1):
        label = _text(general[f"A{number}"].value)
        if label is None or label not in labels:
            continue
        field_name, kind = labels[label]
        value = _convert(layout.Col(label, field_name, kind), general[f"B{number}"].value)
        if field_name == "prepared_on" and isinstance(value, str):
            value = _date_text(value)
        positions.cells[tuple(field_name.split("."))] = (general.title, f"B{number}")
        if value is not None:
            _nest(result, field_name, value)
    if ("department", "code") in positions.cells:
        positions.cells[("department",)] = positions.cells[("department", "code")]


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _date_text(text: str) -> str:
    """A date as accountants type it (2025/1/15, 2025年1月15日, 2025.1.15) as 2025-01-15."""
    match = _DATE_TEXT.fullmatch(text.strip())
    if match is None:
        return text
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return text  # not a real day: the model says the form is wrong


def _texts(reader: _Reader, spec: layout.Sheet, owner: Any, positions: CellPositions) -> None:
    """文字说明: one row per sentence; each text's cell is recorded so findings about it point there."""
    for row in reader.rows(spec, required=False):
        if (found := owner(row)) is None:
            continue
        u, unit = found
        positions.cells.setdefault(("units", u, "texts"), (row.sheet, f"A{row.number}"))
        label = str(row.values.get("field"))
        if label not in layout.TEXT_FIELDS:
            reader.fail(row.sheet, row.cells.get("field"), "BG-E014",
                        f"“{label}”不是可选的内容，可选：{'、'.join(layout.TEXT_FIELDS)}")  # fmt: skip
            continue
        target = layout.TEXT_FIELDS[label]
        texts = unit.setdefault("texts", {})
        text = row.values.get("text", "")
        if target == "function_purposes":
            code = row.values.get("code")
            if code is None:
                reader.fail(row.sheet, row.cells.get("code"), "BG-E010", "“功能科目用途”需要填写功能科目")
                continue
            texts.setdefault("function_purposes", {})[str(code)] = text
            path: Path = ("units", u, "texts", "function_purposes", str(code))
        else:
            _nest(texts, target, text)
            path = ("units", u, "texts", *target.split("."))
        positions.cells[path] = (row.sheet, row.cells["text"])
        positions.labels[path] = label


def _simple(reader: _Reader, spec: layout.Sheet, key: str, owner: Any, positions: CellPositions) -> None:
    for row in reader.rows(spec, required=False):
        if (found := owner(row)) is None:
            continue
        u, unit = found
        positions.cells.setdefault(("units", u, key), (row.sheet, f"A{row.number}"))
        items = unit.setdefault(key, [])
        item: dict[str, Any] = {}
        _put(item, row, ("units", u, key, len(items)), positions, ("unit",))
        items.append(item)
