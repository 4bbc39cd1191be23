"""Profiles: the folders under ``templates/`` that hold one layout's settings, specs and templates.

A profile's ``profile.yaml`` carries the rules that differ between provinces and that the ledger
needs too (which 项 a personnel item lands on, which units report 机关运行经费), so a new province
is a new folder, not an ``if`` in the code.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from budgetgen.diagnostics import Diagnostic, InputError, Location
from budgetgen.io.yaml_source import read_yaml
from budgetgen.model.types import FunctionCode, StaffKind, UnitKind


def templates_root() -> Path:
    """The templates folder: installed beside the package, or at the top of a source checkout."""
    package = Path(__file__).parent
    for candidate in (package / "_data" / "templates", package.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("templates folder not found")  # pragma: no cover - broken install


def default_profile() -> str:
    """The profile used when none is named: ``templates/DEFAULT`` says which (data, not code)."""
    return (templates_root() / "DEFAULT").read_text(encoding="utf-8").strip()


DEFAULT_PROFILE = default_profile()


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Derivation(_Settings):
    """Where personnel facts without a 项 of their own are booked."""

    by_econ: dict[str, FunctionCode | dict[UnitKind, FunctionCode]] = Field(default_factory=dict)
    retired: dict[UnitKind, FunctionCode] = Field(default_factory=dict)

    def function_for(self, econ: str, kind: UnitKind, staff: StaffKind | None) -> str | None:
        """The 项 the rules give a personnel fact, or None for the unit's main 项."""
        for length in range(len(econ), 2, -1):
            rule = self.by_econ.get(econ[:length])
            if rule is not None:
                return rule if isinstance(rule, str) else rule.get(kind)
        if staff in (StaffKind.RETIRED, StaffKind.VETERAN_RETIRED):
            return self.retired.get(kind)
        return None


class RunningCost(_Settings):
    """Which units report 机关运行经费 and under which name."""

    name: str = "机关运行经费"
    unit_kinds: list[UnitKind] = Field(default_factory=lambda: [UnitKind.ADMINISTRATIVE])


class ThreePublicNames(_Settings):
    """One name per “三公” item, used in every table and sentence of a package."""

    overseas: str = "因公出国（境）费用"
    vehicles: str = "公务用车购置及运行费"
    vehicles_purchase: str = "公务用车购置费"
    vehicles_running: str = "公务用车运行费"
    reception: str = "公务接待费"


class Performance(_Settings):
    """Performance-target settings: the 预算执行率 weight that the listed indicators leave out."""

    execution_weight: Decimal = Decimal(10)


class CheckSettings(_Settings):
    """Settings of the checks: which 项 an economic code may be booked on (prefixes), rules switched off.

    ``requires`` lists the input facts the layout prints (paths such as ``units[].assets.total_value``,
    ``units[].projects[].spending_plan``): a missing one is reported where it should be.
    """

    econ_functions: dict[str, list[str]] = Field(default_factory=dict)
    disabled: list[str] = Field(default_factory=list)
    enabled: list[str] = Field(default_factory=list)  # opt-in rules this layout applies
    requires: list[str] = Field(default_factory=list)


class DocumentSettings(_Settings):
    """How the package is put together: tables before the text, a 目录 (read by the page template and the PDF join).

    The wording fields are short patterns whose only placeholders are ``{organisation}``, ``{year}``,
    ``{title}``, ``{subtitle}`` (the document's) and, in ``toc_table`` and ``table_bookmark``,
    ``{label}``, ``{ordinal}`` (一、二、… of the table's number), ``{title}``, ``{toc_title}`` (the table's).
    They become data in the ``Document``, so that a renderer prints no wording of its own.
    """

    tables_first: bool = False
    toc: bool = True
    toc_key: str = ""  # the key of the text tables that the 目录 lists too
    cover: list[str] = Field(default_factory=list)  # the cover's lines; none: no cover page
    toc_title: str = "目　录"
    toc_depth: int = Field(1, ge=1, le=2)  # 2: the 目录 lists the parts' anchored subsections too
    toc_table: str = "{title}"  # a table's line in the 目录
    tables_heading: str = ""  # a heading page before the tables (e.g. 第四部分 …表); empty: none
    tables_anchor: str = "part-4"  # that heading's anchor
    table_bookmark: str = "{title}"  # a table's PDF bookmark
    font_size: float = 11.0  # the text's size in pt
    margins: tuple[float, float, float, float] = (22.0, 20.0, 20.0, 20.0)  # portrait pages, mm: top right bottom left
    wide_margins: tuple[float, float, float, float] = (12.0, 12.0, 14.0, 12.0)  # landscape pages
    table_size: float = 9.0  # tables' text in pt; dense_size for tables of more than 14 columns
    dense_size: float = 7.0
    h1_size: float = 14.0  # a part's heading
    part_breaks: bool = False  # each part starts a page
    head_fill: str = Field("", pattern=r"^([0-9A-Fa-f]{6})?$")  # header cells' fill; empty: none
    h1_center: bool = False  # parts' headings centred
    title_anchor: str = ""  # the anchor of the text's title (a title block, not a part heading); empty: none


class ExcelStyle(_Settings):
    """The workbook's look: font of every cell, fill of headers and form labels (RGB hex)."""

    font: str = "宋体"
    fill: str = Field("F2F2F2", pattern=r"^[0-9A-Fa-f]{6}$")


class ProfileSettings(_Settings):
    """The settings file of a profile."""

    name: str
    title: str
    description: str = ""
    document: DocumentSettings = Field(default_factory=DocumentSettings)
    excel: ExcelStyle = Field(default_factory=ExcelStyle)
    derivation: Derivation = Field(default_factory=Derivation)
    running_cost: RunningCost = Field(default_factory=RunningCost)
    three_public_names: ThreePublicNames = Field(default_factory=ThreePublicNames)
    performance: Performance = Field(default_factory=Performance)
    pdf_font: str = "Noto Serif CJK SC"
    checks: CheckSettings = Field(default_factory=CheckSettings)


def available_profiles() -> list[str]:
    """Names of the profiles found."""
    return sorted(p.name for p in templates_root().iterdir() if (p / "profile.yaml").is_file())


@cache
def load_profile(name: str = DEFAULT_PROFILE) -> ProfileSettings:
    """The settings of a profile by name; unknown names and bad settings are located errors."""
    from budgetgen.io.load import validate  # the loader's error mapping, shared

    folder = templates_root() / name
    file = folder / "profile.yaml"
    if not file.is_file():
        known = "、".join(available_profiles())
        raise InputError([Diagnostic("BG-E030", f"没有名为“{name}”的样式（可用：{known}）", Location(name))])
    data, positions = read_yaml(file.read_bytes(), str(file))
    return validate(ProfileSettings, data, str(file), positions, {})
