"""The PDF (and HTML) package, read back with poppler's pdftotext/pdffonts and pypdf.

Each input is rendered once for the module (a PDF render takes several seconds). The worked example must
print the figures of reference 001 in its explanatory text; both examples must print text figures that
agree with their own workbook, a 目录 whose page numbers point at the right pages, bookmarks, embedded
subset CJK fonts, A4 pages, and the same bytes for the same input. Text from the input is never markup.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from budgetgen.profiles import templates_root
from budgetgen.render.pdf import _fetcher_class

from .conftest import DEMO, GUANGYUAN, ROOT, run

PROFILE = "sichuan-2025"
# The PDF engine these tests render with: BUDGETGEN_TEST_ENGINE=typst runs them all against Typst.
ENGINE = ("--engine", os.environ.get("BUDGETGEN_TEST_ENGINE", "weasyprint"))
CENT = Decimal("0.01")
HUNDRED = Decimal("100.00")
A4 = (Decimal("595.28"), Decimal("841.89"))  # points, portrait
PARTS = ("第一部分", "第二部分", "第三部分", "第四部分")
ORDINALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三")
TABLE_TITLES = (
    "部门收支总表",
    "部门收入总表",
    "部门支出总表",
    "财政拨款收支预算总表",
    "财政拨款支出预算表（部门经济分类科目）",
    "一般公共预算支出预算表",
    "一般公共预算基本支出预算表",
    "一般公共预算项目支出预算表",
    "一般公共预算“三公”经费支出预算表",
    "政府性基金预算支出预算表",
    "政府性基金预算“三公”经费支出预算表",
    "国有资本经营预算支出预算表",
    "部门预算项目支出绩效目标表（2025 年度）",
)
# The 目录 lists table 13 without its year.
TOC_TABLE_TITLES = (*TABLE_TITLES[:-1], "部门预算项目支出绩效目标表")
# 功能分类 类 codes used by the two examples, and the names the tables and the text give them.
CLASS_NAMES = {
    "208": "社会保障和就业支出",
    "210": "卫生健康支出",
    "221": "住房保障支出",
    "223": "国有资本经营预算支出",
    "229": "其他支出",
}
UNSAFE_IMG = '<img src="file:///etc/passwd">'
UNSAFE_SCRIPT = "<script>alert(1)</script>"
UNSAFE_JINJA = "{{ 7*7 }}"


# --- helpers ------------------------------------------------------------------------------------------


def squeeze(text: str) -> str:
    """Text with every whitespace removed: line breaks and layout spaces between CJK characters vanish."""
    return re.sub(r"\s+", "", text)


def wan(text: str) -> Decimal:
    """A printed 万元 amount ("1,183.38") as a Decimal."""
    return Decimal(text.replace(",", ""))


def cell(value: Any) -> Decimal:
    """A workbook amount cell as a Decimal in 万元 (an empty cell is zero)."""
    return Decimal(0).quantize(CENT) if value is None else Decimal(str(value)).quantize(CENT)


def pdftotext(pdf: Path, *args: str) -> str:
    result = subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def page_count(pdf: Path) -> int:
    return len(PdfReader(pdf).pages)


FOOTER = re.compile(r"^\s*第\s*\d+\s*页\s*$", re.MULTILINE)


@dataclass
class Package:
    """One rendered package: its files and its text, page by page."""

    folder: Path
    pdf: Path
    xlsx: Path | None
    html: Path | None
    pages: list[str] = field(default_factory=list)  # pdftotext -f N -l N, index 0 is page 1
    layout_pages: list[str] = field(default_factory=list)  # the same with -layout

    @property
    def toc_index(self) -> int:
        """Index (0-based) of the 目录 page."""
        return next(i for i, page in enumerate(self.pages) if "目录" in squeeze(page))

    @property
    def body(self) -> str:
        """The squeezed text of every page after the 目录, page footers dropped."""
        return "".join(squeeze(FOOTER.sub("", page)) for page in self.pages[self.toc_index + 1 :])


def render(source: Path, out: Path, *flags: str) -> Package:
    """Render ``source`` into ``out`` with the CLI and read back the PDF page by page."""
    result = run("render", source, "-o", out, *ENGINE, *flags)
    assert result.exit_code == 0, result.output
    pdfs = list(out.glob("*.pdf"))
    assert len(pdfs) == 1, pdfs
    pdf = pdfs[0]
    xlsx = next(iter(out.glob("*.xlsx")), None)
    html = next(iter(out.glob("*.html")), None)
    count = page_count(pdf)
    pages = [pdftotext(pdf, "-f", str(n), "-l", str(n)) for n in range(1, count + 1)]
    layout = [pdftotext(pdf, "-layout", "-f", str(n), "-l", str(n)) for n in range(1, count + 1)]
    return Package(out, pdf, xlsx, html, pages, layout)


def section(body: str, start: str, end: str) -> str:
    """The squeezed text between two (squeezed) headings of the body."""
    begin = body.index(squeeze(start)) + len(squeeze(start))
    return body[begin : body.index(squeeze(end), begin)]


SHARE = re.compile(r"(?:^|[：；])([^：；，。、]+?)([\d,]+\.\d{2})万元，占(-?\d+\.\d{2})%")
AMOUNT = re.compile(r"(?:^|[：；、])([^：；，。、]+?)([\d,]+\.\d{2})万元")


def shares(text: str) -> list[tuple[str, Decimal, Decimal]]:
    """Every "名称 X 万元，占 Y%" of a squeezed sentence: (name, amount, percent)."""
    return [(m[1], wan(m[2]), Decimal(m[3])) for m in SHARE.finditer(text)]


def edited_input(tmp_path: Path, edit: Any) -> Path:
    """A copy of the worked example's budget.yaml passed through ``edit`` (text in, text out)."""
    source = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    target = tmp_path / "budget.yaml"
    changed = edit(source)
    assert changed != source
    target.write_text(changed, encoding="utf-8")
    return target


# --- fixtures: each input rendered once ---------------------------------------------------------------


@pytest.fixture(scope="module")
def guangyuan_package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return render(GUANGYUAN, tmp_path_factory.mktemp("pdf-guangyuan"), "--pdf", "--html", "--xlsx")


@pytest.fixture(scope="module")
def demo_package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return render(DEMO, tmp_path_factory.mktemp("pdf-demo"), "--pdf", "--xlsx")


@pytest.fixture(params=["guangyuan", "demo"])
def package(request: pytest.FixtureRequest) -> Package:
    return request.getfixturevalue(f"{request.param}_package")


@pytest.fixture(scope="module")
def guangyuan_again(guangyuan_package: Package, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worked example's PDF once more, in another folder, right after the first render."""
    out = tmp_path_factory.mktemp("pdf-guangyuan-again")
    result = run("render", GUANGYUAN, "-o", out, "--pdf", *ENGINE)
    assert result.exit_code == 0, result.output
    return next(out.glob("*.pdf"))


@pytest.fixture(scope="module")
def draft_package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return render(GUANGYUAN, tmp_path_factory.mktemp("pdf-draft"), "--pdf", "--draft")


@pytest.fixture(scope="module")
def unsafe_package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    folder = tmp_path_factory.mktemp("pdf-unsafe")
    name = f"社会保险信息网络{UNSAFE_IMG}{UNSAFE_SCRIPT}{UNSAFE_JINJA}"
    goal = f"维持系统正常运行{UNSAFE_SCRIPT}目标{UNSAFE_JINJA}结束{UNSAFE_IMG}"

    def edit(text: str) -> str:
        # Single-quoted YAML scalars: the double quotes and braces inside need no escaping.
        text = text.replace("        name: 社会保险信息网络建设维护费\n", f"        name: '{name}'\n", 1)
        old_goal = r"(?m)^        annual_goal: 维持社会保险费征收业务系统正常运行.*$"
        return re.sub(old_goal, lambda _: f"        annual_goal: '{goal}'", text)

    source = edited_input(folder, edit)
    assert source.read_text(encoding="utf-8").count(UNSAFE_SCRIPT) == 2
    out = folder / "out"
    return render(source, out, "--pdf", "--html")


@pytest.fixture(scope="module")
def missing_package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    folder = tmp_path_factory.mktemp("pdf-missing")

    def edit(text: str) -> str:
        return re.sub(r"\n      function_purposes:\n(?:        .*\n)+", "\n", text, count=1)

    source = edited_input(folder, edit)
    assert "function_purposes" not in source.read_text(encoding="utf-8")
    refused = run("render", source, "-o", folder / "refused", "--pdf")
    assert refused.exit_code == 1
    assert "BG-C141" in refused.stderr
    assert not (folder / "refused").exists() or not any((folder / "refused").iterdir())
    return render(source, folder / "out", "--pdf", "--draft")


# --- reproducible (first, so that both renders see the same templates) -----------------------------


def test_same_input_gives_the_same_bytes(guangyuan_package: Package, guangyuan_again: Path) -> None:
    assert guangyuan_package.folder != guangyuan_again.parent
    assert guangyuan_package.pdf.name == guangyuan_again.name
    assert guangyuan_package.pdf.read_bytes() == guangyuan_again.read_bytes()


# --- titles, 目录, parts ------------------------------------------------------------------------------


def test_text_has_every_part_the_toc_and_every_table_title(package: Package) -> None:
    text = squeeze("".join(package.pages))
    assert "目录" in text
    for part in PARTS:
        assert part in text, part
    for number, title in enumerate(TABLE_TITLES, 1):
        assert squeeze(title) in text, title
        assert re.search(rf"附表{number}(?!\d)", text), f"附表{number}"
    body = package.body
    positions = [body.index(part) for part in PARTS]
    assert positions == sorted(positions), "the four parts are not in order"


TOC_LINE = re.compile(r"^\s*(\S.*?)\s*[.·…]{3,}[\s.·…]*(\d+)\s*$")


def toc_entries(package: Package) -> list[tuple[str, int]]:
    """The (title, page) lines of the 目录 page, read with -layout (one entry a line)."""
    page = package.layout_pages[package.toc_index]
    return [(m[1], int(m[2])) for line in page.splitlines() if (m := TOC_LINE.match(line))]


def test_toc_lists_the_parts_and_the_tables(package: Package) -> None:
    titles = [squeeze(title) for title, _ in toc_entries(package)]
    for part in PARTS:
        assert any(t.startswith(part) for t in titles), (part, titles)
    for ordinal, title in zip(ORDINALS, TOC_TABLE_TITLES, strict=True):
        assert f"{ordinal}、{squeeze(title)}" in titles, (title, titles)
    assert "一、基本职能及主要工作" in titles
    assert "二、部门预算单位构成" in titles


def test_toc_page_numbers_point_at_their_pages(package: Package) -> None:
    entries = toc_entries(package)
    assert len(entries) >= 4 + 13
    tables = {f"{o}、{squeeze(t)}": n for n, (o, t) in enumerate(zip(ORDINALS, TOC_TABLE_TITLES, strict=True), 1)}
    first = package.toc_index + 2  # the first page after the 目录 (1-based)
    for title, number in entries:
        key = squeeze(title)
        assert first <= number <= len(package.pages), (title, number)
        page = squeeze(package.pages[number - 1])
        assert f"第{number}页" in page, f"page {number} does not print its own number"
        if key in tables:
            table = tables[key]
            label = re.compile(rf"附表{table}(?!\d)")
            assert label.search(page), f"{title}: page {number} is not 附表{table}"
            assert squeeze(TABLE_TITLES[table - 1]) in page, f"{title}: page {number} lacks the title"
            assert not label.search(squeeze(package.pages[number - 2])), f"{title}: 附表{table} starts before {number}"
        else:
            assert key in page, f"{title}: not on page {number}"
            if key.startswith("第"):  # a part: its heading first appears on that page
                earlier = [n for n in range(first, number) if key in squeeze(package.pages[n - 1])]
                assert not earlier, f"{title}: already on page(s) {earlier}"


# --- the worked example's sentences (reference 001) ---------------------------------------------------

KEY_SENTENCES = (
    "收支预算总数 1,183.38 万元",
    "比 2024 年收支预算总数减少 5.34 万元",
    "基本支出 1,090.44 万元，占 92.15%",
    "项目支出 92.94 万元，占 7.85%",
    "一般公共预算拨款收入 1,183.38 万元，占 100.00%",
    "社会保障和就业支出 1,072.87 万元，占 90.66%",
    "卫生健康支出 30.32 万元，占 2.56%",
    "住房保障支出 80.19 万元，占 6.78%",
    "一般公共预算基本支出 1,090.44 万元",
    "人员经费 923.77 万元",
    "公用经费 166.67 万元",
    "机关运行经费财政拨款预算为 166.67 万元，比 2024 年预算增加 29.34 万元，增长 21.37%",
    "开展绩效目标管理的项目 18 个，涉及预算 1,183.38 万元",
    "人员类项目 7 个，涉及预算 923.77 万元",
    "运转类项目 4 个，涉及预算 166.67 万元",
    "特定目标类项目 7 个，涉及预算 92.94 万元",
    "无政府性基金预算拨款安排的支出",
    "无国有资本经营预算拨款安排的支出",
    "1. 社会保障和就业(类)人力资源和社会保障管理事务(款)社会保险经办机构(项)2025 年预算数为 975.45 万元",
    "4. 社会保障和就业(类)其他社会保障和就业支出(款)其他社会保障和就业支出(项)2025 年预算数为 1.18 万元",
)


@pytest.mark.parametrize("sentence", KEY_SENTENCES)
def test_worked_example_prints_the_reference_figures(guangyuan_package: Package, sentence: str) -> None:
    assert squeeze(sentence) in guangyuan_package.body


def test_worked_example_explains_2089999(guangyuan_package: Package) -> None:
    terms = section(guangyuan_package.body, "第三部分 名词解释", "基本支出：")
    entry = (
        "社会保障和就业（类）其他社会保障和就业支出（款）其他社会保障和就业支出（项）："
        "反映除上述项目以外其他用于社会保障和就业方面的支出。"
    )
    assert squeeze(entry) in terms


def test_worked_example_has_no_missing_sentence(guangyuan_package: Package) -> None:
    assert "待填写" not in guangyuan_package.body


# --- percentages and figures against the workbook ----------------------------------------------------


def income_section(package: Package) -> str:
    return section(package.body, "（一）收入预算情况", "（二）支出预算情况")


def expense_section(package: Package) -> str:
    return section(package.body, "（二）支出预算情况", "二、财政拨款收支预算情况说明")


def structure_section(package: Package) -> str:
    return section(package.body, "（二）一般公共预算当年拨款结构情况", "（三）一般公共预算当年拨款具体使用情况")


def test_income_shares_add_up_to_100(package: Package) -> None:
    items = shares(income_section(package))
    assert items, income_section(package)
    assert sum(p for _, _, p in items) == HUNDRED, items
    total = wan(re.search(r"收入预算([\d,]+\.\d{2})万元", income_section(package))[1])
    assert sum(a for _, a, _ in items) == total, items


def test_expense_shares_add_up_to_100(package: Package) -> None:
    items = shares(expense_section(package))
    assert [name for name, _, _ in items] == ["基本支出", "项目支出"], items
    assert sum(p for _, _, p in items) == HUNDRED, items


def test_class_shares_add_up_to_100(package: Package) -> None:
    items = shares(structure_section(package))
    assert items, structure_section(package)
    assert {name for name, _, _ in items} <= set(CLASS_NAMES.values()), items
    assert sum(p for _, _, p in items) == HUNDRED, items
    current = wan(re.search(r"一般公共预算当年拨款([\d,]+\.\d{2})万元", package.body)[1])
    assert sum(a for _, a, _ in items) == current, items


@dataclass
class Book:
    """The figures of 附表1, 3, 4 and 6 that the text repeats."""

    sheet1: dict[str, Decimal]  # label without its ordinal -> 预算数
    sheet3_total: dict[str, Decimal]  # 合计 / 基本支出 / 项目支出 of the 合计 row
    sheet3_classes: dict[str, Decimal]  # 类 code -> sum of the 合计 of its 项 rows
    sheet4_classes: dict[str, Decimal]  # 支出 label -> 合计 (non-zero)
    sheet4_total: Decimal
    sheet6_classes: dict[str, Decimal]  # 类 code -> sum of 当年财政拨款安排
    sheet6_items: dict[str, Decimal]  # 项 name -> sum of 当年财政拨款安排


def header_column(rows: list[list[Any]], label: str) -> int:
    for row in rows[:8]:
        if label in row:
            return row.index(label)
    raise AssertionError(f"no header {label!r}")


def strip_ordinal(label: str) -> str:
    return re.sub(r"^[一二三四五六七八九十]+、", "", label)


def read_book(path: Path) -> Book:
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        names = ("附表1", "附表3", "附表4", "附表6")
        sheets = {name: [list(r) for r in wb[name].iter_rows(values_only=True)] for name in names}
    finally:
        wb.close()
    sheet1: dict[str, Decimal] = {}
    for row in sheets["附表1"][5:]:
        for label, value in ((row[0], row[1]), (row[2], row[3])):
            if isinstance(label, str):
                sheet1[strip_ordinal(label)] = cell(value)

    rows3 = sheets["附表3"]
    name3 = header_column(rows3, "单位名称（科目）")
    cols3 = {label: header_column(rows3, label) for label in ("合计", "基本支出", "项目支出")}
    total_row = next(r for r in rows3[5:] if r[name3] == "合计")
    sheet3_classes: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows3:
        if isinstance(row[0], str) and re.fullmatch(r"\d{3}", row[0]):
            sheet3_classes[row[0]] += cell(row[cols3["合计"]])

    rows4 = sheets["附表4"]
    total4 = header_column(rows4, "合计")
    sheet4_classes = {r[2]: cell(r[total4]) for r in rows4 if r[2] in CLASS_NAMES.values() and cell(r[total4])}
    sheet4_total = next(cell(r[total4]) for r in rows4 if r[2] == "支出总计")

    rows6 = sheets["附表6"]
    name6 = header_column(rows6, "单位名称（科目）")
    current6 = header_column(rows6, "当年财政拨款安排")
    sheet6_classes: dict[str, Decimal] = defaultdict(Decimal)
    sheet6_items: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows6:
        if isinstance(row[0], str) and re.fullmatch(r"\d{3}", row[0]):
            sheet6_classes[row[0]] += cell(row[current6])
            sheet6_items[row[name6]] += cell(row[current6])
    return Book(
        sheet1,
        {label: cell(total_row[c]) for label, c in cols3.items()},
        dict(sheet3_classes),
        sheet4_classes,
        sheet4_total,
        {code: v for code, v in sheet6_classes.items() if v},
        {name: v for name, v in sheet6_items.items() if v},
    )


@pytest.fixture
def book(package: Package) -> Book:
    assert package.xlsx is not None
    return read_book(package.xlsx)


def test_total_basic_and_project_match_the_workbook(package: Package, book: Book) -> None:
    body = package.body
    total = wan(re.search(r"收支预算总数([\d,]+\.\d{2})万元", body)[1])
    assert total == book.sheet1["支出总计"] == book.sheet1["收入总计"] == book.sheet3_total["合计"]
    assert wan(re.search(r"收入预算([\d,]+\.\d{2})万元", body)[1]) == total
    assert wan(re.search(r"支出预算([\d,]+\.\d{2})万元", body)[1]) == total
    spending = {name: amount for name, amount, _ in shares(expense_section(package))}
    assert spending["基本支出"] == book.sheet3_total["基本支出"]
    assert spending["项目支出"] == book.sheet3_total["项目支出"]


def test_income_items_match_the_workbook(package: Package, book: Book) -> None:
    for name, amount, _ in shares(income_section(package)):
        assert name in book.sheet1, (name, sorted(book.sheet1))
        assert amount == book.sheet1[name], name


def test_class_amounts_match_the_workbook(package: Package, book: Book) -> None:
    # 附表1 and 附表3 agree on every 类.
    for code, amount in book.sheet3_classes.items():
        assert code in CLASS_NAMES, code
        assert book.sheet1[CLASS_NAMES[code]] == amount, CLASS_NAMES[code]
    # 三（二）: the 当年 一般公共预算 of each 类 is 附表6's 当年财政拨款安排 of that 类.
    printed = {name: amount for name, amount, _ in shares(structure_section(package))}
    expected = {CLASS_NAMES[code]: amount for code, amount in book.sheet6_classes.items()}
    assert printed == expected
    # 二: the 财政拨款 of each 类 is 附表4's 合计 of that 类, and the 财政拨款 total is 附表4's 支出总计.
    fiscal = section(package.body, "二、财政拨款收支预算情况说明", "三、一般公共预算当年拨款情况说明")
    assert wan(re.search(r"财政拨款收支预算总数([\d,]+\.\d{2})万元", fiscal)[1]) == book.sheet4_total
    classes = fiscal[fiscal.index("支出包括：") :]
    printed_fiscal = {m[1]: wan(m[2]) for m in AMOUNT.finditer(classes)}
    assert printed_fiscal == book.sheet4_classes
    # Where all income is this year's 一般公共预算 (the worked example), the text's 类 are 附表1's.
    if {name for name, _, _ in shares(income_section(package))} == {"一般公共预算拨款收入"}:
        assert printed == {CLASS_NAMES[code]: amount for code, amount in book.sheet3_classes.items()}


def test_item_amounts_match_the_workbook(package: Package, book: Book) -> None:
    usage = section(package.body, "（三）一般公共预算当年拨款具体使用情况", "四、一般公共预算基本支出情况说明")
    items = re.findall(r"\(款\)([^()]+?)\(项\)\d{4}年预算数为([\d,]+\.\d{2})万元", usage)
    assert len(items) == len(book.sheet6_items), items
    for name, amount in items:
        assert wan(amount) == book.sheet6_items[name], name


# --- bookmarks, fonts, pages ---------------------------------------------------------------------------


def outline_titles(outline: list[Any]) -> list[str]:
    titles: list[str] = []
    for entry in outline:
        titles.extend(outline_titles(entry) if isinstance(entry, list) else [entry.title])
    return titles


def test_bookmarks_hold_the_parts_and_every_table(package: Package) -> None:
    titles = [squeeze(t) for t in outline_titles(PdfReader(package.pdf).outline)]
    for part in PARTS:
        assert any(t.startswith(part) for t in titles), (part, titles)
    for number, title in enumerate(TABLE_TITLES, 1):
        assert any(squeeze(title) in t and re.search(rf"附表{number}(?!\d)", t) for t in titles), (title, titles)


def test_fonts_are_embedded_cjk_subsets(package: Package) -> None:
    listing = subprocess.run(["pdffonts", str(package.pdf)], capture_output=True, check=True, text=True).stdout
    fonts = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert fonts, listing
    # Columns from the right: emb sub uni object-id generation.
    assert all(f[-5] == "yes" for f in fonts), listing
    assert any("Noto" in f[0] and "CJK" in f[0] and f[-5] == "yes" and f[-4] == "yes" for f in fonts), listing


def points(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def test_text_pages_are_a4_portrait_and_table_pages_landscape(package: Package) -> None:
    reader = PdfReader(package.pdf)
    sizes = [(points(p.mediabox.width), points(p.mediabox.height)) for p in reader.pages]
    entries = {squeeze(t): n for t, n in toc_entries(package)}
    tables_part = next(n for t, n in entries.items() if t.startswith("第四部分"))
    first_table = entries[f"一、{TOC_TABLE_TITLES[0]}"]
    for number in range(1, tables_part + 1):
        assert sizes[number - 1] == A4, f"page {number}: {sizes[number - 1]}"
    width, height = sizes[first_table - 1]
    assert width > height, f"附表1 on page {first_table} is not landscape"
    assert (height, width) == A4
    for number in range(first_table, len(sizes) + 1):
        assert sorted(sizes[number - 1]) == sorted(A4), f"page {number}: {sizes[number - 1]}"


# --- draft ----------------------------------------------------------------------------------------------


def test_draft_marks_every_page(draft_package: Package) -> None:
    digest = hashlib.sha256((GUANGYUAN / "budget.yaml").read_bytes()).hexdigest()[:12]
    assert draft_package.pages
    for number, page in enumerate(draft_package.pages, 1):
        assert "草稿" in page, f"page {number} has no 草稿"
        assert digest in squeeze(page), f"page {number} lacks the input hash {digest}"


def test_final_has_no_draft_mark(package: Package) -> None:
    assert not any("草稿" in page for page in package.pages)


# --- safety ------------------------------------------------------------------------------------------------


def test_markup_in_the_input_is_escaped_in_html(unsafe_package: Package) -> None:
    assert unsafe_package.html is not None
    html = unsafe_package.html.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=" in html
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert UNSAFE_JINJA in html


def test_markup_in_the_input_is_literal_text_in_pdf(unsafe_package: Package) -> None:
    text = squeeze("".join(unsafe_package.pages))
    assert squeeze(UNSAFE_SCRIPT) in text
    assert squeeze(UNSAFE_IMG) in text
    assert "目标{{7*7}}结束" in text
    assert "目标49结束" not in text


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.css",
        "https://example.com/x.css",
        "data:text/css,body{}",
        (ROOT / "pyproject.toml").as_uri(),
        (templates_root() / PROFILE).as_uri() + "/../../pyproject.toml",
        (templates_root() / PROFILE).as_uri() + "/missing.css",
    ],
)
def test_fetcher_refuses_everything_outside_the_profile(url: str) -> None:
    fetcher = _fetcher_class()(templates_root() / PROFILE)
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)


def test_fetcher_refuses_a_file_outside_the_profile(tmp_path: Path) -> None:
    outside = tmp_path / "package.css"
    outside.write_text("body { color: red; }", encoding="utf-8")
    fetcher = _fetcher_class()(templates_root() / PROFILE)
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(outside.as_uri())


def test_fetcher_serves_the_profile_stylesheet() -> None:
    root = templates_root() / PROFILE
    response = _fetcher_class()(root).fetch((root / "package.css").as_uri())
    try:
        assert response.read() == (root / "package.css").read_bytes()
    finally:
        response.close()


# --- missing sentences ---------------------------------------------------------------------------------


def test_draft_lists_its_findings_on_a_page_of_their_own(missing_package: Package) -> None:
    first = squeeze(missing_package.pages[0])
    assert "审核发现" in first
    assert "BG-C141" in first
    assert "【待填写：2080109社会保险经办机构的主要用途】" in first


def test_missing_purposes_show_markers(missing_package: Package) -> None:
    body = missing_package.body
    usage = section(body, "（三）一般公共预算当年拨款具体使用情况", "四、一般公共预算基本支出情况说明")
    items = re.findall(r"\(项\)\d{4}年预算数为", usage)
    assert len(items) == 6
    assert usage.count("【待填写：") == len(items)
    assert "【待填写：2080109社会保险经办机构的主要用途】" in usage
    assert "主要用于：人员经费支出" not in body
