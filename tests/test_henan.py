"""The Henan package (profile henan-2022) of the made-up examples/qinglanhu-2022, against the spec's tables and text.

Titles, header lines and column structure of the thirteen tables; the example's figures read back from the xlsx
cells and found in the PDF text; every total equal to the sum of what it totals (from the cells, and from the
document model's audit list); the 目录 and the sentences of the three text parts.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from budgetgen.io import template as template_module
from budgetgen.ledger.build import build_ledger
from budgetgen.model.types import FundSource
from budgetgen.package.model import Table
from budgetgen.package.tables import build_tables
from budgetgen.pipeline import load_ledger
from budgetgen.profiles import load_profile
from tests.conftest import EXAMPLES, pdf_pages, rendered, run

PROFILE = "henan-2022"
EXAMPLE = EXAMPLES / "qinglanhu-2022"
STEM = "341001-2022-预算公开"
ORG = "河南省青岚湖水文水质监测中心"
SHEETS = [
    "部门收支预算表",
    "部门收入预算表",
    "部门支出预算表",
    "财政拨款收支预算表",
    "一般公共预算支出预算表",
    "一般公共预算基本支出预算表",
    "支出经济分类汇总表",
    "三公经费预算表",
    "政府性基金预算支出预算表",
    "国有资本经营预算支出预算表",
    "项目支出预算表",
    "整体绩效目标表",
    "项目绩效目标表",
]
TOC_TABLES = [
    "部门收支预算表",
    "部门收入预算表",
    "部门支出预算表",
    "财政拨款收支预算表",
    "一般公共预算支出预算表",
    "一般公共预算基本支出预算表",
    "支出经济分类汇总表",
    "一般公共预算“三公”经费预算表",
    "政府性基金预算支出预算表",
    "国有资本经营预算支出预算表",
    "项目支出预算表",
    "部门（单位）整体绩效目标表",
    "部门预算项目绩效目标表",
]
TITLE_ROW = 2  # row 1 is the (empty) 附表 label, row 2 the title, row 3 the 部门名称 / 单位 line
HEADER_TOP = 4


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered(tmp_path_factory, "henan", EXAMPLE, "--profile", PROFILE, "--xlsx", "--pdf")


@pytest.fixture(scope="module")
def book(out: Path) -> Any:
    return load_workbook(out / f"{STEM}.xlsx")


@pytest.fixture(scope="module")
def text(out: Path) -> str:
    """The PDF's text with all whitespace removed, so sentences can be matched whole."""
    return "".join(pdf_pages(out / f"{STEM}.pdf"))


@pytest.fixture(scope="module")
def tables() -> tuple[Table, ...]:
    return build_tables(load_ledger(EXAMPLE, PROFILE), PROFILE)


def d(value: Any) -> Decimal:
    """A cell as 万元 (an empty cell is zero)."""
    return Decimal(0).quantize(Decimal("0.01")) if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    """Every row from the header down, as values."""
    return list(sheet.iter_rows(min_row=HEADER_TOP, values_only=True))


def body(sheet: Worksheet, header_rows: int) -> list[tuple[Any, ...]]:
    """The body rows below a header of ``header_rows`` rows, up to the first empty row."""
    result = []
    for row in rows(sheet)[header_rows:]:
        if all(v is None for v in row):
            break
        result.append(row)
    return result


def line(sheet: Worksheet, number: int) -> list[Any]:
    return [v for v in next(sheet.iter_rows(min_row=number, max_row=number, values_only=True)) if v is not None]


# --- titles, header lines, structure ----------------------------------------------------------------------


def test_sheets_are_the_thirteen_tables_in_order(book: Any) -> None:
    assert book.sheetnames == ["目录", *SHEETS]


def test_titles_carry_the_year_and_no_table_number(book: Any) -> None:
    for name, toc in zip(SHEETS, TOC_TABLES, strict=True):
        sheet = book[name]
        assert sheet["A1"].value is None, name  # no 附表 N
        assert line(sheet, TITLE_ROW) == [f"2022年{toc}"], name


def test_header_lines(book: Any) -> None:
    for name in SHEETS:
        found = line(book[name], 3)
        if name == "三公经费预算表":  # ASCII colons, as published
            assert found == [f"部门名称:{ORG}", "单位:万元"]
        elif name in ("整体绩效目标表", "项目绩效目标表"):
            assert found != [f"部门名称：{ORG}", "单位：万元"]
        else:
            assert found == [f"部门名称：{ORG}", "单位：万元"], name


def leaves(sheet: Worksheet, depth: int) -> list[str]:
    """The leaf label of each column of a ``depth``-row header (the lowest non-empty label in the column)."""
    grid = [list(r) for r in sheet.iter_rows(min_row=HEADER_TOP, max_row=HEADER_TOP + depth - 1, values_only=True)]
    width = max(len(r) for r in grid)
    result = []
    for c in range(width):
        labels = [r[c] for r in grid if c < len(r) and r[c] is not None]
        result.append(labels[-1] if labels else "")
    return result


def test_expenditure_tables_split_basic_and_project_spending(book: Any) -> None:
    expected = ["类", "款", "项", "单位代码", "单位（科目名称）", "合计", "小计", "工资福利支出", "对个人和家庭的补助",
                "商品和服务支出", "资本性支出", "小计", "其他运转类", "特定目标类"]  # fmt: skip
    for name in ("部门支出预算表", "一般公共预算支出预算表", "政府性基金预算支出预算表", "国有资本经营预算支出预算表"):
        assert leaves(book[name], 3) == expected, name
        top = line(book[name], HEADER_TOP)
        assert top == ["科目编码", "单位代码", "单位（科目名称）", "合计", "基本支出", "项目支出"], name
        assert line(book[name], HEADER_TOP + 1)[:5] == ["类", "款", "项", "小计", "人员经费"]


def test_income_table_has_twenty_columns_with_the_fiscal_part(book: Any) -> None:
    sheet = book["部门收入预算表"]
    found = leaves(sheet, 3)
    assert len(found) == 20
    assert found[:6] == ["部门（单位）代码", "部门（单位）名称", "总计", "合计", "小计", "其中：财政拨款"]
    assert found[14:] == ["合计", "一般公共预算", "政府性基金", "国有资本经营预算", "财政专户管理资金", "单位资金"]


def test_economic_summary_puts_the_government_class_beside_the_departmental(book: Any) -> None:
    sheet = book["支出经济分类汇总表"]
    assert line(sheet, HEADER_TOP)[:3] == ["部门预算经济分类", "政府预算经济分类", "总计"]
    assert len(leaves(sheet, 2)) == 18
    by_section = {(r[0], r[1]): r for r in body(sheet, 2)}
    assert by_section[("301", "01")][2:6] == ("基本工资", "505", "01", "工资福利支出")
    assert by_section[("303", "02")][2:6] == ("退休费", "509", "05", "离退休费")
    assert by_section[("310", "03")][2:6] == ("专用设备购置", "506", "01", "资本性支出（一）")
    # 委托业务费: 8.00 this year's 一般公共预算, 10.00 carried over, 6.00 事业收入
    row = by_section[("302", "27")]
    assert [d(v) for v in row[6:14]] == [d(x) for x in ("24", "8", "8", None, None, "10", None, "6")]


def test_basic_table_rows_are_sections_with_5_digit_codes(book: Any) -> None:
    found = body(book["一般公共预算基本支出预算表"], 2)
    assert found[0][:2] == (None, "合计")
    assert [d(v) for v in found[0][4:]] == [d("326.05"), d("295.63"), d("30.42")]
    codes = [r[0] for r in found[1:]]
    assert codes == sorted(codes)
    assert all(len(c) == 5 for c in codes)
    assert found[1][:4] == ("30101", "基本工资", "50501", "工资福利支出")


def test_balance_table_rows(book: Any) -> None:
    found = body(book["部门收支预算表"], 2)
    left = [r[0] for r in found if r[0]]
    assert left[:10] == [
        "一、一般公共预算",
        "其中：财政拨款",
        "二、政府性基金预算拨款收入",
        "三、国有资本经营预算拨款收入",
        "四、财政专户管理资金收入",
        "五、事业收入",
        "六、事业单位经营收入",
        "七、上级补助收入",
        "八、附属单位上缴收入",
        "九、其他收入",
    ]
    right = [r[2] for r in found]
    assert right[:3] == ["一、一般公共服务", "二、外交", "三、国防"]
    assert "十九、援助其他地区支出" in right
    assert "十八、" not in "".join(right)
    assert right[right.index("十七、金融支出") + 1] == "十九、援助其他地区支出"
    assert right[29] == "三十四、抗疫特别国债安排的支出"
    closing = [(r[0], r[2]) for r in found[-3:]]
    assert closing == [("本年收入合计", "本年支出合计"), ("上年结转结余", "年终结转结余"), ("收入总计", "支出总计")]
    amounts = {r[0]: d(r[1]) for r in found if r[0]}
    assert amounts["一、一般公共预算"] == d("421.05")
    assert amounts["其中：财政拨款"] == d("391.05")  # less the 30.00 notified in advance
    assert amounts["本年收入合计"] == amounts["一、一般公共预算"] + amounts["五、事业收入"] == d("427.05")
    assert amounts["收入总计"] == amounts["本年收入合计"] + amounts["上年结转结余"] == d("437.05")
    spent = {r[2]: d(r[3]) for r in found}
    classes = [v for k, v in spent.items() if k and "、" in k]
    assert sum(classes) == spent["本年支出合计"] == spent["支出总计"] == d("437.05")
    assert spent["十三、农林水事务"] == d("337.38")
    assert found[0][3] is None  # a zero is an empty cell


def test_fiscal_balance_table(book: Any) -> None:
    found = body(book["财政拨款收支预算表"], 3)
    right = [r[2] for r in found]
    assert right[:3] == ["一、本年支出", "（一）一般公共服务支出", "（二）外交支出"]
    assert "（十九）援助其他地区支出" in right
    assert right[-2] == "二、年终结转结余"
    assert (found[-1][0], found[-1][2]) == ("收入合计", "支出合计")
    first = found[0]
    assert first[0] == "一、本年收入"
    assert d(first[1]) == d("421.05")
    assert [d(v) for v in first[3:6]] == [d("431.05"), d("431.05"), d("391.05")]
    assert d(found[-1][1]) == d(found[-1][3]) == d("431.05")
    columns = [[d(r[c]) for r in found[1:-2]] for c in (3, 4, 5)]
    assert [sum(col) for col in columns] == [d(v) for v in first[3:6]]


def test_grid_totals_equal_their_rows(book: Any) -> None:
    for name in ("部门支出预算表", "一般公共预算支出预算表"):
        found = body(book[name], 3)
        total, department, items = found[0], found[1], found[2:]
        assert total[4] == "合计"
        assert department[3] == "341"
        assert department[4] == ORG
        for c in range(5, 14):
            assert d(total[c]) == d(department[c]) == sum(d(r[c]) for r in items), (name, c)
        for r in found:
            assert d(r[5]) == d(r[6]) + d(r[11])
            assert d(r[6]) == sum(d(r[c]) for c in (7, 8, 9, 10))
            assert d(r[11]) == d(r[12]) + d(r[13])
    found = body(book["部门支出预算表"], 3)
    assert [d(v) for v in found[0][5:]] == [d(x) for x in ("437.05", "326.05", "281.18", "14.45", "28.92", "1.50",
                                                            "111", "26", "85")]  # fmt: skip


def test_every_audited_total_equals_its_parts(tables: tuple[Table, ...]) -> None:
    checked = 0
    for table in tables:
        if table.number in (1, 2, 3, 4, 5, 6, 7, 8, 11):  # the tables with totals (9, 10 are empty here)
            assert any(part.totals for part in table.parts), table.title
        for part in table.parts:
            for total in part.totals:
                value = part.rows[total.cell[0]].values[total.cell[1]]
                parts = [part.rows[r].values[c] for r, c in total.parts]
                assert (value or Decimal(0)) == sum((v or Decimal(0) for v in parts), Decimal(0)), table.title  # type: ignore[operator]
                checked += 1
    assert checked > 190


def test_income_table_rows(book: Any) -> None:
    found = body(book["部门收入预算表"], 3)
    assert [r[:2] for r in found] == [(None, "合计"), ("341", ORG), ("341001", ORG)]
    for r in found:
        assert [d(v) for v in r[2:7]] == [d("437.05"), d("427.05"), d("421.05"), d("391.05"), d(None)]
        assert d(r[2]) == d(r[3]) + d(r[14])
        assert d(r[3]) == d(r[4]) + sum(d(v) for v in r[6:14])
        assert d(r[14]) == sum(d(v) for v in r[15:20]) == d("10")


def test_three_public_table_and_its_note(book: Any) -> None:
    found = body(book["三公经费预算表"], 2)
    assert [d(v) for v in found[0]] == [d(x) for x in ("4.40", None, "3.60", None, "3.60", "0.80")]
    assert found[1][0].startswith("注:按照党中央、国务院有关规定及部门预算管理有关规定,“三公”经费包括")
    assert "备注" not in found[1][0]


def test_empty_fund_tables_keep_an_empty_total_row_and_a_note(book: Any) -> None:
    for name, what in (
        ("政府性基金预算支出预算表", "政府性基金预算拨款"),
        ("国有资本经营预算支出预算表", "国有资本经营预算拨款"),
    ):
        found = body(book[name], 3)
        assert found[0][4] == "合计"
        assert all(v is None for v in found[0][5:])
        assert found[1][0] == f"备注：{ORG}2022年无{what}安排的支出，故此表无数据。"


def test_project_table(book: Any) -> None:
    found = body(book["项目支出预算表"], 2)
    assert found[0][0] == "合计"
    assert found[1][1:3] == ("341", ORG)
    projects = found[2:]
    assert [(r[0], r[1]) for r in projects] == [
        ("其他运转类", "水文站网运行维护"),
        ("其他运转类", "水文资料咨询服务"),
        ("特定目标类", "青岚湖水质自动监测站建设"),
        ("特定目标类", "水文监测能力提升"),
    ]
    assert all(r[2] == ORG for r in projects)
    assert not any(re.fullmatch(r"\d{21}", str(v)) for r in found for v in r)  # no project code column
    for r in found:
        assert d(r[3]) == sum(d(v) for v in r[4:12])
    for c in range(3, 12):
        assert d(found[0][c]) == sum(d(r[c]) for r in projects)
    assert [d(v) for v in found[0][3:12]] == [d(x) for x in ("111", "95", None, None, "10", None, None, None, "6")]


def test_unit_wide_form(book: Any) -> None:
    found = [r for r in book["整体绩效目标表"].iter_rows(min_row=HEADER_TOP - 1, values_only=True) if any(r)]
    labels = [r[0] for r in found if r[0]]
    assert labels[:4] == ["部门(单位)名称", "年度履职目标", "年度主要任务", "预算情况"]
    first = next(i for i, r in enumerate(found) if r[0] == "年度主要任务")
    assert found[first][1:3] == ("任务名称", "主要内容")
    assert [r[1] for r in found[first + 1 : first + 4]] == [
        "保障单位正常运转",
        "水文站网运行与服务",
        "水质监测能力建设",
    ]
    budget = {r[1]: d(r[2]) for r in found if r[1] and isinstance(r[2], (int, float))}
    assert budget["部门预算总额(万元)"] == d("437.05")
    assert budget["1、资金来源:(1)政府预算资金"] + budget["(3)单位资金"] == budget["部门预算总额(万元)"]
    assert budget["2、资金结构:(1)基本支出"] + budget["(2)项目支出"] == budget["部门预算总额(万元)"]
    head = next(r for r in found if r[0] == "一级指标")
    assert head == ("一级指标", "二级指标", "三级指标", "指标值", "指标值说明")  # no 权重, 度量单位, 指标性质
    assert ("投入管理指标", "预算和财务管理", "预算执行率", "≥95%", "预算执行率=实际支出数/预算数×100%") in found
    assert any(r[2] == "社会效益" and r[3] == "水文服务保障能力持续提升" for r in found)


def test_project_targets_form(book: Any) -> None:
    sheet = book["项目绩效目标表"]
    assert leaves(sheet, 3)[6:] == ["三级指标", "指标值"] * 4
    assert line(sheet, HEADER_TOP + 1)[:2] == ["资金总额", "政府预算资金"]
    assert line(sheet, HEADER_TOP + 1)[4:] == ["成本指标", "产出指标", "效益指标", "满意度指标"]
    found = body(sheet, 3)
    codes = [r[0] for r in found if r[0]]
    assert codes == [
        "341001",
        "410000221000000010001",
        "410000221000000010005",
        "410000222000000020003",
        "341001",
        "410000222000000020007",
    ]  # fmt: skip  (own-level block, then advance-notified)
    first = next(i for i, r in enumerate(found) if r[0] == "410000221000000010001")
    assert found[first][6:] == ("预算资金", "≤20万元", "维护水文测站数量", "≥14个", "水文数据连续完整", "完整连续",
                                "防汛部门满意度", "≥90%")  # fmt: skip
    assert found[first + 1][:8] == (None, None, None, None, None, None, None, None)
    top = HEADER_TOP + 3 + first  # the sheet row of the project's first line: code, name and amounts merge down 3 rows
    merged = {str(m) for m in sheet.merged_cells.ranges}
    assert {f"{c}{top}:{c}{top + 2}" for c in "ABCDEF"} <= merged
    assert found[first + 2][8:10] == ("故障修复时限", "≤48小时")
    totals = [i for i, r in enumerate(found) if r[1] == "合计"]
    assert [d(found[i][2]) for i in totals] == [d("81"), d("30")]
    assert sum(d(found[i][2]) for i in totals) == d("111")  # = 项目支出预算表's total
    advance = found[-1]
    assert advance[6:8] == ("上级资金", "≤30万元")
    for r in found:
        assert d(r[2]) == d(r[3]) + d(r[4]) + d(r[5])


# --- the PDF ------------------------------------------------------------------------------------------------


def test_cover_and_toc(text: str) -> None:
    assert text.startswith(f"2022年{ORG}部门预算说明目录第一部分{ORG}概况一、主要职责二、部门所属预算单位构成情况")
    entries = "".join(
        f"{n}、{t}"
        for n, t in zip(
            ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三"],
            TOC_TABLES,
            strict=True,
        )
    )
    assert f"第三部分名词解释附件：2022年{ORG}部门预算表{entries}" in text


def test_part_one(text: str) -> None:
    assert "1.负责青岚湖流域水文站网的规划、建设和运行管理。2.承担湖区" in text
    assert f"{ORG}部门预算包括机关本级预算。" in text
    assert f"{ORG}机关本级预算包括：办公室、站网管理科、水质监测科和水情预报科的预算。" in text
    assert f"{ORG}无所属预算单位。" in text


SENTENCES = [
    f"{ORG}2022年收入总计437.05万元，支出总计437.05万元，与2021年预算相比，收支各增加26.85万元，增长6.55%。"
    "主要原因：新建青岚湖水质自动监测站，项目支出增加。",
    f"{ORG}2022年收入合计437.05万元，其中：一般公共预算421.05万元，事业收入6.00万元，上年结转结余10.00万元。",
    f"{ORG}2022年支出合计437.05万元，其中：基本支出326.05万元，占74.60%；项目支出111.00万元，占25.40%。",
    f"{ORG}2022年一般公共预算收支预算431.05万元。与2021年相比，一般公共预算收支预算增加26.85万元，增长6.64%，"
    "主要原因：新建青岚湖水质自动监测站和上级提前下达水文监测能力提升资金。",
    f"{ORG}2022年一般公共预算支出年初预算为431.05万元。其中：基本支出326.05万元，占75.64%；项目支出105.00万元，占24.36%。",
    f"{ORG}2022年一般公共预算基本支出年初预算为326.05万元。其中：人员经费支出295.63万元，占90.67%；"
    "公用经费支出30.42万元，占9.33%。",
    f"{ORG}2022年“三公”经费支出预算为4.40万元。2022年“三公”经费支出预算数比2021年减少0.40万元。",
    "（一）因公出国（境）费0万元，主要用于单位工作人员公务出国（境）的住宿费、旅费、伙食补助费、杂费、培训费等支出。"
    "预算数与2021年保持一致。",
    "（二）公务接待费0.80万元，主要用于按规定开支的各类公务接待（含外宾接待）支出。预算数与2021年保持一致。",
    "（三）公务用车购置及运行费3.60万元，其中：公务用车购置费0万元；公务用车运行维护费3.60万元，",
    "公务用车购置费预算数与2021年保持一致。公务用车运行维护费预算数比2021年减少0.40万元，主要原因是严控公务用车使用，压减运行维护费。",
    f"{ORG}2022年无政府性基金预算拨款安排的支出。",
    f"{ORG}2022年无国有资本经营预算拨款安排的支出。",
    f"{ORG}2022年机构运行经费支出预算30.42万元，主要保障机构正常运转及正常履职需要所需支出，"
    "包含办公费、水电费、差旅费、维修（护）费、公务用车运行维护费等。与2021年预算相比，机构运行经费支出减少0.78万元，"
    "下降2.50%。主要原因：压减日常公用经费，公务用车运行维护费减少。",
    "2022年政府采购预算安排87.00万元，其中：政府采购货物预算75.00万元、政府采购工程预算0万元、政府采购服务预算12.00万元。",
    f"{ORG}2022年预算项目均按要求编制了绩效目标，从项目产出、项目效益、满意度等方面设置了绩效指标，",
    f"2021年期末，{ORG}共有车辆3辆，其中：一般公务用车1辆、一般执法执勤用车0辆、特种专业技术用车2辆，其他用车0辆；"
    "单位价值50万元以上通用设备1套，单位价值100万元以上专用设备2套。",
    f"{ORG}2022年无负责管理的专项转移支付项目。",
]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_part_two_sentences(text: str, sentence: str) -> None:
    assert sentence in text


def test_part_two_has_ten_sections_and_part_three_eight_terms(text: str) -> None:
    headings = [
        "一、收入支出预算总体情况说明",
        "二、收入预算总体情况说明",
        "三、支出预算总体情况说明",
        "四、财政拨款收入支出预算总体情况说明",
        "五、一般公共预算支出预算情况说明",
        "六、一般公共预算基本支出预算情况说明",
        "七、一般公共预算“三公”经费支出预算情况说明",
        "八、政府性基金支出预算情况说明",
        "九、国有资本经营预算支出预算情况说明",
        "十、其他重要事项情况说明",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    terms = ["财政拨款收入", "事业收入", "其他收入", "用事业基金弥补收支差额", "基本支出", "项目支出", "“三公”经费",
             "行政（事业）单位机构运行经费"]  # fmt: skip
    part3 = text[text.index("第三部分名词解释", text.index("第二部分2022年")) :]
    for n, term in zip(["一", "二", "三", "四", "五", "六", "七", "八"], terms, strict=True):
        assert f"{n}、{term}：是指" in part3


def test_figures_of_the_tables_are_in_the_pdf(text: str) -> None:
    for figure in ("437.05", "427.05", "391.05", "326.05", "295.63", "410000222000000020003", "≤55万元"):
        assert figure in text
    assert "【待填写" not in text
    assert "附表" not in text


# --- the profile's rules and settings --------------------------------------------------------------------------


def test_renders_without_draft_and_check_is_clean() -> None:
    result = run("check", EXAMPLE, "--profile", PROFILE)
    assert result.exit_code == 0, result.output


def test_running_cost_is_reported_for_public_institutions() -> None:
    assert "事业" in load_profile(PROFILE).running_cost.unit_kinds


def test_a_class_missing_from_the_fixed_list_gets_its_code_number_and_catalog_name() -> None:
    ledger = load_ledger(EXAMPLE, PROFILE)
    unit = ledger.budget.units[0]
    moved = unit.model_copy(update={"main_function": "2250201"})  # 225 is not in the Henan list of 类
    budget = ledger.budget.model_copy(update={"units": [moved]})
    other = build_ledger(budget, ledger.catalog, ledger.settings)
    table = build_tables(other, PROFILE)[0]
    labels = [r.values[2] for r in table.parts[0].rows]
    assert f"二十五、{ledger.catalog.function_name('225')}" in labels
    assert (
        labels.index(f"二十五、{ledger.catalog.function_name('225')}") == labels.index("二十四、灾害防治及应急管理") + 1
    )


def paragraphs(ledger: Any) -> str:
    """Every paragraph of the text of a ledger under the profile, joined."""
    from budgetgen.package.text import render_text

    found: list[str] = []

    def walk(section: Any) -> None:
        found.extend(p.text for p in section.paragraphs)
        for child in section.children:
            walk(child)

    for part in render_text(ledger, PROFILE):
        walk(part)
    return "".join(found)


def test_a_change_on_a_zero_base_prints_no_rate() -> None:
    ledger = load_ledger(EXAMPLE, PROFILE)
    unit = ledger.budget.units[0]
    moved = unit.model_copy(update={"last_year": unit.last_year.model_copy(update={"running_cost": Decimal(0)})})
    other = build_ledger(ledger.budget.model_copy(update={"units": [moved]}), ledger.catalog, ledger.settings)
    text = paragraphs(other)
    assert "与2021年预算相比，机构运行经费支出增加30.42万元。主要原因：" in text
    assert "机构运行经费支出减少0.78万元，下降2.50%" in paragraphs(ledger)


def test_government_fund_money_gets_its_own_clause_rate_and_reason() -> None:
    ledger = load_ledger(EXAMPLE, PROFILE)
    unit = ledger.budget.units[0]
    project = unit.projects[0]
    line = project.lines[0].model_copy(update={"source": FundSource.GOVERNMENT_FUND})
    projects = [project.model_copy(update={"lines": [line, *project.lines[1:]]}), *unit.projects[1:]]
    last_year = unit.last_year.model_copy(update={"government_fund": Decimal(100000)})
    texts = unit.texts.model_copy(update={"government_fund_change_reason": "基金项目调整"})
    moved = unit.model_copy(update={"projects": projects, "last_year": last_year, "texts": texts})
    other = build_ledger(ledger.budget.model_copy(update={"units": [moved]}), ledger.catalog, ledger.settings)
    text = paragraphs(other)
    assert "一般公共预算收支预算419.05万元，政府性基金收支预算12.00万元。" in text
    assert "；政府性基金收支预算增加2.00万元，增长20.00%，主要原因：基金项目调整。" in text
    assert "政府性基金预算支出年初预算为12.00万元。其中：基本支出0万元，占0%；项目支出12.00万元，占100.00%。" in text


def test_government_fund_money_fills_table_nine_and_the_project_tables() -> None:
    ledger = load_ledger(EXAMPLE, PROFILE)
    unit = ledger.budget.units[0]
    project = unit.projects[0]
    line = project.lines[0].model_copy(update={"source": FundSource.GOVERNMENT_FUND})
    projects = [project.model_copy(update={"lines": [line, *project.lines[1:]]}), *unit.projects[1:]]
    other = build_ledger(
        ledger.budget.model_copy(update={"units": [unit.model_copy(update={"projects": projects})]}),
        ledger.catalog,
        ledger.settings,
    )
    tables = {t.number: t for t in build_tables(other, PROFILE)}
    nine = tables[9].parts[0].rows
    assert [r.values[4] for r in nine] == ["合计", ORG, "水文测报"]
    twelve = Decimal("12.00")
    assert nine[0].values[5:] == (twelve, None, None, None, None, None, twelve, twelve, None)
    assert tables[9].note == ""
    eleven = {r.values[1]: r.values for r in tables[11].parts[0].rows}
    assert eleven["水文站网运行维护"][3:6] == (Decimal("20.00"), Decimal("8.00"), Decimal("12.00"))
    four = tables[4].parts[0].rows
    spent = ("一、本年支出", Decimal("431.05"), Decimal("419.05"), Decimal("379.05"), Decimal("12.00"), None)
    assert four[0].values[2:] == spent


# --- the Excel input workbook --------------------------------------------------------------------------------


def test_workbook_errors_in_the_new_sheet_and_columns_are_located(tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    with mock.patch.object(template_module, "INPUT_ROWS", 1):  # data rows only: the empty input rows are slow
        assert run("template", source, "--from", EXAMPLE).exit_code == 0
    book = load_workbook(source)
    tasks = book["年度主要任务"]
    assert [c.value for c in tasks[1]] == ["单位代码*", "任务名称*", "主要内容*"]
    assert tasks["B2"].value == "保障单位正常运转"
    tasks["B2"] = None
    units = book["单位"]
    column = [c.value for c in units[1]].index("一般公务用车数") + 1
    units.cell(2, column).value = "很多"
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    result = run("import", bad, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 2
    assert "年度主要任务!B2" in result.stderr
    assert "任务名称" in result.stderr
    assert f"单位!{units.cell(2, column).coordinate}" in result.stderr
    assert not (tmp_path / "out.yaml").exists()


# --- generic machinery the profile brought --------------------------------------------------------------------


def test_a_group_without_a_subtotal_adds_its_leaves_and_a_gap_is_a_spec_error() -> None:
    from budgetgen.package.spec import load_tables_spec
    from budgetgen.package.tables import SpecError, horizontal_totals

    spec = next(t for t in load_tables_spec(PROFILE).tables if t.number == 3)
    amounts = [(i, c) for i, c in enumerate(spec.columns) if c.measure is not None]
    paths = {i: "/".join(c.path) for i, c in amounts}
    relations = {paths[t]: [paths[m] for m in members] for t, members in horizontal_totals(amounts, spec.scope, 3)}
    assert relations["基本支出/小计"] == [
        "基本支出/人员经费/工资福利支出",
        "基本支出/人员经费/对个人和家庭的补助",
        "基本支出/公用经费/商品和服务支出",
        "基本支出/公用经费/资本性支出",
    ]
    assert relations["合计"] == ["基本支出/小计", "项目支出/小计"]
    gap = [(i, c) for i, c in amounts if c.path[-1] != "特定目标类"]
    with pytest.raises(SpecError, match="项目支出/小计"):
        horizontal_totals(gap, spec.scope, 3)


def test_same_input_gives_the_same_bytes(out: Path, tmp_path: Path) -> None:
    assert run("render", EXAMPLE, "-o", tmp_path, "--profile", PROFILE, "--xlsx").exit_code == 0
    assert (tmp_path / f"{STEM}.xlsx").read_bytes() == (out / f"{STEM}.xlsx").read_bytes()
