"""Load a budget input from disk into the validated model, or raise located diagnostics.

The one entry point every command uses: a path (a YAML file, or a folder holding ``budget.yaml``)
becomes a ``BudgetInput`` in 元, or an ``InputError`` whose diagnostics name ``file:line:col``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from budgetgen.catalogs import Catalog, available_years, load_catalog
from budgetgen.catalogs.local import local_catalog_path, read_local
from budgetgen.diagnostics import Diagnostic, InputError, Location
from budgetgen.io.validation_errors import diagnostics_from
from budgetgen.io.yaml_source import MAX_BYTES, read_yaml
from budgetgen.model.budget import BudgetInput
from budgetgen.model.references import problems
from budgetgen.model.types import AmountUnit

INPUT_NAMES = ("budget.yaml", "budget.yml", "budget.xlsx")
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


def resolve(path: Path) -> Path:
    """The input file a path names: the file itself or the ``budget.yaml`` of a folder."""
    if path.is_dir():
        for name in INPUT_NAMES:
            if (path / name).is_file():
                return path / name
        raise InputError([Diagnostic("BG-E001", f"文件夹中没有 {INPUT_NAMES[0]}", Location(str(path)))])
    if not path.exists():
        raise InputError([Diagnostic("BG-E001", "文件不存在", Location(str(path)))])
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(
            [Diagnostic("BG-E001", f"不支持的输入文件类型“{path.suffix}”，请使用 .yaml 或 .xlsx", Location(str(path)))]
        )
    return path


def read_bytes(path: Path) -> bytes:
    """File contents, with a clear message instead of an OSError."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(
                [Diagnostic("BG-E004", f"文件过大（{size} 字节，上限 {MAX_BYTES} 字节）", Location(str(path)))]
            )
        return path.read_bytes()
    except OSError as exc:
        raise InputError([Diagnostic("BG-E001", f"无法读取文件：{exc.strerror}", Location(str(path)))]) from None


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
        raise InputError(diagnostics_from(exc, model, file, positions)) from None


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


def load_budget(path: Path, catalog_file: Path | None = None) -> LoadedInput:
    """Read, parse and validate a budget input (YAML or workbook); amounts come back in 元.

    The catalog is the budget year's (or the newest earlier one), with the local codes of ``catalog_file``
    or of a ``catalog.csv`` beside the input.
    """
    file = resolve(path)
    raw = read_bytes(file)
    name = str(file)
    data, positions = read_input(file, raw)
    budget = validate(BudgetInput, data, name, positions, _context(data))
    try:
        catalog = load_catalog(budget.budget_year)
    except KeyError:
        years = available_years()
        raise InputError(
            [
                Diagnostic(
                    "BG-E025",
                    f"没有 {budget.budget_year} 年的科目表（最早为 {years[0]} 年，已有 {years[0]}—{years[-1]} 年）",
                    positions.locate(name, ("budget_year",)),
                )
            ]
        ) from None
    local = local_catalog_path(file, catalog_file)
    if local is not None:
        catalog = read_local(local, catalog)
    found = [
        Diagnostic(p.code, p.message, positions.locate(name, p.path, at_key=p.at_key), hints=p.hints)
        for p in problems(budget, catalog)
    ]
    if found:
        raise InputError(found)
    budget = budget.model_copy(update={"amount_unit": AmountUnit.YUAN})
    return LoadedInput(budget, catalog, file, raw, positions)
