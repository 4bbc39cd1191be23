"""Next year's input from this year's (``budgetgen new-year``): the starting point of the next budget.

This year's computed figures become ``last_year`` (收支总数, 财政拨款, 一般公共预算当年拨款, 机关运行经费, “三公”
by item), everything the unit stated is carried (staff, rules, operating items, projects, income, procurement,
assets), every text the unit wrote keeps its words but starts with 【待复核】 so that ``check`` reports it until a
person has read it and deleted the mark. Codes renumbered between the two years' catalogs are moved to their new
code; codes removed without a successor are reported and left for the user.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from budgetgen.catalogs import Catalog, load_catalog
from budgetgen.catalogs.history import moves_between
from budgetgen.catalogs.local import LOCAL_NAME
from budgetgen.checks.context import CheckContext
from budgetgen.checks.years import REVIEW_MARK, unit_texts
from budgetgen.diagnostics import Diagnostic, InputError, Location, Severity
from budgetgen.files import write_atomic
from budgetgen.io.template import render_template
from budgetgen.io.yaml_writer import budget_yaml
from budgetgen.ledger.aggregates import THREE_PUBLIC_ITEMS, compute_figures, running_cost_units
from budgetgen.model.budget import BudgetInput
from budgetgen.model.types import FundSource
from budgetgen.package.previews import text_previews

FUNCTION_FIELDS = {"function", "main_function"}
ECON_FIELDS = {"econ"}
MAX_TEXT = 20000  # the bound of a Text field: a text that long is carried without the mark


@dataclass
class NewYear:
    """The carried budget and what a person should know about it."""

    budget: BudgetInput
    catalog: Catalog
    notes: list[Diagnostic] = field(default_factory=list)


def _error(message: str, where: str) -> InputError:
    return InputError([Diagnostic("BG-E075", message, Location(where))])


def last_year_figures(ctx: CheckContext, unit_code: str) -> dict[str, Any]:
    """This year's figures of one unit in 元, as next year's ``last_year``."""
    facts = [f for f in ctx.ledger.facts if f.unit == unit_code]
    total = sum((f.amount for f in facts), Decimal(0))
    fiscal = sum((f.amount for f in facts if f.is_fiscal), Decimal(0))
    general = sum(
        (f.amount for f in facts if f.source is FundSource.GENERAL_PUBLIC_BUDGET and not f.sub_source.is_carried_over),
        Decimal(0),
    )
    figures = compute_figures(ctx.ledger, [unit_code])
    last: dict[str, Any] = {"total": total}
    if fiscal != total:
        last["fiscal_total"] = fiscal
    if general != fiscal:
        last["general_public_current"] = general
    if unit_code in running_cost_units(ctx.ledger):
        last["running_cost"] = figures.amount("running_cost")
    last["three_public"] = {item: figures.amount(("three_public", item)) for item in THREE_PUBLIC_ITEMS.values()}
    return last


def _set(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _move_codes(
    data: Any, moved: dict[str, str], path: tuple[str | int, ...], found: list[tuple[Any, str, str]]
) -> Any:
    """Replace renumbered codes in every code field (function, econ, show_zero, function_purposes keys)."""

    def new(code: str) -> str:
        for n in (len(code), 5):
            if code[:n] in moved and moved[code[:n]]:
                return moved[code[:n]] + code[n:]
        return code

    if isinstance(data, dict):
        result = {}
        for key, value in data.items():
            where = (*path, key)
            if key in FUNCTION_FIELDS | ECON_FIELDS and isinstance(value, str) and new(value) != value:
                found.append((where, value, new(value)))
                value = new(value)
            elif key in ("show_zero", "base") and isinstance(value, list):
                found += [((*where, i), v, new(v)) for i, v in enumerate(value) if new(v) != v]
                value = [new(v) for v in value]
            elif key == "function_purposes" and isinstance(value, dict):
                found += [((*where, k), k, new(k)) for k in value if new(k) != k]
                value = {new(k): v for k, v in value.items()}
            else:
                value = _move_codes(value, moved, where, found)
            result[key] = value
        return result
    if isinstance(data, list):
        return [_move_codes(v, moved, (*path, i), found) for i, v in enumerate(data)]
    return data


def carry(ctx: CheckContext, year: int) -> NewYear:
    """Next year's budget from a loaded one; InputError when the year is not after this one."""
    budget = ctx.ledger.budget
    if year <= budget.budget_year:
        raise _error(f"新的预算年度 {year} 应晚于本预算的 {budget.budget_year} 年", "--year")
    try:
        catalog = load_catalog(year)
    except KeyError:
        raise _error(f"没有 {year} 年的科目表", "--year") from None
    if ctx.loaded.catalog.local:
        catalog = catalog.with_local(
            {c: ctx.loaded.catalog.functions[c] for c in ctx.loaded.catalog.local if c in ctx.loaded.catalog.functions},
            {c: ctx.loaded.catalog.econ[c] for c in ctx.loaded.catalog.local if c in ctx.loaded.catalog.econ},
        )
    data = budget.model_dump(mode="python")
    data["budget_year"] = year
    data["prepared_on"] = None
    notes: list[Diagnostic] = []
    for u, unit in enumerate(budget.units):
        data["units"][u]["last_year"] = last_year_figures(ctx, unit.code)
        for path, text in unit_texts(unit, ("units", u)):
            if text and not text.startswith(REVIEW_MARK):
                marked = REVIEW_MARK + text
                _set(data, path, marked if len(marked) <= MAX_TEXT else text)
    moves = moves_between(ctx.loaded.catalog.year, year)
    found: list[tuple[Any, str, str]] = []
    data = _move_codes(data, {code: successor for code, (successor, _) in moves.items()}, (), found)
    for where, old, new in found:
        notes.append(
            Diagnostic(
                "BG-E076",
                f"科目 {old} 在 {year} 年科目表中改为 {new}，已改",
                ctx.loaded.locate(where),
                Severity.WARNING,
            )
        )
    for code, (successor, item) in moves.items():
        uses = list(_uses(budget.model_dump(mode="python"), code, ()))
        if successor or not uses:
            continue
        hint = f"接续科目：{item.change.successor}" if item.change.successor else "该科目没有接续科目"
        message = (
            f"科目 {code} {item.old_name} 已于 {item.change.year} 年删除（本预算用了 {len(uses)} 处），请改用新的科目"
        )
        notes.append(Diagnostic("BG-E076", message, ctx.loaded.locate(uses[0]), Severity.WARNING, (hint,)))
    carried = BudgetInput.model_validate(data, context={"amount_unit": "元"})
    return NewYear(carried, catalog, notes)


def _uses(data: Any, code: str, path: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    """Field paths where a code is used: a code field, a function_purposes key, or an economic detail under it."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == code and path[-1:] == ("function_purposes",):
                yield (*path, key)
            yield from _uses(value, code, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _uses(value, code, (*path, i))
    elif isinstance(data, str) and _code_field(path) and (data == code or (code[0] == "3" and data.startswith(code))):
        yield path


def _code_field(path: tuple[str | int, ...]) -> bool:
    named = [p for p in path if isinstance(p, str)]
    return bool(named) and named[-1] in FUNCTION_FIELDS | ECON_FIELDS | {"show_zero", "base"}


def output_file(source: Path, out: Path, force: bool = False) -> Path:
    """Where the carried input goes: ``out`` itself when it names a file, else ``budget.yaml``/``.xlsx`` in it."""
    kind = ".xlsx" if source.suffix.lower() == ".xlsx" else ".yaml"
    if out.suffix.lower() in (".yaml", ".yml", ".xlsx"):
        if (out.suffix.lower() == ".xlsx") != (kind == ".xlsx"):
            raise _error(f"输入是 {source.suffix} 文件，输出也应为同一种（{kind}）", str(out))
        target = out
    else:
        if out.exists() and not out.is_dir():
            raise _error("输出位置已存在且不是文件夹", str(out))
        target = out / f"budget{kind}"
    if target.exists() and target.resolve() == source.resolve():
        raise _error("输出会覆盖本年度的输入，请另选输出位置", str(out))
    if target.exists() and not force:
        raise _error(f"{target} 已存在（可能是已开始编制的预算）；确需覆盖请加 --force", str(out))
    return target


def write_new_year(
    ctx: CheckContext, out: Path, year: int | None = None, force: bool = False
) -> tuple[Path, list[Diagnostic]]:
    """Carry a loaded budget into ``year`` (default: the next) and write it beside ``out``; the file and the notes."""
    source = ctx.loaded.source
    target = output_file(source, out, force)
    carried = carry(ctx, year or ctx.ledger.budget.budget_year + 1)
    if target.suffix.lower() == ".xlsx":
        previews = text_previews(carried.budget, carried.catalog)
        data = render_template(carried.catalog, carried.budget, previews=previews)
    else:
        header = (
            f"# 由 {source.name}（{ctx.ledger.budget.budget_year} 年）生成的 {carried.budget.budget_year} 年预算起点："
            "金额沿用本年，文字开头标有【待复核】\n"
        )
        data = (header + budget_yaml(carried.budget)).encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)
    beside = source.parent / LOCAL_NAME
    if beside.is_file() and not (target.parent / LOCAL_NAME).exists():
        shutil.copyfile(beside, target.parent / LOCAL_NAME)
    return target, carried.notes
