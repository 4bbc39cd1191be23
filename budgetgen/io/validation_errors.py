"""Turn pydantic validation errors into located Chinese diagnostics.

Messages come from a table keyed by pydantic's error *type* (never by its English text), so a new
pydantic version cannot silently change what the user reads.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any, Protocol, get_args, get_origin

from pydantic import BaseModel, ValidationError

from budgetgen.diagnostics import Diagnostic, Location, Path

# pydantic error type -> (code, message template); templates may use {input}, {field}, {expected} and ctx keys.
MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("BG-E010", "缺少必填字段“{field}”{label}"),
    "extra_forbidden": ("BG-E011", "未知字段“{field}”"),
    "int_parsing": ("BG-E012", "应为整数，实际为“{input}”"),
    "int_type": ("BG-E012", "应为整数，实际为“{input}”"),
    "int_from_float": ("BG-E012", "应为整数，实际为“{input}”"),
    "int_parsing_size": ("BG-E012", "整数位数过多"),
    "decimal_parsing": ("BG-E012", "应为数字，实际为“{input}”"),
    "decimal_type": ("BG-E012", "应为数字，实际为“{input}”"),
    "string_type": ("BG-E012", "应为文字，实际为“{input}”"),
    "bool_type": ("BG-E012", "应为 true 或 false，实际为“{input}”"),
    "bool_parsing": ("BG-E012", "应为 true 或 false，实际为“{input}”"),
    "list_type": ("BG-E012", "应为列表（每项以“- ”开头），实际为“{input}”"),
    "dict_type": ("BG-E012", "应为映射（“键: 值”），实际为“{input}”"),
    "model_type": ("BG-E012", "应为映射（“键: 值”），实际为“{input}”"),
    "model_attributes_type": ("BG-E012", "应为映射（“键: 值”），实际为“{input}”"),
    "string_pattern_mismatch": ("BG-E012", "“{input}”格式不对{pattern_hint}"),
    "string_too_short": ("BG-E012", "不能为空"),
    "string_too_long": ("BG-E012", "文字过长（最多 {max_length} 个字符）"),
    "too_short": ("BG-E012", "至少需要 {min_length} 项"),
    "too_long": ("BG-E012", "最多 {max_length} 项"),
    "greater_than_equal": ("BG-E012", "“{input}”应不小于 {ge}"),
    "greater_than": ("BG-E012", "“{input}”应大于 {gt}"),
    "less_than_equal": ("BG-E012", "“{input}”应不大于 {le}"),
    "less_than": ("BG-E012", "“{input}”应小于 {lt}"),
    "enum": ("BG-E014", "“{input}”不是可选值，可选：{expected}"),
    "literal_error": ("BG-E014", "“{input}”不是可选值，可选：{expected}"),
    "money": ("BG-E013", "{message}"),
    "rate": ("BG-E015", "{message}"),
    "text": ("BG-E012", "{message}"),
    "frozen_instance": ("BG-E012", "不可修改"),
}

_PATTERN_HINTS = {
    r"^\d{3}(\d{2}){0,2}$": "：功能分类科目编码应为 3、5 或 7 位数字（如 2080109）",
    r"^3\d{2}(\d{2}(\d{2}){0,2})?$": "：部门经济分类科目编码应为以 3 开头的 3、5、7 或 9 位数字（如 30201）",
    r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$": "：代码只能包含字母、数字、点、下划线和连字符",
}


def model_at(root: type[BaseModel], path: Path) -> type[BaseModel] | None:
    """The model class that holds the last field of ``path`` (for listing its valid fields)."""
    current: Any = root
    for item in path[:-1]:
        if isinstance(item, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(item)
        if field is None:
            return None
        current = unwrap(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def unwrap(annotation: Any) -> Any:
    """The model inside list[...], X | None and dict[..., X] annotations."""
    while True:
        args = [a for a in get_args(annotation) if a is not type(None)]
        origin = get_origin(annotation)
        if origin is None or not args:
            return annotation
        annotation = args[-1]


def _label(root: type[BaseModel], path: Path) -> str:
    """A field's Chinese description in brackets (from the model), or nothing."""
    model = model_at(root, path)
    if model is None or not path or not isinstance(path[-1], str):
        return ""
    field = model.model_fields.get(path[-1])
    return f"（{field.description}）" if field is not None and field.description else ""


def _choices(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as 「a、b、c」."""
    return "、".join(part.strip().strip("'\"") for part in expected.replace(" or ", ", ").split(", "))


def _input_text(value: Any) -> str:
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, list):
        return "列表"
    if value is None:
        return "空值"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


class _Locator(Protocol):
    def locate(self, file: str, path: Path, at_key: bool = False) -> Location: ...


def diagnostics_from(
    error: ValidationError, root: type[BaseModel], file: str, positions: _Locator
) -> Iterator[Diagnostic]:
    """One located diagnostic per pydantic error, in input order."""
    for item in error.errors(include_url=False):
        path: Path = tuple(item["loc"])
        kind = item["type"]
        ctx: dict[str, Any] = dict(item.get("ctx") or {})
        code, template = MESSAGES.get(kind, ("BG-E012", "取值“{input}”无效"))
        at_key = kind == "extra_forbidden"
        if path and path[-1] == "[key]":  # a dict key failed: point at the key itself
            path, at_key = path[:-1], True
        location = positions.locate(file, path, at_key=at_key)
        values: dict[str, Any] = {
            "input": _input_text(item.get("input")),
            "field": location.label or (str(path[-1]) if path else ""),
            "expected": ctx.get("expected", ""),
            "raw": item.get("msg", ""),
            "pattern_hint": _PATTERN_HINTS.get(str(ctx.get("pattern", "")), ""),
            "message": item.get("msg", ""),
            "label": "" if location.label else _label(root, path),
        }
        values.update({k: v for k, v in ctx.items() if k not in values or k == "expected"})
        if kind in ("enum", "literal_error"):
            values["expected"] = _choices(str(ctx.get("expected", "")))
        message = template.format(**values)
        hints: tuple[str, ...] = ()
        if kind == "extra_forbidden":
            model = model_at(root, path)
            if model is not None:
                names = list(model.model_fields)
                close = difflib.get_close_matches(str(path[-1]), names, n=1)
                hint = f"可用字段：{', '.join(names)}"
                hints = ((f"是否应为“{close[0]}”？",) if close else ()) + (hint,)
        yield Diagnostic(code, message, location, hints=hints)
