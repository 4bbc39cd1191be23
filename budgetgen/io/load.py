"""Load a budget input from disk into the validated model, or raise located diagnostics.

The one entry point every command uses: a path (a YAML file, or a folder holding ``budget.yaml``)
becomes a ``BudgetInput`` in 元, or an ``InputError`` whose diagnostics name ``file:line:col``.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, TypeVar

from openpyxl.utils import column_index_from_string as column_index
from pydantic import BaseModel, ValidationError

from budgetgen.catalogs import Catalog, available_years, load_catalog
from budgetgen.catalogs.local import local_catalog_path, read_local
from budgetgen.diagnostics import Diagnostic, InputError, Location
from budgetgen.diagnostics import Path as FieldPath
from budgetgen.io.validation_errors import diagnostics_from
from budgetgen.io.yaml_source import MAX_BYTES, read_yaml
from budgetgen.model.budget import BudgetInput
from budgetgen.model.references import problems
from budgetgen.model.types import AmountUnit

INPUT_NAMES = ("budget.yaml", "budget.yml", "budget.xlsx")
MAX_DIAGNOSTICS = 100
SUFFIXES = (".yaml", ".yml", ".xlsx")
M = TypeVar("M", bound=BaseModel)
SHEET_ORDER = ("基本信息", "单位", "人员", "工资项目", "缴费规则", "公用经费", "项目", "项目明细", "绩效指标",
               "整体绩效指标", "收入", "政府采购", "文字说明")  # fmt: skip


@dataclass(frozen=True)
class LoadedInput:
    """A validated budget with the catalog of its year and where it came from."""

    budget: BudgetInput
    catalog: Catalog
    source: Path
    raw: bytes
    positions: Locator
    input_unit: AmountUnit = AmountUnit.YUAN  # the unit the input states its amounts in (findings use it)
    problems: tuple[Diagnostic, ...] = ()  # input errors that left the model whole (``check`` reports them)

    def locate(self, path: tuple[str | int, ...], at_key: bool = False) -> Location:
        """The input position of a field path (for findings about what the input states)."""
        return self.positions.locate(str(self.source), path, at_key)


def _kind(mode: int) -> str | None:
    """What a special file is, in words; None for a regular file."""
    for test, name in (
        (stat.S_ISDIR, "文件夹"),
        (stat.S_ISFIFO, "管道（FIFO）"),
        (stat.S_ISCHR, "字符设备"),
        (stat.S_ISBLK, "块设备"),
        (stat.S_ISSOCK, "套接字"),
        (stat.S_ISREG, None),
    ):
        if test(mode):
            return name
    return "特殊文件"


def _refuse_special(path: Path) -> None:
    """Only regular files are read: a FIFO, a device or a symlink to one is refused before it is opened."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError([Diagnostic("BG-E001", f"无法读取文件：{exc.strerror}", Location(str(path)))]) from None
    kind = _kind(mode)
    if kind is not None:
        raise InputError([Diagnostic("BG-E001", f"不是普通文件（{kind}），不能作为输入读取", Location(str(path)))])


def resolve(path: Path) -> Path:
    """The input file a path names: the file itself or the ``budget.yaml`` of a folder."""
    if path.is_dir():
        for name in INPUT_NAMES:
            candidate = path / name
            if candidate.exists() or candidate.is_symlink():
                _refuse_special(candidate)
                return candidate
        raise InputError([Diagnostic("BG-E001", f"文件夹中没有 {INPUT_NAMES[0]}", Location(str(path)))])
    if not path.exists():
        raise InputError([Diagnostic("BG-E001", "文件不存在", Location(str(path)))])
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(
            [Diagnostic("BG-E001", f"不支持的输入文件类型“{path.suffix}”，请使用 .yaml 或 .xlsx", Location(str(path)))]
        )
    _refuse_special(path)
    return path


def _too_large(path: Path, size: int) -> Diagnostic:
    return Diagnostic("BG-E004", f"文件过大（{size} 字节以上，上限 {MAX_BYTES} 字节）", Location(str(path)))


def read_bytes(path: Path) -> bytes:
    """File contents, at most ``MAX_BYTES``: only a regular file is opened, and never read past the limit.

    The type is checked on the opened descriptor too (the path could be swapped after ``resolve``);
    opening with ``O_NONBLOCK`` keeps a FIFO put in its place from blocking the open.
    """
    _refuse_special(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError([Diagnostic("BG-E001", f"无法读取文件：{exc.strerror}", Location(str(path)))]) from None
    try:
        info = os.fstat(fd)
        kind = _kind(info.st_mode)
        if kind is not None:
            raise InputError([Diagnostic("BG-E001", f"不是普通文件（{kind}），不能作为输入读取", Location(str(path)))])
        if info.st_size > MAX_BYTES:
            raise InputError([_too_large(path, info.st_size)])
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError([Diagnostic("BG-E001", f"无法读取文件：{exc.strerror}", Location(str(path)))]) from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise InputError([_too_large(path, len(data))])
    return data


class Locator(Protocol):
    """Maps a field path to a position: ``file:line:col`` for YAML, ``Sheet!Cell`` for workbooks."""

    def locate(self, file: str, path: tuple[str | int, ...], at_key: bool = False) -> Location:
        """The position of the deepest part of ``path`` the input has."""
        ...


def validate(model: type[M], data: Any, file: str, positions: Locator, context: dict[str, Any]) -> M:
    """Validate plain data against a model, turning errors into located diagnostics."""
    if not isinstance(data, dict):
        found = "空文件" if data is None else "不是“键: 值”的映射"
        raise InputError([Diagnostic("BG-E012", f"顶层应为映射（“键: 值”），实际为{found}", Location(file, 1, 1))])
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        listed = list(islice(diagnostics_from(exc, model, file, positions), MAX_DIAGNOSTICS))
        more = exc.error_count() - len(listed)
        if more > 0:  # a file of a million wrong values is told in a hundred lines, not a million
            listed.append(Diagnostic("BG-E004", f"另有 {more} 处错误未列出，请先改正上面的错误", Location(file)))
        raise InputError(listed) from None


def _context(data: Any) -> dict[str, Any]:
    """The amount unit, read ahead so that amounts are converted while they are validated."""
    unit = data.get("amount_unit") if isinstance(data, dict) else None
    return {"amount_unit": unit if unit in {u.value for u in AmountUnit} else AmountUnit.YUAN.value}


def read_input(file: Path, raw: bytes) -> tuple[Any, Locator]:
    """Plain data and positions from a YAML file or an input workbook."""
    if file.suffix.lower() == ".xlsx":
        from budgetgen.io.xlsx_input import read_workbook

        return read_workbook(raw, str(file))
    return read_yaml(raw, str(file))


PARTIAL_MAX_BYTES = 2 * 1024 * 1024  # inputs larger than this get their value errors only
PARTIAL_MAX_ERRORS = 200
SOFT = frozenset({"BG-E045"})  # errors after which the model is still whole: rules may run beside them


def load_budget(path: Path, catalog_file: Path | None = None, lenient: bool = False) -> LoadedInput:
    """Read, parse and validate a budget input (YAML or workbook); amounts come back in 元.

    The catalog is the budget year's (or the newest earlier one), with the local codes of ``catalog_file``
    or of a ``catalog.csv`` beside the input.

    ``lenient``: return the model when the only errors leave it whole (an unknown column), carrying
    them in ``problems`` so that ``check`` reports them beside its findings. Every independent error
    comes out in one run: the workbook's structural problems, each value
    error, and the code and reference problems of every part that is valid (the parts with value
    errors are set aside, so a bad row does not hide the codes of the others).
    """
    file = resolve(path)
    raw = read_bytes(file)
    name = str(file)
    data, positions = read_input(file, raw)
    local = local_catalog_path(file, catalog_file)
    found: list[Diagnostic] = list(getattr(positions, "problems", ()))
    context = _context(data)
    try:
        budget = validate(BudgetInput, data, name, positions, context)
    except InputError as error:
        known = {(d.location.file, d.location.cell) for d in found if d.location.cell}
        found += [d for d in error.diagnostics if (d.location.file, d.location.cell) not in known]  # no echoes
        # the codes of the valid parts too, unless the input is so broken or large that it would not pay
        small = len(raw) <= PARTIAL_MAX_BYTES and len(error.diagnostics) <= PARTIAL_MAX_ERRORS
        partial = _valid_part(data, name, positions, context) if small else None
        if partial is not None:
            model, remap = partial
            # a reference to a part set aside would be reported wrongly: only codes are checked here
            found += [
                d
                for d in _reference_diagnostics(model, _catalog(model.budget_year, local), name, positions, remap)
                if d.code != "BG-E026"
            ]
        raise InputError(_ordered(found)) from None
    catalog = _catalog(budget.budget_year, local)
    references = _reference_diagnostics(budget, catalog, name, positions, lambda p: p)
    if "项目" in getattr(positions, "unread", ()):  # the projects could not be read: references to them say nothing
        references = [d for d in references if d.code != "BG-E026"]
    found += references
    if found and not (lenient and all(d.code in SOFT for d in found)):
        raise InputError(_ordered(found))
    input_unit = budget.amount_unit
    budget = budget.model_copy(update={"amount_unit": AmountUnit.YUAN})
    assert catalog is not None  # a year without a catalog is among the errors raised above
    return LoadedInput(budget, catalog, file, raw, positions, input_unit, tuple(_ordered(found)))


def _catalog(year: int, local: Path | None) -> Catalog | None:
    """The year's catalog (or the newest earlier one) with the local codes; None before the first year."""
    try:
        catalog = load_catalog(year)
    except KeyError:
        return None
    return read_local(local, catalog) if local is not None else catalog


def _reference_diagnostics(
    budget: BudgetInput,
    catalog: Catalog | None,
    name: str,
    positions: Locator,
    remap: Callable[[FieldPath], FieldPath],
) -> list[Diagnostic]:
    """Codes against the year's catalog and references between parts, located in the input."""
    if catalog is None:
        years = available_years()
        message = f"没有 {budget.budget_year} 年的科目表（最早为 {years[0]} 年，已有 {years[0]}—{years[-1]} 年）"
        return [Diagnostic("BG-E025", message, positions.locate(name, ("budget_year",)))]
    return [
        Diagnostic(p.code, p.message, positions.locate(name, remap(p.path), at_key=p.at_key), hints=p.hints)
        for p in problems(budget, catalog)
    ]


def _valid_part(
    data: Any, name: str, positions: Locator, context: dict[str, Any]
) -> tuple[BudgetInput, Callable[[FieldPath], FieldPath]] | None:
    """The input without the list items that have value errors, and how its paths map back.

    Returns None when an error sits outside any list item (the year, the department): then no
    model can be built and codes cannot be checked.
    """
    import copy

    from pydantic import ValidationError

    pruned = copy.deepcopy(data)
    kept: dict[FieldPath, list[int]] = {}  # original path of a list -> original indices still present
    patched: set[FieldPath] = set()
    for _ in range(4):
        try:
            return BudgetInput.model_validate(pruned, context=context), lambda p: _original(p, kept)
        except ValidationError as error:
            cuts: set[tuple[FieldPath, int]] = set()
            for item in error.errors(include_url=False):
                loc = tuple(item["loc"])
                if loc not in patched and _patch(pruned, loc):  # a bad field: a neutral value in its place
                    patched.add(loc)
                    continue
                deepest = max((i for i, part in enumerate(loc) if isinstance(part, int)), default=None)
                if deepest is None:
                    return None
                cuts.add((loc[:deepest], int(loc[deepest])))
            for list_path, index in sorted(cuts, key=lambda c: (len(c[0]), c[1]), reverse=True):
                target: Any = pruned
                for part in list_path:
                    target = target[part]
                if not isinstance(target, list) or index >= len(target):
                    return None
                original = _original(list_path, kept)
                indices = kept.setdefault(original, list(range(len(target))))
                del target[index]
                del indices[index]
    return None


def _patch(data: Any, loc: FieldPath) -> bool:
    """Replace a bad scalar field by a neutral valid value (optional: removed; closed list: its first choice)."""
    from enum import Enum

    from budgetgen.io.validation_errors import model_at, unwrap

    if not loc or not isinstance(loc[-1], str):
        return False
    target: Any = data
    for part in loc[:-1]:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return False
    model = model_at(BudgetInput, loc)
    if not isinstance(target, dict) or model is None or loc[-1] not in model.model_fields:
        return False
    info = model.model_fields[loc[-1]]
    if isinstance(target.get(loc[-1]), dict | list):
        return False
    if not info.is_required():
        target.pop(loc[-1], None)
        return True
    kind = unwrap(info.annotation)
    if isinstance(kind, type) and issubclass(kind, Enum):
        target[loc[-1]] = next(iter(kind)).value
        return True
    if loc[-1] in ("amount", "headcount", "weight"):
        target[loc[-1]] = "0"
        return True
    return False


def _original(path: FieldPath, kept: dict[FieldPath, list[int]]) -> FieldPath:
    """A path of the pruned input as a path of the input."""
    result: list[str | int] = []
    for part in path:
        if isinstance(part, int):
            indices = kept.get(tuple(result))
            part = indices[part] if indices is not None and part < len(indices) else part
        result.append(part)
    return tuple(result)


def _ordered(found: list[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in input order (sheet order, then row and column; or line and column), without repeats."""
    sheets = {name: i for i, name in enumerate(SHEET_ORDER)}

    def key(d: Diagnostic) -> tuple[int, int, int, str]:
        where = d.location
        if where.cell is not None:
            match = re.fullmatch(r"([A-Z]+)(\d+)", where.cell)
            row, column = (int(match[2]), column_index(match[1])) if match else (0, 0)
            return (sheets.get(where.file, len(sheets)), row, column, d.code)
        return (0, where.line or 0, where.column or 0, d.code)

    return sorted(dict.fromkeys(found), key=key)
