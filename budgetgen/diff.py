"""What changed between two budgets, figure by figure: input fields, key figures, table cells, text.

For reviewing a revised draft: one changed amount shows as that input field, every summary figure,
table cell and sentence it moves, and nothing else.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from budgetgen.checks.context import CheckContext
from budgetgen.package.document import build_document
from budgetgen.package.model import ColumnKind, Document, Section
from budgetgen.summary import summary_data
from budgetgen.terminal import visible


@dataclass(frozen=True)
class Change:
    """One difference: which family (input / summary / table / text), where, before and after."""

    family: str
    key: str
    before: str | None
    after: str | None


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{i}]")
    else:
        yield prefix, value


def _text(value: Any) -> str | None:
    """How a value is shown: an amount with all its digits, nothing as None."""
    if value is None or value == "":
        return None
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def _compare(family: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """Keys whose shown values differ: an empty value and an absent one are the same (no value)."""
    changes = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = _text(before.get(key)), _text(after.get(key))
        if old != new:
            changes.append(Change(family, key, old, new))
    return changes


def _cells(document: Document) -> dict[str, str]:
    cells: dict[str, str] = {}
    for table in document.tables:
        for p, part in enumerate(table.parts):
            seen: Counter[str] = Counter()
            for row in part.rows:
                labels = " ".join(
                    str(v)
                    for v, c in zip(row.values, part.columns, strict=True)
                    if c.kind is not ColumnKind.AMOUNT and v
                )
                seen[labels] += 1
                row_key = labels if seen[labels] == 1 else f"{labels} #{seen[labels]}"
                for value, column in zip(row.values, part.columns, strict=True):
                    if column.kind is ColumnKind.AMOUNT:
                        part_label = f"（续{p}）" if p else ""
                        key = f"{table.label}{part_label} | {row_key} | {'/'.join(column.path)}"
                        cells[key] = (
                            "" if value is None else f"{value:,.2f}" if isinstance(value, Decimal) else str(value)
                        )
    return cells


def _paragraphs(sections: tuple[Section, ...], prefix: str = "") -> Iterator[tuple[str, str]]:
    for section in sections:
        path = f"{prefix} / {section.title}" if prefix else section.title
        for i, paragraph in enumerate(section.paragraphs, start=1):
            yield f"{path} ¶{i}", paragraph.text
        yield from _paragraphs(section.children, path)


def diff(a: CheckContext, b: CheckContext) -> list[Change]:
    """Every difference between two loaded budgets (same profile), in a stable order."""
    da, db = build_document(a.ledger, a.profile), build_document(b.ledger, b.profile)
    return [
        *_compare("input", dict(_flatten(a.loaded.budget.model_dump(mode="python"))),
                  dict(_flatten(b.loaded.budget.model_dump(mode="python")))),
        *_compare("summary", dict(_flatten(summary_data(a.ledger))), dict(_flatten(summary_data(b.ledger)))),
        *_compare("table", _cells(da), _cells(db)),
        *_compare("text", dict(_paragraphs(da.parts)), dict(_paragraphs(db.parts))),
    ]  # fmt: skip


FAMILY_NAMES = {"input": "输入", "summary": "关键数字", "table": "表格", "text": "说明文字"}


def diff_text(changes: list[Change]) -> str:
    """Changes grouped by family, one line each (texts before and after on their own lines)."""
    if not changes:
        return "两份预算没有差异。"
    lines = []
    for family, name in FAMILY_NAMES.items():
        mine = [c for c in changes if c.family == family]
        if not mine:
            continue
        lines.append(f"## {name}（{len(mine)} 处）")
        for c in mine:  # one line per value: a line break or a control character in it is shown escaped
            key, before, after = (visible(t, keep="") if t else t for t in (c.key, c.before, c.after))
            if family == "text":
                lines += [f"{key}", f"  - {before or '（无）'}", f"  + {after or '（无）'}"]
            else:
                lines.append(f"{key}: {before or '（空）'} → {after or '（空）'}")
    return "\n".join(lines)


def diff_json(changes: list[Change]) -> str:
    """``{"input": [...], "summary": [...], "table": [...], "text": [...]}`` of before/after pairs."""
    payload: dict[str, list[dict[str, str | None]]] = {family: [] for family in FAMILY_NAMES}
    for c in changes:
        payload[c.family].append({"key": c.key, "before": c.before, "after": c.after})
    return json.dumps(payload, ensure_ascii=False, indent=2)
