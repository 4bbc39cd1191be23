"""Profiles: the folders under ``templates/`` that hold one layout's settings, specs and templates.

A profile's ``profile.yaml`` carries the rules that differ between provinces and that the ledger
needs too (which 项 a personnel item lands on, which units report 机关运行经费), so a new province
is a new folder, not an ``if`` in the code.

A profile is named (a built-in folder) or given as a path (a folder the user owns, typically made
by ``budgetgen profiles copy``). A user folder may say ``base: NAME``: every file it does not hold
comes from that built-in profile, and its ``profile.yaml`` settings are laid over the base's. Every
file of a profile is read through ``profile_file``, which refuses files outside the profile's folders.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
    # A rule's severity in this layout: error / warning, or off (the same as listing it in ``disabled``).
    rules: dict[str, Literal["error", "warning", "off"]] = Field(default_factory=dict)
    requires: list[str] = Field(default_factory=list)
    # 元: 委托业务费 from this amount on is expected in 政府采购 (BG-C199). It is the services 分散采购限额,
    # which each province sets: a profile states its own.
    procurement_threshold: Decimal = Decimal(500_000)
    # 一级 → 二级 labels of the unit-wide (部门整体) indicators where a province has its own set (BG-C192);
    # empty: the project framework's.
    unit_indicator_levels: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("disabled", "enabled", mode="before")
    @classmethod
    def _upper_codes(cls, value: Any) -> Any:
        """Rule codes match case-insensitively (``bg-c113`` is BG-C113)."""
        return [v.upper() if isinstance(v, str) else v for v in value] if isinstance(value, list) else value

    @field_validator("rules", mode="before")
    @classmethod
    def _upper_keys(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {k.upper() if isinstance(k, str) else k: v for k, v in value.items()}

    def severity(self, code: str, default: str, opt_in: bool = False) -> str | None:
        """The severity a rule has in this layout (``error`` / ``warning``), or None when it is off."""
        stated = self.rules.get(code)
        if stated is not None:
            return None if stated == "off" else stated
        if code in self.disabled or (opt_in and code not in self.enabled):
            return None
        return default


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
    h1_lines: bool = False  # a part's heading on two lines: its number (第一部分), then its title
    toc_pages: bool = True  # the 目录 prints page numbers (a layout may list without them)
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
    base: str | None = None  # a user folder: the built-in profile whose files and settings it extends
    document: DocumentSettings = Field(default_factory=DocumentSettings)
    excel: ExcelStyle = Field(default_factory=ExcelStyle)
    derivation: Derivation = Field(default_factory=Derivation)
    running_cost: RunningCost = Field(default_factory=RunningCost)
    three_public_names: ThreePublicNames = Field(default_factory=ThreePublicNames)
    performance: Performance = Field(default_factory=Performance)
    pdf_font: str = "Noto Serif CJK SC"
    checks: CheckSettings = Field(default_factory=CheckSettings)


SHARED = "_shared"  # templates every profile may include (the grid page template)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def available_profiles() -> list[str]:
    """Names of the built-in profiles."""
    return sorted(p.name for p in templates_root().iterdir() if (p / "profile.yaml").is_file())


def _profile_error(message: str, file: str, line: int | None = None, column: int | None = None) -> InputError:
    return InputError([Diagnostic("BG-E030", message, Location(file, line, column))])


@dataclass(frozen=True)
class ProfileSource:
    """Where a profile's files are: its own folder, the built-in profile it extends, then ``_shared``."""

    key: str
    folders: tuple[Path, ...]
    user: bool

    def file(self, name: str) -> Path:
        """The first of the folders that holds ``name``; a file resolving outside its folder is refused."""
        for folder in self.folders:
            candidate = folder / name
            if candidate.exists() or candidate.is_symlink():
                resolved = candidate.resolve()
                if not resolved.is_relative_to(folder):
                    raise _profile_error(f"样式文件“{name}”指向样式文件夹以外，不予读取", str(candidate))
                if not resolved.is_file():  # a FIFO or a device would block or never end
                    raise _profile_error(f"样式文件“{name}”不是普通文件，不予读取", str(candidate))
                return resolved
        raise _profile_error(f"样式缺少文件“{name}”", str(self.folders[0]))


def is_builtin(profile: str) -> bool:
    """Whether ``profile`` names a built-in profile (a bare name, not a path)."""
    return bool(_NAME.match(profile)) and (templates_root() / profile / "profile.yaml").is_file()


def _unknown(profile: str) -> InputError:
    known = "、".join(available_profiles())
    return _profile_error(f"没有名为“{profile}”的样式（可用：{known}，或一个样式文件夹的路径）", profile)


@cache
def profile_source(profile: str) -> ProfileSource:
    """Resolve a profile name or folder path (a bare built-in name wins over a folder of that name)."""
    root = templates_root().resolve()
    shared = root / SHARED
    if is_builtin(profile):
        return ProfileSource(profile, ((root / profile).resolve(), shared), user=False)
    folder = Path(profile).expanduser()
    if not (folder / "profile.yaml").is_file():
        raise _unknown(profile)
    folder = folder.resolve()
    data, positions = _read_settings(folder / "profile.yaml", folder)
    base = data.get("base") if isinstance(data, dict) else None
    if base is None:
        return ProfileSource(profile, (folder, shared), user=True)
    if not isinstance(base, str) or not is_builtin(base):
        line, column = positions.values.get(("base",), (1, 1))
        known = "、".join(available_profiles())
        raise _profile_error(f"base 应为内置样式的名称（可用：{known}）", str(folder / "profile.yaml"), line, column)
    return ProfileSource(profile, (folder, (root / base).resolve(), shared), user=True)


@cache
def profile_fingerprint(profile: str) -> str:
    """What identifies a profile's outputs: a built-in's name; a user folder's path and content hash.

    ``batch`` keeps an output only while this is unchanged, so editing a copied profile re-renders.
    """
    source = profile_source(profile)
    if not source.user:
        return profile
    digest = hashlib.sha256()
    for file in sorted(p for p in source.folders[0].iterdir() if p.is_file()):
        digest.update(f"{file.name}\0{len(file.read_bytes())}\0".encode())
        digest.update(file.read_bytes())
    base = f"+{source.folders[1].name}" if len(source.folders) > 2 else ""
    return f"{source.folders[0]}{base}@{digest.hexdigest()[:16]}"


def profile_file(profile: str, name: str) -> Path:
    """A file of a profile (``tables.yaml``, ``package.css`` ...), confined to the profile's folders."""
    return profile_source(profile).file(name)


def _read_settings(file: Path, folder: Path) -> tuple[Any, Any]:
    from budgetgen.io.load import read_bytes  # a regular file, bounded

    resolved = file.resolve()
    if not resolved.is_relative_to(folder):
        raise _profile_error("样式文件“profile.yaml”指向样式文件夹以外，不予读取", str(file))
    return read_yaml(read_bytes(resolved), str(file))


def _overlay(base: Any, own: Any) -> Any:
    """The user's settings laid over the base's: mappings merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(own, dict):
        merged = dict(base)
        for key, value in own.items():
            merged[key] = _overlay(base.get(key), value)
        return merged
    return own


@cache
def load_profile(name: str = DEFAULT_PROFILE) -> ProfileSettings:
    """The settings of a profile by name or folder; unknown names and bad settings are located errors.

    Cached: a run reads and validates each profile once. Its rule codes, tables and templates are
    checked by ``budgetgen.profile_check.verify_profile`` (every run does it, see ``budgetgen.run``).
    """
    from budgetgen.io.load import validate  # the loader's file reading and error mapping, shared

    data, positions, file = profile_data(name)
    return validate(ProfileSettings, data, str(file), positions, {})


def profile_data(name: str) -> tuple[Any, Any, Path]:
    """A profile's ``profile.yaml`` as read (a user folder's laid over its base), its positions and its path.

    ``load_profile`` validates it; ``budgetgen.profile_check`` checks what only later stages know
    (the rule codes it names, its tables and templates).
    """
    from budgetgen.io.load import read_bytes  # a regular file, bounded

    source = profile_source(name)
    file = source.folders[0] / "profile.yaml"
    data, positions = _read_settings(file, source.folders[0])
    if source.user and isinstance(data, dict) and isinstance(data.get("base"), str):
        base_file = source.folders[1] / "profile.yaml"
        base_data, _ = read_yaml(read_bytes(base_file), str(base_file))
        data = _overlay(base_data, data)
    return data, positions, file


def copy_profile(name: str, target: Path) -> list[Path]:
    """Write an editable copy of a built-in profile into ``target`` (a new or empty folder).

    The copy's ``profile.yaml`` says ``base: NAME``: a file deleted from the copy comes from the
    built-in profile, so a user may keep only the files they change.
    """
    from budgetgen.files import write_atomic

    if not is_builtin(name):
        raise _unknown(name)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise _profile_error("目标文件夹已存在且不为空，未复制（请换一个新文件夹）", str(target))
    folder = templates_root() / name
    written = []
    for file in sorted(p for p in folder.iterdir() if p.is_file()):
        data = file.read_bytes()
        if file.name == "profile.yaml":
            text = data.decode("utf-8")
            note = f"base: {name}  # 本文件夹中没有的文件取自内置样式 {name}；这里的设置覆盖它的设置\n"
            at = text.find("\nname:") + 1
            data = (text[:at] + note + text[at:]).encode("utf-8")
        write_atomic(target / file.name, data)
        written.append(target / file.name)
    return written
