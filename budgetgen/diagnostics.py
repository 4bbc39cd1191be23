"""Diagnostics: every message budgetgen gives about an input, with a stable code and a place.

One frozen value type for everything a user is told about their input (syntax errors, validation
errors, later the findings of `check`), and one catalog of codes. Messages are Chinese; the code
and its English description are stable so that scripts and CI can select them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How bad a finding is: an error stops rendering, a warning does not."""

    ERROR = "error"
    WARNING = "warning"


SEVERITY_ZH = {Severity.ERROR: "错误", Severity.WARNING: "警告"}

PathItem = str | int
Path = tuple[PathItem, ...]


@dataclass(frozen=True, slots=True)
class Location:
    """Where in the input a diagnostic points: a file position or a sheet cell, plus the field path."""

    file: str
    line: int | None = None
    column: int | None = None
    cell: str | None = None
    path: Path = ()
    label: str | None = None  # the column title a workbook user sees for ``path`` (messages name it)

    def __str__(self) -> str:
        if self.cell is not None:
            return f"{self.file}!{self.cell}" if self.file else self.cell
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


def format_path(path: Path) -> str:
    """A field path as a user writes it: ``units[0].staff[1].headcount``."""
    text = ""
    for item in path:
        if isinstance(item, int):
            text += f"[{item}]"
        else:
            text += f".{item}" if text else str(item)
    return text


@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of the code catalog."""

    code: str
    severity: Severity
    title: str
    description: str


# The catalog of input-error codes. Codes are stable: never renumber, only add.
RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in [
        Rule("BG-E001", Severity.ERROR, "无法读取输入", "input file or folder missing or unreadable"),
        Rule("BG-E002", Severity.ERROR, "YAML 语法错误", "YAML syntax error"),
        Rule("BG-E003", Severity.ERROR, "文件编码错误", "input is not UTF-8 text"),
        Rule("BG-E004", Severity.ERROR, "输入超出限制", "input exceeds a size, depth or alias limit"),
        Rule("BG-E005", Severity.ERROR, "重复的键", "duplicate key in a mapping"),
        Rule("BG-E006", Severity.ERROR, "不支持的 YAML 结构", "unsupported YAML construct (tag, complex key)"),
        Rule("BG-E010", Severity.ERROR, "缺少必填字段", "required field missing"),
        Rule("BG-E011", Severity.ERROR, "未知字段", "field not part of the input model"),
        Rule("BG-E012", Severity.ERROR, "类型或取值错误", "value of the wrong type or form"),
        Rule(
            "BG-E013",
            Severity.ERROR,
            "金额或数字格式错误",
            "amount or other number not a bounded non-negative number in the one accepted form",
        ),
        Rule("BG-E014", Severity.ERROR, "取值不在可选范围内", "value not one of the allowed choices"),
        Rule("BG-E015", Severity.ERROR, "比例错误", "rate not between 0 and 1 (or 0% and 100%)"),
        Rule("BG-E016", Severity.ERROR, "互斥字段", "fields that exclude or require each other"),
        Rule("BG-E020", Severity.ERROR, "未知的功能分类科目", "function code not in the year's catalog"),
        Rule("BG-E021", Severity.ERROR, "未知的经济分类科目", "economic code not in the year's catalog"),
        Rule("BG-E022", Severity.ERROR, "科目级次错误", "classification code at the wrong level"),
        Rule("BG-E023", Severity.ERROR, "单位代码与部门代码不符", "unit code does not start with the department code"),
        Rule("BG-E024", Severity.ERROR, "代码重复", "duplicate unit or project code"),
        Rule("BG-E025", Severity.ERROR, "没有该年度的科目表", "no classification catalog for the budget year"),
        Rule("BG-E026", Severity.ERROR, "引用的项目不存在", "reference to a project the unit does not have"),
        Rule("BG-E027", Severity.ERROR, "明细科目缺少名称", "local detail economic code without a name"),
        Rule("BG-E028", Severity.ERROR, "本地科目表错误", "catalog.csv line malformed, misplaced or renaming"),
        Rule("BG-E030", Severity.ERROR, "配置文件错误", "profile settings invalid"),
        Rule(
            "BG-E040",
            Severity.ERROR,
            "引用的行不存在",
            "a workbook row refers to a unit, staff group or project not listed",
        ),
        Rule(
            "BG-E041", Severity.ERROR, "工作簿无法读取", "not a readable xlsx workbook (damaged, truncated, unsafe XML)"
        ),
        Rule("BG-E042", Severity.ERROR, "缺少工作表或列", "a required sheet or column is missing"),
        Rule("BG-E043", Severity.ERROR, "合并单元格", "merged cells where one value per cell belongs"),
        Rule("BG-E044", Severity.ERROR, "公式没有计算结果", "a formula cell without a cached value"),
        Rule("BG-E045", Severity.ERROR, "未知的列", "a column header not in the template (renamed or added)"),
        Rule("BG-E050", Severity.ERROR, "分片无法合并", "batch shards that miss a unit or render one twice"),
        Rule(
            "BG-E060",
            Severity.ERROR,
            "PDF 排版问题",
            "WeasyPrint warned while laying out the PDF (e.g. a missing glyph)",
        ),
        Rule(
            "BG-E070",
            Severity.ERROR,
            "无法写入输出",
            "an output cannot be written (no permission, disk full, a file or folder in the way)",
        ),
        Rule("BG-E075", Severity.ERROR, "无法生成新年度输入", "new-year: year not after the budget's, bad output"),
        Rule("BG-E076", Severity.WARNING, "新年度科目调整", "new-year: a code renumbered or removed"),
        Rule("BG-E099", Severity.ERROR, "内部错误", "unexpected internal error (a bug: please report it)"),
    ]
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A message about the input: code, severity, Chinese message and where it points."""

    code: str
    message: str
    location: Location
    severity: Severity = Severity.ERROR
    hints: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        where = str(self.location)
        text = f"{where}: {SEVERITY_ZH[self.severity]} {self.code} {self.message}"
        if self.location.cell is not None:  # a workbook: the column title, never an internal field path
            if self.location.label and self.location.label not in self.message:
                text += f"（{self.location.label}）"
        elif path := format_path(self.location.path):
            text += f"（字段 {path}）"
        for hint in self.hints:
            text += f"\n    提示：{hint}"
        return text

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "location": str(self.location),
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "cell": self.location.cell,
            "path": format_path(self.location.path),
            "column_title": self.location.label,
            "hints": list(self.hints),
        }


class InputError(Exception):
    """The input cannot be read or is not a valid budget: carries located diagnostics (exit 2)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: Sequence[Diagnostic] = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))
