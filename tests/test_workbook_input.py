"""The Excel input workbook: ``template`` writes it, ``import`` (and every command) reads it back.

* round trip: YAML → ``template --from`` → ``import`` is the identity on the model, for both examples,
  and the published package rendered from the workbook is byte-identical to the one from the YAML;
* a property test: small random budgets survive ``render_template`` → ``load_budget``;
* what a unit sees in Excel: sheet order, the hidden 代码表 with defined names, dropdowns, number checks,
  bold frozen protected headers, unlocked input cells, deterministic bytes;
* a real client: LibreOffice opens and re-saves the workbook and budgetgen reads the same model back;
* bad workbooks: each gives exit 2, a stable code, the ``Sheet!Cell`` and a Chinese message, no traceback;
* text that looks like a formula stays text.

Bad workbooks are edits of one template filled from the worked example, so positions are known:
公用经费 row 2 is ``342601 | 30201 办公费 | – | 437000 | – | R01 | 一般公共预算 | 当年拨款`` (A–H),
工资项目 row 2 is the first pay item of 在职人员, 项目 row 2 is project P01 (C = 项目名称), 项目明细
row 2 is the first line of the first project with lines (B = 项目代码).

Templates prepare 500 styled, unlocked, validated input rows per sheet, which makes each one take ~4 s
to write. The worked example's template is written as shipped and serves the round trip, the render
comparison, the look in Excel and LibreOffice; every other workbook here (the demo's, the empty one,
the property test's, the bad ones) is written with ``INPUT_ROWS = 1`` (data rows only), which changes
nothing that ``import`` reads.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from budgetgen.catalogs import load_catalog
from budgetgen.io import template as template_module
from budgetgen.io import workbook_layout as layout
from budgetgen.io.load import LoadedInput, load_budget
from budgetgen.io.template import render_template
from budgetgen.model.budget import BudgetInput
from budgetgen.model.types import (
    Comparison,
    Direction,
    FundSource,
    ProcurementCategory,
    ProjectCategory,
    StaffKind,
    SubSource,
    UnitKind,
)

from .conftest import DEMO, GUANGYUAN, run

EXAMPLES = {
    "guangyuan": GUANGYUAN,
    "demo": DEMO,
    # the optional facts of the other layouts: unit rank, assets snapshot, spending plans, unit-wide indicators …
    "laiyuan": GUANGYUAN.parent / "laiyuan-2020",
    "wanyuan": GUANGYUAN.parent / "wanyuan-2023",
    # the Henan facts: division names, vehicles by kind, per-type last-year figures, named tasks, duty targets
    "qinglanhu": GUANGYUAN.parent / "qinglanhu-2022",
}
SHEET_ORDER = [
    "填表说明",
    "基本信息",
    "单位",
    "人员",
    "工资项目",
    "缴费规则",
    "公用经费",
    "项目",
    "项目明细",
    "绩效指标",
    "整体绩效指标",
    "年度主要任务",
    "收入",
    "政府采购",
    "文字说明",
    "代码表",
]
DATA_SHEETS = SHEET_ORDER[2:-1]
LAST_INPUT_ROW = 501  # the template prepares rows 2..501 for input


# --- shared workbooks ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def examples() -> dict[str, LoadedInput]:
    """Both examples, loaded from their YAML."""
    return {name: load_budget(path) for name, path in EXAMPLES.items()}


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``budgetgen template OUT.xlsx --from EXAMPLE`` for both examples, via the CLI.

    The worked example's is the template as shipped (500 prepared input rows per sheet); the demo's is
    compact (data rows only), which keeps the module fast and changes nothing that ``import`` reads.
    """
    folder = tmp_path_factory.mktemp("filled")
    paths = {}
    for name, source in EXAMPLES.items():
        path = folder / f"{name}.xlsx"
        rows = nullcontext() if name == "guangyuan" else mock.patch.object(template_module, "INPUT_ROWS", 1)
        with rows:
            result = run("template", path, "--from", source)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.strip() == str(path)
        paths[name] = path
    return paths


def compact_template(loaded: LoadedInput | None = None, budget: BudgetInput | None = None) -> bytes:
    """A filled template with only its data rows (no empty prepared input rows): fast to write and edit."""
    with mock.patch.object(template_module, "INPUT_ROWS", 1):
        if budget is not None:
            return render_template(load_catalog(budget.budget_year), budget)
        assert loaded is not None
        return render_template(loaded.catalog, loaded.budget)


@pytest.fixture(scope="module")
def base(examples: dict[str, LoadedInput]) -> bytes:
    """The worked example as a compact filled template: the starting point of every bad workbook."""
    return compact_template(examples["guangyuan"])


@pytest.fixture(scope="module")
def full_book(filled: dict[str, Path]) -> Workbook:
    """The full filled template of the worked example, opened with openpyxl."""
    return load_workbook(filled["guangyuan"])


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def import_ok(path: Path, tmp_path: Path) -> Path:
    """``budgetgen import path -o …yaml``; must succeed; returns the YAML path."""
    out = tmp_path / f"{path.stem}.yaml"
    result = run("import", path, "-o", out)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    return out


# --- 1. round trip ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_yaml_template_import_round_trip(
    name: str, examples: dict[str, LoadedInput], filled: dict[str, Path], tmp_path: Path
) -> None:
    original = examples[name].budget
    assert load_budget(filled[name]).budget == original
    imported = import_ok(filled[name], tmp_path)
    text = imported.read_text(encoding="utf-8")
    assert text.startswith(f"# budgetgen 预算输入（金额单位：元），由 {name}.xlsx 导入\n")
    assert "amount_unit: 元" in text
    assert load_budget(imported).budget == original


def test_render_from_workbook_is_byte_identical(filled: dict[str, Path], tmp_path: Path) -> None:
    outputs = {}
    for label, source in (("yaml", GUANGYUAN), ("xlsx", filled["guangyuan"])):
        out = tmp_path / label
        result = run("render", source, "-o", out, "--xlsx", "--pdf")
        no_traceback(result)
        assert result.exit_code == 0, result.stderr
        outputs[label] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert sorted(outputs["yaml"]) == sorted(outputs["xlsx"])
    assert {Path(n).suffix for n in outputs["yaml"]} == {".xlsx", ".pdf"}
    for file_name, data in outputs["yaml"].items():
        assert outputs["xlsx"][file_name] == data, f"{file_name} differs between YAML and workbook input"


# --- 2. property: random small budgets survive the workbook ----------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
NAME_CHARS = st.one_of(CJK, CJK, st.sampled_from("AZaz09（）()-·%/ "))
NAMES = st.text(NAME_CHARS, min_size=1, max_size=12).filter(lambda s: bool(s.strip()))
# Items of 下属单位 are joined with “、” in one cell and split on separators and spaces when read.
LIST_ITEMS = st.text(st.one_of(CJK, st.sampled_from("AZ09（）")), min_size=1, max_size=8)
TEXTS = st.text(st.one_of(CJK, st.sampled_from("，。；、：“”0123456789 \n")), min_size=1, max_size=60).filter(
    lambda s: bool(s.strip())
)
FUNCTIONS = st.sampled_from(["2080109", "2080101", "2101101", "2080105", "2080199"])
ECON = st.sampled_from(["30201", "30211", "30227", "30202", "30299"])
YUAN = st.integers(0, 10**11).map(lambda cents: Decimal(cents).scaleb(-2))  # up to 10 亿元, with cents
WEIGHTS = st.integers(0, 10000).map(lambda hundredths: Decimal(hundredths).scaleb(-2))


def values(enum: Any) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in enum])


def optional(draw: st.DrawFn, target: dict[str, Any], key: str, strategy: st.SearchStrategy[Any]) -> None:
    """Set ``target[key]`` to a drawn value, or leave it out."""
    value = draw(st.none() | strategy)
    if value is not None:
        target[key] = value


def funding(draw: st.DrawFn, target: dict[str, Any]) -> dict[str, Any]:
    optional(draw, target, "source", values(FundSource))
    optional(draw, target, "sub_source", values(SubSource))
    return target


@st.composite
def budgets(draw: st.DrawFn) -> BudgetInput:
    """A small valid budget: one or two units with items, projects, lines, indicators, income and texts."""
    units = []
    for number in draw(st.lists(st.integers(1, 999), min_size=1, max_size=2, unique=True)):
        project_codes = draw(st.lists(st.sampled_from(["P01", "R01", "T01", "001", "T-2"]), max_size=2, unique=True))
        refs = st.sampled_from(project_codes) if project_codes else st.nothing()
        items = []
        for _ in range(draw(st.integers(0, 3))):
            item = funding(draw, {"econ": draw(ECON), "amount": draw(YUAN)})
            optional(draw, item, "name", NAMES)
            optional(draw, item, "function", FUNCTIONS)
            optional(draw, item, "project", refs)
            items.append(item)
        projects = []
        for code in project_codes:
            project: dict[str, Any] = {"code": code, "name": draw(NAMES), "category": draw(values(ProjectCategory))}
            optional(draw, project, "function", FUNCTIONS)
            optional(draw, project, "annual_goal", TEXTS)
            project["lines"] = [
                funding(draw, {"econ": draw(ECON), "amount": draw(YUAN)}) for _ in range(draw(st.integers(0, 3)))
            ]
            indicators = []
            for _ in range(draw(st.integers(0, 2))):
                indicator = {
                    "level1": draw(NAMES),
                    "level2": draw(NAMES),
                    "name": draw(NAMES),
                    "comparison": draw(values(Comparison)),
                    "value": draw(NAMES),
                    "weight": draw(WEIGHTS),
                    "direction": draw(values(Direction)),
                }
                optional(draw, indicator, "unit_of_measure", NAMES)
                indicators.append(indicator)
            project["indicators"] = indicators
            projects.append(project)
        staff = []
        for group_name in draw(st.lists(NAMES.map(str.strip), max_size=1, unique=True)):
            pay = []
            for econ in draw(st.lists(st.sampled_from(["30101", "30102", "30103"]), max_size=2, unique=True)):
                pay.append({"econ": econ, draw(st.sampled_from(["amount", "per_head"])): draw(YUAN)})
            staff.append(
                {
                    "name": group_name,
                    "kind": draw(values(StaffKind)),
                    "headcount": draw(st.integers(0, 500)),
                    "pay": pay,
                }
            )
        unit: dict[str, Any] = {
            "code": f"342{number:03d}",
            "name": draw(NAMES),
            "kind": draw(values(UnitKind)),
            "main_function": draw(FUNCTIONS),
            "subordinate_units": draw(st.lists(LIST_ITEMS, max_size=2)),
            "staff": staff,
            "operating_items": items,
            "projects": projects,
            "income": [funding(draw, {"amount": draw(YUAN)}) for _ in range(draw(st.integers(0, 2)))],
            "procurement": [
                {"name": draw(NAMES), "category": draw(values(ProcurementCategory)), "amount": draw(YUAN)}
                for _ in range(draw(st.integers(0, 1)))
            ],
            "texts": {
                "function_purposes": draw(st.dictionaries(FUNCTIONS, TEXTS, max_size=2)),
            },
        }
        optional(draw, unit, "internal_divisions", st.integers(0, 50))
        optional(draw, unit["texts"], "functions", TEXTS)
        optional(draw, unit["texts"], "key_work", TEXTS)
        units.append(unit)
    data: dict[str, Any] = {
        "format_version": 1,
        "budget_year": 2025,
        "amount_unit": "元",
        "department": {"code": "342", "name": draw(NAMES)},
        "units": units,
    }
    optional(draw, data, "prepared_on", st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"))
    return BudgetInput.model_validate(data, context={"amount_unit": "元"})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(budget=budgets())
def test_random_budgets_survive_the_workbook(budget: BudgetInput, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("property") / "budget.xlsx"
    path.write_bytes(compact_template(budget=budget))
    assert load_budget(path).budget == budget


# --- 3. what the template looks like in Excel ------------------------------------------------------------


def test_sheet_names_and_order(full_book: Workbook) -> None:
    assert full_book.sheetnames == SHEET_ORDER
    assert [s.name for s in (layout.GENERAL, *layout.SHEETS)] == SHEET_ORDER[1:-1]
    assert full_book.sheetnames[0] == "填表说明"
    assert full_book["填表说明"].sheet_state == "visible"


def test_code_list_sheet_is_hidden_behind_defined_names(full_book: Workbook) -> None:
    assert full_book["代码表"].sheet_state == "hidden"
    assert all(full_book[name].sheet_state == "visible" for name in SHEET_ORDER[:-1])
    lists: dict[str, list[str]] = {}
    for name in ("功能科目", "经济科目", "单位类型", "人员性质", "资金来源", "项目类别", "指标性质", "金额单位"):
        assert name in full_book.defined_names, name
        (destination,) = list(full_book.defined_names[name].destinations)
        sheet, cells = destination
        assert sheet == "代码表", (name, sheet)
        assert re.fullmatch(r"\$[A-Z]+\$2:\$[A-Z]+\$\d+", cells), cells
        lists[name] = [row[0].value for row in full_book["代码表"][cells.replace("$", "")]]
    assert lists["单位类型"] == ["行政", "参公", "事业"]
    assert lists["金额单位"] == ["元", "万元"]
    assert lists["人员性质"] == ["在职", "退休", "离休"]
    assert "2080109 社会保险经办机构" in lists["功能科目"]
    assert "30201 办公费" in lists["经济科目"]
    assert all(re.fullmatch(r"\d{7} \S.*", v) for v in lists["功能科目"])
    assert all(re.fullmatch(r"\d{5} \S.*", v) for v in lists["经济科目"])


def column_letter(sheet: Worksheet, header: str) -> str:
    for cell in sheet[1]:
        if cell.value is not None and str(cell.value).rstrip("*") == header:
            return str(cell.column_letter)
    raise AssertionError(f"no column {header} in {sheet.title}")


def validations(sheet: Worksheet, letter: str) -> list[DataValidation]:
    """The data validations that cover the whole input range of a column."""
    return [
        dv
        for dv in sheet.data_validations.dataValidation
        if f"{letter}2:{letter}{LAST_INPUT_ROW}" in str(dv.sqref).split()
    ]


def money_columns() -> Iterator[tuple[str, str]]:
    for spec in layout.SHEETS:
        for col in spec.columns:
            if col.kind == layout.MONEY:
                yield spec.name, col.header


def test_dropdowns_and_number_checks(full_book: Workbook) -> None:
    units = full_book["单位"]
    assert column_letter(units, "单位类型") == "C"
    (kind,) = validations(units, "C")
    assert kind.type == "list"
    assert kind.formula1.removeprefix("=") == "单位类型"
    assert kind.errorStyle in (None, "stop")
    (function,) = validations(units, "D")
    assert function.type == "list"
    assert function.formula1.removeprefix("=") == "功能科目"
    economic = validations(full_book["公用经费"], column_letter(full_book["公用经费"], "经济科目"))
    assert [dv.formula1.removeprefix("=") for dv in economic] == ["经济科目"]
    unit_of_amounts = [dv for dv in full_book["基本信息"].data_validations.dataValidation if "B3" in str(dv.sqref)]
    assert [dv.formula1.removeprefix("=") for dv in unit_of_amounts] == ["金额单位"]
    checked = 0
    for sheet_name, header in money_columns():
        sheet = full_book[sheet_name]
        found = validations(sheet, column_letter(sheet, header))
        assert len(found) == 1, (sheet_name, header)
        (number,) = found
        assert (number.type, number.operator, number.formula1) == ("decimal", "greaterThanOrEqual", "0"), header
        assert number.allow_blank
        checked += 1
    assert checked >= 15  # 17 amount columns in 9 sheets
    (amount,) = validations(full_book["公用经费"], "D")
    assert amount.type == "decimal"


def test_validations_show_their_error_message(full_book: Workbook) -> None:
    """Excel only refuses an invalid entry (and shows 请从下拉列表中选择 …) when showErrorMessage is set."""
    units = full_book["单位"]
    (kind,) = validations(units, "C")
    (amount,) = validations(full_book["公用经费"], "D")
    for dv in (kind, amount):
        assert dv.error, dv
        assert dv.showErrorMessage, f"{dv.sqref}: showErrorMessage is off, Excel accepts any value silently"


def test_headers_bold_frozen_and_protected(full_book: Workbook) -> None:
    for name in ["基本信息", *DATA_SHEETS]:
        sheet = full_book[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet.protection.sheet, name
        headers = [cell for cell in sheet[1] if cell.value is not None]
        assert headers, name
        for cell in headers:
            assert cell.font.b, (name, cell.coordinate)
            assert cell.protection.locked, (name, cell.coordinate)
    for name in DATA_SHEETS:
        sheet = full_book[name]
        width = len(layout.SHEET_BY_NAME[name].columns)
        assert sheet.max_column == width
        for row in (2, 3, LAST_INPUT_ROW):
            for column in range(1, width + 1):
                assert not sheet.cell(row, column).protection.locked, (name, row, column)
        headers = [str(cell.value) for cell in sheet[1]]
        assert headers == [c.header + ("*" if c.required else "") for c in layout.SHEET_BY_NAME[name].columns]
    general = full_book["基本信息"]
    assert [general.cell(r, 1).value for r in range(2, 2 + len(layout.GENERAL_ROWS))] == [
        label for label, _, _ in layout.GENERAL_ROWS
    ]
    for r in range(2, 2 + len(layout.GENERAL_ROWS)):
        assert general.cell(r, 1).protection.locked
        assert not general.cell(r, 2).protection.locked
    assert full_book["公用经费"]["D2"].value == 437000


def test_empty_template_imports_to_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "空模板.xlsx"
    with mock.patch.object(template_module, "INPUT_ROWS", 1):  # the 500 empty input rows take 4 s to write
        result = run("template", empty)
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(empty) as archive:
        names = re.findall(r'<sheet name="([^"]+)"', archive.read("xl/workbook.xml").decode("utf-8"))
    assert names == SHEET_ORDER
    out = tmp_path / "out.yaml"
    result = run("import", empty, "-o", out)
    no_traceback(result)
    assert result.exit_code == 2
    assert not out.exists()
    assert "BG-E010" in result.stderr
    assert "基本信息!B2: 错误 BG-E010 缺少必填字段“预算年度”" in result.stderr  # the title the accountant sees
    assert "缺少必填字段“部门代码、部门名称”" in result.stderr
    assert re.search(r"单位!A1: 错误 BG-E01[02] .*（单位）", result.stderr), result.stderr
    assert "budget_year" not in result.stderr
    assert "（字段" not in result.stderr
    assert "未生成任何结果" in result.stderr


def test_same_input_gives_identical_templates(filled: dict[str, Path], tmp_path: Path) -> None:
    # The demo's template was written by the module fixture; write it again, a second later.
    time.sleep(1.1)
    again = tmp_path / "demo.xlsx"
    with mock.patch.object(template_module, "INPUT_ROWS", 1):
        result = run("template", again, "--from", DEMO)
    assert result.exit_code == 0, result.stderr
    assert again.read_bytes() == filled["demo"].read_bytes()
    # No save time anywhere in the shipped-size template either.
    with zipfile.ZipFile(filled["guangyuan"]) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core) == ["2000-01-01T00:00:00Z"] * 2


# --- 4. a real client: LibreOffice opens and re-saves the workbook ------------------------------------


def test_libreoffice_resaved_workbook_imports_to_the_same_model(
    examples: dict[str, LoadedInput], filled: dict[str, Path], base: bytes, tmp_path: Path
) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    source = tmp_path / "in"
    source.mkdir()
    plain = source / "guangyuan.xlsx"
    shutil.copyfile(filled["guangyuan"], plain)
    # Formulas without a cached value: LibreOffice computes them and stores the results.
    book = load_workbook(io.BytesIO(base))
    book["公用经费"]["D2"] = "=400000+37000"
    book["项目"]["C2"] = '="基本"&"工资"'
    formulas = source / "formulas.xlsx"
    book.save(formulas)
    out = tmp_path / "out"
    command = [
        soffice,
        f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
        "--headless",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(out),
        str(plain),
        str(formulas),
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False, env=env)
    assert result.returncode == 0, result.stderr
    original = examples["guangyuan"].budget
    assert load_budget(out / "guangyuan.xlsx").budget == original
    assert load_budget(out / "formulas.xlsx").budget == original
    # What LibreOffice keeps of the template (read from the XML: opening 14 sheets takes a second).
    with zipfile.ZipFile(out / "guangyuan.xlsx") as archive:
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
        units = archive.read(member_of("单位")).decode("utf-8")
    assert re.findall(r'<sheet name="([^"]+)"', workbook) == SHEET_ORDER
    assert re.search(r'<sheet name="代码表"[^>]*state="hidden"', workbook), workbook
    assert re.search(
        r'<definedName[^>]*name="单位类型"[^>]*>(?:代码表|&apos;代码表&apos;|\'代码表\')!\$C\$2:\$C\$4<', workbook
    )
    assert re.search(r'<dataValidation [^>]*sqref="C2:C501"[^>]*type="list"[^>]*><formula1>=?单位类型<', units)
    assert re.search(r'<sheetProtection [^>]*sheet="(?:1|true)"', units)
    cached = load_workbook(out / "formulas.xlsx", data_only=True)
    assert cached["公用经费"]["D2"].value == 437000
    assert cached["项目"]["C2"].value == "基本工资"


# --- 5. bad workbooks --------------------------------------------------------------------------------------

Edit = Callable[[Workbook], None]


def put(sheet: str, cell: str, value: Any, as_text: bool = False) -> Edit:
    def edit(book: Workbook) -> None:
        book[sheet][cell].value = value
        if as_text:
            book[sheet][cell].data_type = "s"

    return edit


def both(*edits: Edit) -> Edit:
    def edit(book: Workbook) -> None:
        for one in edits:
            one(book)

    return edit


def remove_sheet(name: str) -> Edit:
    def edit(book: Workbook) -> None:
        book.remove(book[name])

    return edit


def merge(sheet: str, cells: str) -> Edit:
    def edit(book: Workbook) -> None:
        book[sheet].merge_cells(cells)

    return edit


def edited(base: bytes, edit: Edit, path: Path) -> Path:
    book = load_workbook(io.BytesIO(base))
    edit(book)
    book.save(path)
    return path


def import_fails(path: Path, tmp_path: Path) -> str:
    """``budgetgen import``: exit 2, nothing written, no traceback; returns stderr."""
    out = tmp_path / "out.yaml"
    result = run("import", path, "-o", out)
    no_traceback(result)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert not out.exists()
    assert result.stderr.rstrip().endswith("未生成任何结果。")
    return result.stderr


# (edit, code, location as it starts the line (a regex), distinctive part of the message)
BAD_CELLS: dict[str, tuple[Edit, str, str, str]] = {
    "text-amount": (put("公用经费", "D2", "abc"), "BG-E013", "公用经费!D2", "金额“abc”不是数字"),
    "negative-amount": (put("公用经费", "D2", -5), "BG-E013", "公用经费!D2", "金额“-5”不能为负数"),
    "wan-too-many-decimals": (
        both(put("基本信息", "B3", "万元"), put("公用经费", "D2", 43.7000001)),
        "BG-E013",
        "公用经费!D2",
        "精确到了分以下（单位为万元时最多 6 位小数）",
    ),
    "unknown-function-code": (
        put("公用经费", "E2", "2089998 不存在的项"),
        "BG-E020",
        "公用经费!E2",
        "功能分类科目“2089998”不在 2025 年科目表中",
    ),
    "unknown-econ-code": (
        put("公用经费", "B2", "30298 不存在的款"),
        "BG-E021",
        "公用经费!B2",
        "经济分类科目“30298”不在 2025 年部门经济分类中",
    ),
    "missing-sheet": (remove_sheet("单位"), "BG-E042", "单位", "缺少工作表“单位”"),
    # The header row is named; which cell a missing header "should" be in cannot be known.
    "missing-column": (
        put("公用经费", "D1", "金额（元）"),
        "BG-E042",
        r"公用经费!(?:D1|1(?::1)?)",
        "工作表“公用经费”缺少列“金额”",
    ),
    "merged-cells": (merge("公用经费", "F2:F3"), "BG-E043", "公用经费!F2", "数据区域不能有合并单元格（F2:F3）"),
    "formula-without-cached-value": (
        put("公用经费", "D2", "=1+1"),
        "BG-E044",
        "公用经费!D2",
        "公式没有缓存的计算结果",
    ),
    "unknown-unit-code": (put("公用经费", "A2", "342999"), "BG-E040", "公用经费!A2", "单位代码“342999”不在“单位”表中"),
    "unknown-staff-group": (
        put("工资项目", "B2", "临时人员"),
        "BG-E040",
        "工资项目!B2",
        "人员类别“临时人员”不在“人员”表中",
    ),
    "unknown-project": (put("项目明细", "B2", "ZZZ"), "BG-E040", "项目明细!B2", "项目代码“ZZZ”不在“项目”表中"),
    "unit-kind-not-in-list": (put("单位", "C2", "企业"), "BG-E014", "单位!C2", "“企业”不是可选值"),
    "text-kind-not-in-list": (put("文字说明", "B2", "其他说明"), "BG-E014", "文字说明!B2", "“其他说明”不是可选的内容"),
    "required-cell-empty": (put("项目", "C2", None), "BG-E010", "项目!C2", "缺少必填字段"),
    "rate-not-a-number": (put("缴费规则", "D2", "abc"), "BG-E015", "缴费规则!D2", "比例“abc”不是数字"),
}


@pytest.mark.parametrize("case", list(BAD_CELLS))
def test_bad_workbook(case: str, base: bytes, tmp_path: Path) -> None:
    edit, code, where, message = BAD_CELLS[case]
    stderr = import_fails(edited(base, edit, tmp_path / f"{case}.xlsx"), tmp_path)
    first = stderr.splitlines()[0]
    assert re.match(rf"{where}: 错误 {code} ", first), stderr
    assert message in first, stderr
    assert "共 1 处" in stderr


def test_the_base_of_the_bad_workbooks_is_valid(base: bytes, examples: dict[str, LoadedInput], tmp_path: Path) -> None:
    path = tmp_path / "base.xlsx"
    path.write_bytes(base)
    assert load_budget(path).budget == examples["guangyuan"].budget
    book = load_workbook(path)
    assert [c.value for c in book["公用经费"][2]] == [
        "342601",
        "30201 办公费",
        None,
        437000,
        None,
        "R01",
        "一般公共预算",
        "当年拨款",
        None,  # 教学科研人员出国
    ]
    assert book["工资项目"]["B2"].value == "在职人员"
    assert book["项目"]["C2"].value == "基本工资"
    assert book["人员"]["D2"].value == 96


def rezip(data: bytes, changes: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """The archive with some members' bytes rewritten (same member order)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, changes.get(info.filename, lambda b: b)(body))
    return buffer.getvalue()


def member_of(sheet: str) -> str:
    """The archive member that holds a sheet (openpyxl numbers them in workbook order)."""
    return f"xl/worksheets/sheet{SHEET_ORDER.index(sheet) + 1}.xml"


def sub_once(pattern: str, replacement: str) -> Callable[[bytes], bytes]:
    def change(body: bytes) -> bytes:
        text, count = re.subn(pattern, replacement, body.decode("utf-8"), count=1)
        assert count == 1, pattern
        return text.encode("utf-8")

    return change


def test_formula_with_cached_value_is_read_by_its_value(
    base: bytes, examples: dict[str, LoadedInput], tmp_path: Path
) -> None:
    """What Excel writes for a formula: <f> and the cached <v>; the cached value is what counts."""
    member = member_of("公用经费")
    assert member in zipfile.ZipFile(io.BytesIO(base)).namelist()
    number = sub_once(
        r'<c r="D2"([^>]*?) t="n"><v>437000</v></c>', r'<c r="D2"\1><f>SUM(400000,37000)</f><v>437000</v></c>'
    )
    text = sub_once(
        r'<c r="C2"([^>]*?) t="inlineStr"><is><t>基本工资</t></is></c>',
        r'<c r="C2"\1 t="str"><f>"基本"&amp;"工资"</f><v>基本工资</v></c>',
    )
    data = rezip(base, {member: number, member_of("项目"): text})
    path = tmp_path / "cached.xlsx"
    path.write_bytes(data)
    formulas = load_workbook(path)
    assert formulas["公用经费"]["D2"].data_type == "f"
    assert formulas["项目"]["C2"].data_type == "f"
    assert load_budget(path).budget == examples["guangyuan"].budget
    imported = import_ok(path, tmp_path)
    assert load_budget(imported).budget == examples["guangyuan"].budget


def test_number_typed_as_text_is_read(base: bytes, examples: dict[str, LoadedInput], tmp_path: Path) -> None:
    path = edited(base, put("公用经费", "D2", " 437000 ", as_text=True), tmp_path / "text-number.xlsx")
    assert load_budget(path).budget == examples["guangyuan"].budget


LOL = "".join(
    ['<!DOCTYPE {root} [<!ENTITY lol "lol">']
    + [f'<!ENTITY lol{i} "{("&lol" + ("" if i == 1 else str(i - 1)) + ";") * 10}">' for i in range(1, 10)]
    + ["]>"]
)


def billion_laughs_in_workbook(body: bytes) -> bytes:
    text = body.decode("utf-8")
    start = text.index("<workbook")
    text = text[:start] + LOL.format(root="workbook") + text[start:]
    return text.replace('name="填表说明"', 'name="&lol9;"').encode("utf-8")


def billion_laughs_in_sheet(body: bytes) -> bytes:
    text = body.decode("utf-8")
    start = text.index("<worksheet")
    text = text[:start] + LOL.format(root="worksheet") + text[start:]
    return text.replace("<t>R01</t>", "<t>&lol9;</t>", 1).encode("utf-8")


def external_entity(body: bytes) -> bytes:
    text = body.decode("utf-8")
    start = text.index("<worksheet")
    text = text[:start] + '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + text[start:]
    return text.replace("<t>R01</t>", "<t>&x;</t>", 1).encode("utf-8")


def zip_bomb(base: bytes, size: int) -> bytes:
    """The workbook with 公用经费's sheet replaced by ``size`` bytes of one character (deflates ~1000:1)."""
    source = zipfile.ZipFile(io.BytesIO(base))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            if info.filename == member_of("公用经费"):
                with target.open(info.filename, "w", force_zip64=True) as member:
                    chunk = b" " * (1 << 20)
                    for _ in range(size >> 20):
                        member.write(chunk)
            else:
                target.writestr(info.filename, source.read(info.filename))
    return buffer.getvalue()


def no_content_types(base: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(base))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "[Content_Types].xml":
                target.writestr(info.filename, source.read(info.filename))
    return buffer.getvalue()


# (bytes from the base workbook, code, distinctive part of the message)
BAD_FILES: dict[str, tuple[Callable[[bytes], bytes], str, str]] = {
    "zip-bomb-256MiB": (lambda b: zip_bomb(b, 256 << 20), "BG-E004", "疑似压缩炸弹"),
    "zip-bomb-ratio-16MiB": (lambda b: zip_bomb(b, 16 << 20), "BG-E004", "压缩比异常，疑似压缩炸弹"),
    "billion-laughs-workbook-xml": (
        lambda b: rezip(b, {"xl/workbook.xml": billion_laughs_in_workbook}),
        "BG-E041",
        "不安全的 XML",
    ),
    "billion-laughs-sheet": (
        lambda b: rezip(b, {member_of("公用经费"): billion_laughs_in_sheet}),
        "BG-E041",
        "不安全的 XML",
    ),
    "external-entity": (lambda b: rezip(b, {member_of("公用经费"): external_entity}), "BG-E041", "不安全的 XML"),
    "truncated": (lambda b: b[: len(b) // 2], "BG-E041", "可能已损坏或被截断"),
    "not-a-zip": (lambda b: "单位代码,金额\n342601,437000\n".encode(), "BG-E041", "不是有效的 Excel 工作簿"),
    "empty-file": (lambda b: b"", "BG-E041", "不是有效的 Excel 工作簿"),
    "zip-without-content-types": (no_content_types, "BG-E041", "缺少内容类型表"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file(case: str, base: bytes, tmp_path: Path) -> None:
    make, code, message = BAD_FILES[case]
    path = tmp_path / f"{case}.xlsx"
    path.write_bytes(make(base))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        stderr = import_fails(path, tmp_path)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    first = stderr.splitlines()[0]
    assert first.startswith(f"{path}: 错误 {code} "), stderr
    assert message in first, stderr
    assert elapsed < 3, f"{case}: took {elapsed:.1f} s"
    assert peak < 64 << 20, f"{case}: {peak >> 20} MiB allocated"


# --- 6. text that looks like a formula stays text ------------------------------------------------------

FORMULA_TEXT = '=HYPERLINK("x")'


def test_text_that_looks_like_a_formula_is_imported_as_text(base: bytes, tmp_path: Path) -> None:
    path = edited(base, put("项目", "C2", FORMULA_TEXT, as_text=True), tmp_path / "text.xlsx")
    assert load_workbook(path)["项目"]["C2"].data_type == "s"
    assert load_budget(path).budget.units[0].projects[0].name == FORMULA_TEXT
    imported = import_ok(path, tmp_path)
    assert load_budget(imported).budget.units[0].projects[0].name == FORMULA_TEXT


def test_formula_like_names_are_written_as_text(examples: dict[str, LoadedInput], tmp_path: Path) -> None:
    budget = examples["guangyuan"].budget
    unit = budget.units[0]
    project = unit.projects[0].model_copy(update={"name": FORMULA_TEXT, "purpose": "=1+1"})
    unit = unit.model_copy(update={"projects": [project, *unit.projects[1:]], "name": "+广元 -中心 @"})
    budget = budget.model_copy(update={"units": [unit]})
    path = tmp_path / "names.xlsx"
    path.write_bytes(compact_template(budget=budget))
    book = load_workbook(path)
    for sheet, cell in (("项目", "C2"), ("项目", "G2"), ("单位", "B2")):
        assert book[sheet][cell].data_type == "s", (sheet, cell)
    assert book["项目"]["C2"].value == FORMULA_TEXT
    assert load_budget(path).budget == budget
