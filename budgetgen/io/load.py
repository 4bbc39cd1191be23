"""Load a budget input from disk into the validated model, or raise located diagnostics.

The one entry point every command uses: a path (a YAML file, or a folder holding ``budget.yaml``)
becomes a ``BudgetInput`` in 元, or an ``InputError`` whose diagnostics name ``file:line:col``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from budgetgen.catalogs import Catalog, available_years, load_catalog
from budgetgen.diagnostics import Diagnostic, InputError, Location
from budgetgen.io.validation_errors import diagnostics_from
from budgetgen.io.yaml_source import MAX_BYTES, read_yaml
from budgetgen.model.budget import BudgetInput
from budgetgen.model.references import problems
from budgetgen.model.types import AmountUnit

INPUT_NAMES = ("budget.yaml", "budget.yml", "budget.xlsx")
MAX_DIAGNOSTICS = 100
SUFFIXES = (".yaml", ".yml", ".xlsx")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class LoadedInput:
    """A validated budget with the catalog of its year and where it came from."""

    budget: BudgetInput
    catalog: Catalog
    source: Path
    raw: bytes
    positions: Locator

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


def load_budget(path: Path) -> LoadedInput:
    """Read, parse and validate a budget input (YAML or workbook); amounts come back in 元."""
    file = resolve(path)
    raw = read_bytes(file)
    name = str(file)
    data, positions = read_input(file, raw)
    budget = validate(BudgetInput, data, name, positions, _context(data))
    try:
        catalog = load_catalog(budget.budget_year)
    except KeyError:
        years = "、".join(str(y) for y in available_years())
        raise InputError(
            [
                Diagnostic(
                    "BG-E025",
                    f"没有 {budget.budget_year} 年的科目表（已有：{years}）",
                    positions.locate(name, ("budget_year",)),
                )
            ]
        ) from None
    found = [
        Diagnostic(p.code, p.message, positions.locate(name, p.path, at_key=p.at_key), hints=p.hints)
        for p in problems(budget, catalog)
    ]
    if found:
        raise InputError(found)
    budget = budget.model_copy(update={"amount_unit": AmountUnit.YUAN})
    return LoadedInput(budget, catalog, file, raw, positions)
