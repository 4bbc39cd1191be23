"""The performance-target forms (profile sichuan-performance-2023) of examples/wanyuan-2023, against reference 002."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import ENGINE, EXAMPLES, libreoffice_csv, pdf_pages, rendered, run

WANYUAN = EXAMPLES / "wanyuan-2023"
STEM = "203001-2023-预算公开"
PROJECTS = [
    ("51178121T000000027938", "个人权益记录", "2.00", "04-社会保险参保登记及宣传"),
    ("51178121T000000027930", "社保大厅业务经办工作经费", "2.00", "04-社会保险参保登记及宣传"),
    (None, "水泥厂", "3.75", "05-社会保险待遇拨付/04-退休人员待遇拨付"),
    ("51178122T000004944381", "退休老干部困难生活补助", "8.23", "05-社会保险待遇拨付/04-退休人员待遇拨付"),
    ("51178121T000000027932", "养老保险、职业年金关系转移", "1.00", "04-社会保险参保登记及宣传"),
]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered(tmp_path_factory, "forms", WANYUAN, "--profile", "sichuan-performance-2023", "--xlsx", "--pdf")


@pytest.fixture(scope="module")
def book(out: Path) -> Any:
    return load_workbook(out / f"{STEM}.xlsx")


@pytest.fixture(scope="module")
def pages(out: Path) -> list[str]:
    """The PDF's text page by page, without whitespace."""
    return [page for page in pdf_pages(out / f"{STEM}.pdf") if page]


def d(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def cells(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def header_row(sheet: Any) -> int:
    """The row of a form B's indicator header (below the eight rows of its 单位信息 block)."""
    top = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "一级指标")
    assert top == 12  # title, caption line, then the block of rows 4-11
    return top


# --- form A ------------------------------------------------------------------------------------------------


def test_form_a_header_and_funds(book: Any) -> None:
    sheet = book["整体支出绩效目标1"]
    assert sheet["A2"].value == "部门(单位)整体支出绩效目标申报表"
    line = [v for v in cells(sheet)[2] if v]
    assert line == ["预算(单位)名称:203-万源市社保局本级", "预算年度:2023", "单位:万元"]
    assert [sheet.cell(4, c).value for c in (1, 3, 4, 8)] == [
        "总体资金情况(万元)",
        "预算支出总额",
        "基本支出",
        "项目支出",
    ]
    assert [sheet.cell(5, c).value for c in range(4, 11)] == ["合计", "财政拨款", "专户资金", "单位资金", "合计",
                                                             "财政拨款", "专户资金"]  # fmt: skip
    amounts = [d(sheet.cell(6, c).value) for c in range(3, 11)]
    z = Decimal("0.00")
    project = Decimal("16.98")
    assert amounts[5:] == [project, project, z]  # 项目支出 合计 = 财政拨款, 专户 0.00
    assert amounts[0] == amounts[1] + amounts[5]  # 预算支出总额 = 基本 + 项目
    assert amounts[1] == amounts[2] + amounts[3] + amounts[4]
    assert {"A4:B6", "C4:C5", "D4:G4", "H4:J4"} <= {str(r) for r in sheet.merged_cells.ranges}


def test_form_a_tasks_and_indicators(book: Any) -> None:
    sheet = book["整体支出绩效目标1"]
    assert [sheet.cell(r, 3).value for r in range(8, 11)] == ["项目支出", "人员经费", "公用经费"]
    assert sheet["A7"].value == "年度主要任务"
    assert sheet["C7"].value == "任务名称"
    assert sheet["G7"].value == "主要内容"
    assert all(sheet.cell(r, 7).value for r in range(8, 11))
    assert sheet["A11"].value == "部门整体绩效情况"
    assert sheet["B11"].value == "整体绩效目标"
    assert sheet["C11"].value
    assert sheet["B12"].value == "年度绩效指标"
    assert [sheet.cell(13, c).value for c in (2, 3, 5, 7, 8, 9, 10)] == [
        "一级指标", "二级指标", "三级指标", "绩效指标性质", "绩效指标值", "绩效度量单位", "权重"]  # fmt: skip
    rows = [[sheet.cell(r, c).value for c in (2, 3, 5, 7, 8, 9, 10)] for r in range(14, 19)]
    assert [(r[2], r[3], r[4], r[5], d(r[6])) for r in rows] == [
        ("参保人数", "≥", "3", "万人", Decimal(20)),
        ("待遇拨付金额准确率", "≥", "95", "%", Decimal(20)),
        ("待遇拨付时效及时率", "≥", "95", "%", Decimal(20)),
        ("各险种待遇受益保障人数", "≥", "2.5", "万人", Decimal(30)),
        ("服务对象满意度", "≥", "95", "%", Decimal(10)),
    ]
    assert sum(d(r[6]) for r in rows) == 100  # no 预算执行率 weight on this form
    assert rows[0][0] == "产出指标"
    assert rows[1][0] is None
    assert "B14:B16" in {str(r) for r in sheet.merged_cells.ranges}
    assert "A11:A18" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A19"].value == "其他说明"


# --- forms B -----------------------------------------------------------------------------------------------


def test_one_form_b_per_project_in_input_order(book: Any) -> None:
    names = [n for n in book.sheetnames if n.startswith("年度绩效目标表")]
    assert len(names) == len(PROJECTS)
    total = Decimal(0)
    for name, (code, project, amount, duty) in zip(names, PROJECTS, strict=True):
        sheet = book[name]
        text = [str(v) for row in cells(sheet) for v in row if v is not None]
        assert sheet["A2"].value == "年度绩效目标表"
        assert "单位信息: 203001-万源市社保局" in text
        assert "主管部门: 203-万源市社保局本级" in text
        heading = next(v for v in text if v.startswith("预算项目: "))
        assert project in heading
        if code:
            assert heading.startswith(f"预算项目: {code}-")
        assert re.fullmatch(r"预算项目: 511781\d\dT\d{12}-.+", heading)  # 21-character codes
        assert f"职能职责与活动: {duty}" in text
        assert f"项目总额: {amount} 万元" in text
        assert f"其中: 财政资金: {amount} 万元" in text
        for other in ("财政专户管理资金", "单位资金", "社会投入资金", "银行贷款"):
            assert f"{other}: 0.00 万元" in text
        assert "预算执行率权重: 10" in text
        total += Decimal(amount)
        top = header_row(sheet)
        header = [sheet.cell(top, c).value for c in range(1, 11)]
        assert header == ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "本年指标值", "度量单位",
                          "权重 (%)", "本年权重 (%)", "备注"]  # fmt: skip
        rows = [[sheet.cell(r, c).value for c in range(1, 11)] for r in range(top + 1, sheet.max_row + 1)]
        rows = [r for r in rows if any(v is not None for v in r)]
        assert len(rows) == 5
        assert all(r[0] for r in rows)  # 一级指标 repeated on every row
        assert [r[0] for r in rows].count("产出指标") == 3
        assert all(r[5] == r[4] and r[8] == r[7] for r in rows)  # 本年 = 全期
        weights = {
            level: sum(d(r[7]) for r in rows if r[0] == level) for level in ("产出指标", "效益指标", "满意度指标")
        }
        assert weights == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert total == Decimal("16.98")  # Σ 项目总额 = form A 项目支出 合计


def test_project_indicators_as_published(book: Any) -> None:
    def rows(n: int) -> list[tuple[Any, ...]]:
        sheet = book[f"年度绩效目标表{n}"]
        top = header_row(sheet)
        found = [tuple(sheet.cell(r, c).value for c in (3, 4, 5, 7, 8)) for r in range(top + 1, sheet.max_row + 1)]
        return [(name, cmp, value, unit, d(weight)) for name, cmp, value, unit, weight in found if name]

    first = rows(1)
    assert ("个人权益记录及时率", "≥", "95", "%", Decimal(10)) in first
    assert ("个人权益记录人数", "≥", "3", "万人", Decimal(20)) in first
    assert ("项目受益人数", "≥", "3", "万人", Decimal(30)) in first
    assert ("项目服务人次", "≥", "3", "万人次", Decimal(30)) in rows(2)
    third = rows(3)
    assert ("待遇拨付人数", "=", "2", "人", Decimal(20)) in third
    assert ("项目受益人数", "=", "2", "人", Decimal(30)) in third
    fourth = rows(4)
    assert ("项目服务人数", "≥", "5", "人", Decimal(20)) in fourth
    assert ("项目受益人数", "≥", "5", "人", Decimal(30)) in fourth
    fifth = rows(5)
    assert ("全年关系转移人次", "≥", "100", "人次", Decimal(20)) in fifth
    assert ("项目受益人次", "≥", "100", "人次", Decimal(30)) in fifth


# --- the PDF ---------------------------------------------------------------------------------------------


def test_pdf_has_each_form_on_its_pages(pages: list[str]) -> None:
    assert pages[0].startswith("部门(单位)整体支出绩效目标申报表")
    assert "预算(单位)名称:203-万源市社保局本级" in pages[0]
    assert "预算年度:2023" in pages[0]
    assert "16.98" in pages[0]
    starts = [i for i, page in enumerate(pages) if page.startswith("年度绩效目标表")]
    assert len(starts) == len(PROJECTS)
    for index, (_code, project, amount, duty) in zip(starts, PROJECTS, strict=True):
        page = pages[index]
        assert project in page
        assert f"项目总额:{amount}万元" in page
        assert duty in page
        assert "预算执行率权重:10" in page


def test_pdf_is_landscape_and_deterministic(out: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(out / f"{STEM}.pdf")
    assert all(page.mediabox.width > page.mediabox.height for page in reader.pages)
    flags = ("--profile", "sichuan-performance-2023", "--pdf", "--xlsx", "--engine", ENGINE)
    again = run("render", WANYUAN, "-o", tmp_path, *flags)
    assert again.exit_code == 0, again.output
    for suffix in (".pdf", ".xlsx"):
        assert (tmp_path / f"{STEM}{suffix}").read_bytes() == (out / f"{STEM}{suffix}").read_bytes()


def test_check_under_the_forms_profile() -> None:
    result = run("check", WANYUAN, "--profile", "sichuan-performance-2023", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"errors": 0' in result.output


def test_libreoffice_opens_the_workbook(out: Path, tmp_path: Path) -> None:
    sheets = libreoffice_csv(out / f"{STEM}.xlsx", tmp_path)
    assert "16.98" in sheets["整体支出绩效目标1"]
    assert "个人权益记录" in sheets["年度绩效目标表1"]


def test_a_long_form_repeats_its_indicator_header_on_the_next_page(tmp_path: Path) -> None:
    text = (WANYUAN / "budget.yaml").read_text(encoding="utf-8")
    row = (
        "          - {level1: 产出指标, level2: 时效指标, name: 个人权益记录及时率, "
        'comparison: "≥", value: "95", unit_of_measure: "%", weight: 10}\n'
    )
    assert text.count(row) == 1
    many = "".join(row.replace("个人权益记录及时率", f"及时率{i:02d}") for i in range(40))
    source = tmp_path / "in"
    source.mkdir()
    (source / "budget.yaml").write_text(text.replace(row, row + many), encoding="utf-8")
    out = tmp_path / "out"
    # --draft: the 41 weights no longer add up, which a final package would refuse
    assert run("render", source, "-o", out, "--profile", "sichuan-performance-2023", "--pdf", "--draft").exit_code == 0
    raw = subprocess.run(["pdftotext", str(out / f"{STEM}.pdf"), "-"], capture_output=True, check=True).stdout
    pages = [re.sub(r"\s+", "", p) for p in raw.decode("utf-8").split("\f") if p.strip()]
    first = next(i for i, p in enumerate(pages) if "预算项目:51178121T000000027938" in p)
    follow = pages[first + 1]
    assert "年度绩效目标表" not in follow
    assert "及时率39" in follow
    for label in ("一级指标", "二级指标", "三级指标", "本年权重(%)"):  # the header row, repeated
        assert label in follow, label
