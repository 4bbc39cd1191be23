"""The Hebei county package (profile hebei-2020) of examples/laiyuan-2020, against reference 004.

Every figure of the spec's "Figures for tests" is read back from the xlsx cells and found in the PDF
text; the "Known flaws" of the published package are checked to be absent.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.conftest import ENGINE, EXAMPLES, libreoffice_csv, pdf_pages, rendered, run

LAIYUAN = EXAMPLES / "laiyuan-2020"
STEM = "323002-2020-预算公开"
H_SHEETS = [
    "收支总表",
    "收入总表",
    "支出总表",
    "财政拨款收支总表",
    "一般公共预算支出表",
    "一般公共预算基本支出表",
    "政府性基金预算支出表",
    "国有资本经营预算支出表",
    "三公经费支出表",
]
HEADER_TOP = 4  # title block: (no 附表 number), title, 部门编码及名称 / 预算年度 / 金额单位


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered(tmp_path_factory, "hebei", LAIYUAN, "--profile", "hebei-2020", "--xlsx", "--pdf", "--html")


@pytest.fixture(scope="module")
def book(out: Path) -> Any:
    return load_workbook(out / f"{STEM}.xlsx")


@pytest.fixture(scope="module")
def text(out: Path) -> str:
    """The PDF's text with line breaks and spaces removed, so sentences can be matched whole."""
    return "".join(pdf_pages(out / f"{STEM}.pdf"))


def body(sheet: Worksheet) -> list[tuple[Any, ...]]:
    """The body rows of a table sheet: after the 栏次 row, up to the first empty row."""
    rows = list(sheet.iter_rows(min_row=HEADER_TOP, values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "栏次") + 1
    result = []
    for row in rows[start:]:
        if not isinstance(row[0], int):  # an empty row, or the note below the table
            break
        result.append(row)
    return result


def by_code(sheet: Worksheet) -> dict[str, tuple[Any, ...]]:
    """Rows of a 科目 table keyed by their code (column B), the 合计 row under ''."""
    return {("" if r[1] is None else str(r[1])): r for r in body(sheet)}


def d(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def amounts(row: tuple[Any, ...], first: int) -> list[Decimal | None]:
    return [d(v) for v in row[first:]]


# --- the workbook ------------------------------------------------------------------------------------------


def test_sheets_are_the_nine_tables_then_the_text_tables(book: Any) -> None:
    names = book.sheetnames
    assert names[0] == "目录"
    assert names[1:10] == H_SHEETS
    assert {"机构设置", "三公经费增减", "政府采购预算表", "固定资产占用情况表"} <= set(names)
    assert [n for n in names if n.startswith("绩效目标表")] == [f"绩效目标表{i}" for i in range(1, 7)]


def test_title_block_has_department_year_and_unit(book: Any) -> None:
    for name in H_SHEETS:
        sheet = book[name]
        line = [v for v in next(sheet.iter_rows(min_row=3, max_row=3, values_only=True)) if v]
        assert line == ["部门编码及名称：[323]社保局", "预算年度：2020", "金额单位：万元"], name
        assert sheet["A1"].value is None  # no 附表 number in this layout


def test_row_counts_and_column_numbers(book: Any) -> None:
    expected_rows = {"收支总表": 33, "收入总表": 19, "支出总表": 19, "财政拨款收支总表": 32,
                     "一般公共预算支出表": 19, "一般公共预算基本支出表": 24, "三公经费支出表": 8}  # fmt: skip
    columns = {
        "收支总表": 4,
        "收入总表": 10,
        "支出总表": 8,
        "财政拨款收支总表": 7,
        "一般公共预算支出表": 5,
        "一般公共预算基本支出表": 5,
        "政府性基金预算支出表": 5,
        "国有资本经营预算支出表": 5,
        "三公经费支出表": 6,
    }
    for name in H_SHEETS:
        sheet = book[name]
        rows = body(sheet)
        if name in expected_rows:
            assert len(rows) == expected_rows[name], name
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1)), name  # 序号 1, 2, 3 … on every row
        numbers = next(r for r in sheet.iter_rows(min_row=HEADER_TOP, values_only=True) if r[0] == "栏次")
        assert list(numbers[1:]) == [str(i) for i in range(1, columns[name] + 1)], name


def test_h1_income_and_expenditure(book: Any) -> None:
    rows = body(book["收支总表"])
    left = {r[1]: d(r[2]) for r in rows if r[1]}
    right = {r[3]: d(r[4]) for r in rows if r[3]}
    total = Decimal("907.47")
    assert left["一、财政拨款收入"] == total
    assert left["本年收入合计"] == total
    assert right["本年支出合计"] == total
    assert left["合计"] == total
    assert right["合计"] == total
    assert right["八、社会保障和就业支出"] == Decimal("899.38")
    assert right["二十、住房保障支出"] == Decimal("8.09")
    assert right["五、教育支出"] == Decimal("0.00")  # every zero 类 prints 0.00 (004 left one blank)
    assert len([r for r in rows if r[3]]) == 33
    assert "二、上级补助收入" in left
    assert "二、上级拨款收入" not in left
    assert [r[3] for r in rows[29:33]] == ["本年支出合计", "结余分配", "年末结转和结余", "合计"]


def test_h2_income_by_subject(book: Any) -> None:
    rows = by_code(book["收入总表"])
    assert amounts(rows[""], 3)[:2] == [Decimal("907.47")] * 2
    assert amounts(rows["208"], 3)[:2] == [Decimal("899.38")] * 2
    # a zero 科目 row: blank total and 财政拨款, 0.00 in the six other columns
    assert amounts(rows["2059999"], 3) == [None, None] + [Decimal("0.00")] * 6
    codes = "205 20599 2059999 208 20801 2080107 2080109 20805 2080505 2080506 2080599 20826 2082601 20899 2089901"
    assert list(rows) == ["", *codes.split(), "221", "22102", "2210201"]


def test_h3_expenditure_by_subject(book: Any) -> None:
    rows = by_code(book["支出总表"])
    z = Decimal("0.00")
    assert amounts(rows[""], 3) == [Decimal("907.47"), Decimal("851.66"), Decimal("55.81"), z, z, z]
    assert amounts(rows["208"], 3)[:3] == [Decimal("899.38"), Decimal("843.57"), Decimal("55.81")]
    assert amounts(rows["20801"], 3)[:3] == [Decimal("845.79"), Decimal("819.29"), Decimal("26.50")]
    assert amounts(rows["2080107"], 3)[:3] == [Decimal("16.50"), None, Decimal("16.50")]
    assert amounts(rows["2080109"], 3)[:3] == [Decimal("829.29"), Decimal("819.29"), Decimal("10.00")]
    assert amounts(rows["20805"], 3)[:3] == [Decimal("24.28"), Decimal("24.28"), None]
    assert amounts(rows["2080505"], 3)[:3] == [Decimal("16.19"), Decimal("16.19"), None]
    assert amounts(rows["2080506"], 3)[:3] == [Decimal("8.09"), Decimal("8.09"), None]
    assert amounts(rows["2089901"], 3)[:3] == [Decimal("29.31"), None, Decimal("29.31")]
    assert amounts(rows["2059999"], 3) == [z, None, None, z, z, z]  # total printed, split blank
    for code in ("221", "22102", "2210201"):
        assert amounts(rows[code], 3)[:3] == [Decimal("8.09"), Decimal("8.09"), None]


def test_h4_fiscal_balance(book: Any) -> None:
    rows = body(book["财政拨款收支总表"])
    assert len(rows) == 32
    assert d(rows[0][2]) == Decimal("907.47")
    social = next(r for r in rows if r[3] == "八、社会保障和就业支出")
    assert amounts(social, 4) == [Decimal("899.38"), Decimal("899.38"), Decimal("0.00"), Decimal("0.00")]
    assert [r[1] for r in rows[29:32]] == ["本年收入合计", "年初财政拨款结转和结余", "合计"]
    assert [r[3] for r in rows[29:32]] == ["本年支出合计", "年末财政拨款结转和结余", "合计"]


def test_h5_general_public_budget(book: Any) -> None:
    rows = by_code(book["一般公共预算支出表"])
    assert amounts(rows[""], 3) == [Decimal("907.47"), Decimal("851.66"), Decimal("55.81")]
    assert amounts(rows["2080109"], 3) == [Decimal("829.29"), Decimal("819.29"), Decimal("10.00")]


def test_h6_basic_expenditure_by_economic_class(book: Any) -> None:
    rows = by_code(book["一般公共预算基本支出表"])
    assert amounts(rows[""], 3) == [Decimal("851.66"), Decimal("837.60"), Decimal("14.06")]
    assert amounts(rows["301"], 3) == [Decimal("154.75"), Decimal("154.75"), None]
    assert d(rows["30101"][3]) == Decimal("59.20")
    assert d(rows["30199"][3]) == Decimal("7.51")
    assert len([c for c in rows if c.startswith("301") and len(c) == 5]) == 10
    assert amounts(rows["302"], 3) == [Decimal("14.06"), None, Decimal("14.06")]
    expected_302 = {"30201": "2.86", "30206": "1.90", "30207": "0.90", "30208": "0.00", "30211": "3.80",
                    "30217": "1.60", "30231": "3.00"}  # fmt: skip
    for code, value in expected_302.items():
        assert d(rows[code][3]) == Decimal(value), code
    assert amounts(rows["30208"], 3) == [Decimal("0.00"), None, None]  # zero 款: 0.00, blank split
    assert amounts(rows["303"], 3) == [Decimal("682.85"), Decimal("682.85"), None]
    assert d(rows["30301"][3]) == Decimal("24.24")
    assert d(rows["30302"][3]) == Decimal("658.61")
    assert d(rows["30108"][3]) == Decimal("16.19")
    assert d(rows["30109"][3]) == Decimal("8.09")
    assert d(rows["30113"][3]) == Decimal("8.09")


def test_h7_h8_empty_tables_keep_a_total_row_and_a_note(book: Any) -> None:
    for name, note in (("政府性基金预算支出表", "注：我单位无政府性基金预算，空表列示。"),
                       ("国有资本经营预算支出表", "注：我单位无国有资本经营预算，空表列示。")):  # fmt: skip
        rows = body(book[name])
        assert rows[0][:3] == (1, None, "合计")
        assert amounts(rows[0], 3) == [Decimal("0.00")] * 3
        values = [v for r in book[name].iter_rows(values_only=True) for v in r if isinstance(v, str)]
        assert note in values
        assert "政府基金预算" not in "".join(values)


def test_h9_three_public(book: Any) -> None:
    rows = body(book["三公经费支出表"])
    assert [r[1].strip("\u3000") for r in rows] == [
        "“三公”经费小计", "一、因公出国（境）费", "其中：教学科研人员因公出国（境）费", "其他因公出国（境）费",
        "二、公务用车购置及运维费", "其中：公务用车购置费", "公务用车运行维护费", "三、公务接待费",
    ]  # fmt: skip
    z = Decimal("0.00")
    assert amounts(rows[0], 2) == [Decimal("4.60"), Decimal("4.60"), z, z, z]
    for index in (1, 2, 3, 5):  # zero rows are blank in every column (004 row 2 had a stray 0.00)
        assert amounts(rows[index], 2) == [None] * 5
    assert amounts(rows[4], 2) == [Decimal("3.00"), Decimal("3.00"), z, z, z]
    assert amounts(rows[6], 2) == [Decimal("3.00"), Decimal("3.00"), z, z, z]
    assert amounts(rows[7], 2) == [Decimal("1.60"), Decimal("1.60"), z, z, z]


def test_t2_three_public_against_last_year(book: Any) -> None:
    sheet = book["三公经费增减"]
    rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]]
    assert [r[0] for r in rows] == ["因公出国经费", "公务用车购置经费", "公务用车运行经费", "公务接待费支出", "合计"]
    assert [d(v) for v in rows[2][1:4]] == [Decimal("3.00"), Decimal("3.00"), Decimal("0.00")]
    assert [d(v) for v in rows[4][1:4]] == [Decimal("4.60"), Decimal("4.60"), Decimal("0.00")]
    assert [r[4] for r in rows] == ["无增减变化"] * 5
    headers = next(sheet.iter_rows(min_row=4, max_row=4, values_only=True))
    assert headers[:3] == ("项目名称", "2019年度预算", "2020年度预算")


def test_t3_project_forms(book: Any) -> None:
    budgets = []
    for i in range(1, 7):
        sheet = book[f"绩效目标表{i}"]
        assert re.fullmatch(rf"{i}、.+绩效目标表", sheet["A2"].value)
        assert not re.search(r"\d万", sheet["A2"].value)  # no amount inside the project name
        assert sheet["A3"].value == "323002涞源县社会保险事业管理局"
        assert sheet["A4"].value == "项目编码"
        assert sheet["D4"].value == "项目名称"
        assert sheet["A5"].value == "预算规模及资金用途"
        budgets.append(d(sheet["C5"].value))
        assert d(sheet["C5"].value) == d(sheet["E5"].value)  # all 财政资金
        assert sheet["G5"].value is None  # 其他资金 blank when zero
        labels = [sheet.cell(10, c).value for c in range(1, 8)]
        assert labels == ["一级指标", "二级指标", "三级指标", "绩效指标描述", None, "指标值", "指标值确定依据"]
        level1 = {sheet.cell(r, 1).value for r in range(11, sheet.max_row + 1)} - {None}
        assert level1 <= {"产出指标", "效果指标", "满意度指标"}
    assert budgets == [Decimal(v) for v in ("29.31", "2.50", "10.00", "2.00", "10.00", "2.00")]
    assert sum(budgets, Decimal(0)) == Decimal("55.81")
    first = book["绩效目标表1"]
    assert [d(first.cell(8, c).value) for c in (2, 4, 5, 7)] == [Decimal(v) for v in ("25", "50", "75", "100")]
    second = book["绩效目标表2"]
    assert [second.cell(8, c).value for c in (2, 4, 5, 7)] == [None] * 4  # no plan given: blank


def test_t4_procurement_has_only_the_total_row(book: Any) -> None:
    sheet = book["政府采购预算表"]
    rows = [r for r in sheet.iter_rows(min_row=7, values_only=True) if any(v is not None for v in r)]
    assert len(rows) == 1
    assert rows[0][0] == "合　计"
    assert [d(v) for v in rows[0][7:]] == [Decimal("0.00")] * 7
    line = [v for v in next(sheet.iter_rows(min_row=3, max_row=3, values_only=True)) if v]
    assert line == ["[323]社保局", "单位：万元"]


def test_t5_fixed_assets(book: Any) -> None:
    sheet = book["固定资产占用情况表"]
    rows = {str(r[0]).strip("\u3000"): r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]}
    assert d(rows["固定资产总额"][2]) == Decimal("215.11")
    assert rows["1、房屋（平方米）"][1] == 1426
    assert d(rows["1、房屋（平方米）"][2]) == Decimal("103.89")
    assert rows["其中：办公用房（平方米）"][1] == 1134
    assert d(rows["其中：办公用房（平方米）"][2]) == Decimal("63.89")
    assert rows["2、车辆（台、辆）"][1] == 1
    assert d(rows["2、车辆（台、辆）"][2]) == Decimal("18.79")
    assert d(rows["3、单价在20万元以上的设备"][2]) == Decimal("0.00")
    assert d(rows["4、其他固定资产"][2]) == Decimal("92.43")
    assert [v for v in next(sheet.iter_rows(min_row=3, max_row=3, values_only=True)) if v] == [
        "截止时间：2019年12月31日"
    ]


# --- the PDF -------------------------------------------------------------------------------------------------


def test_pdf_text_sentences(text: str) -> None:
    sentences = [
        "涞源县社会保险事业管理局2020年部门预算信息公开",
        "年初部门收入预算总额为907.47万元。其中：一般公共预算收入907.47万元。",
        "部门支出安排预算总额907.47万元。其中基本支出851.66万元，包括人员经费支出837.6万元和公用经费支出14.06万元；"
        "项目支出55.81万元，包括本级支出55.81万元。",
        "本年度预算收支安排907.47万元，较上年减少1762.63万元。",
        "运行经费安排14.06万元，其中办公费2.86万元、电费1.9万元、邮电费0.9万元、差旅费3.8万元、公务接待费1.6万元、"
        "公务用车运行维护费3万元。",
        "2020年，涞源县社会保险事业管理局安排采购预算0万元。",
        "涞源县社会保险事业管理局2019年末固定资产总金额215.11万元（详见下表）。2020年无拟购置固定资产。",
        "无其他需说明的事项。",
        "1、财政拨款收入：指县级财政当年拨付的资金。",
        "7、公务费：包括办公费、水电费、邮电费、取暖费、交通费、一般会议费和物业管理费之和。",
    ]
    for sentence in sentences:
        assert sentence in text, sentence
    for n, title in enumerate(["部门职责及机构设置情况", "部门预算安排的总体情况", "运行经费安排情况",
                               "财政拨款“三公”经费预算情况", "预算绩效信息", "政府采购预算情况", "国有资产信息说明",
                               "名词解释", "其他需说明的事项"], start=1):  # fmt: skip
        assert f"第{'一二三四五六七八九'[n - 1]}部分{title}" in text, title


def test_pdf_shows_the_figures(text: str) -> None:
    for figure in ("907.47", "899.38", "843.57", "851.66", "55.81", "845.79", "819.29", "829.29", "24.28", "16.19",
                   "29.31", "837.60", "154.75", "682.85", "658.61", "24.24", "4.60", "215.11", "103.89", "92.43",
                   "25.00", "50.00", "75.00", "100.00", "1426", "1134"):  # fmt: skip
        assert figure in text, figure
    assert "注：我单位无政府性基金预算，空表列示。" in text
    assert "注：我单位无国有资本经营预算，空表列示。" in text
    assert text.count("无增减变化") == 5


def test_none_of_the_published_flaws(text: str) -> None:
    flaws = [
        "预算年度：2019",  # H5 labelled with the wrong year
        "政府基金预算",  # for 政府性基金预算
        "上级拨款收入",  # one label per source
        "第一部分:",  # half-width colon, mixed numbering
        "二、部门预算安排的总体情况",
        "TC",
        "\\fC",  # Word field codes
        "涞源县社会保障事业管理局",  # misnamed unit
        "[101]",
        "2020无拟购置",
        "公用经费支出14.06；",  # 万元 missing
        "、用车维护费",  # not the 科目 name
        "我市",
        "29.31万元绩效目标表",
        "2.5万绩效目标表",
        "收支预算总表支出栏、基本支出表、项目支出表",  # tables that do not exist
    ]
    for flaw in flaws:
        assert flaw not in text, flaw
    assert "年末财政拨款结转和结余" in text
    assert "年初财政拨款结转和结余" in text


def test_pdf_is_deterministic_and_bookmarked(out: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    again = run("render", LAIYUAN, "-o", tmp_path, "--profile", "hebei-2020", "--pdf", "--xlsx", "--engine", ENGINE)
    assert again.exit_code == 0, again.output
    for suffix in (".pdf", ".xlsx"):
        assert (tmp_path / f"{STEM}{suffix}").read_bytes() == (out / f"{STEM}{suffix}").read_bytes()
    titles = [item.title for item in PdfReader(out / f"{STEM}.pdf").outline if not isinstance(item, list)]
    assert titles[:9] == ["部门预算收支总表", "部门预算收入总表", "部门预算支出总表", "部门预算财政拨款收支总表",
                          "部门预算一般公共预算财政拨款支出表", "部门预算一般公共预算财政拨款基本支出表",
                          "部门预算政府性基金预算财政拨款支出表", "部门预算国有资本经营预算财政拨款支出表",
                          "部门预算财政拨款“三公”经费支出表"]  # fmt: skip


def test_check_is_clean_under_the_profile() -> None:
    result = run("check", LAIYUAN, "--profile", "hebei-2020", "--strict")
    assert result.exit_code == 0, result.output


def test_libreoffice_opens_the_workbook(out: Path, tmp_path: Path) -> None:
    sheets = libreoffice_csv(out / f"{STEM}.xlsx", tmp_path)
    assert "907.47" in sheets["收支总表"]
    assert "215.11" in sheets["固定资产占用情况表"]
    assert "29.31" in sheets["绩效目标表1"]
