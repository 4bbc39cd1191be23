"""Budget years: catalogs built from change files, the fallback to an earlier catalog, local codes, hints, new-year."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
import yaml

from budgetgen.catalogs import available_years, catalog_year, load_catalog
from budgetgen.catalogs.build import BASE_DIR, CHANGES_DIR, change_years, data_rows, read_changes
from budgetgen.catalogs.history import moves_between
from budgetgen.io import template as template_module
from tests.conftest import GUANGYUAN, run

YEARS = list(range(2019, 2028))


@pytest.fixture(autouse=True)
def few_input_rows() -> Iterator[None]:
    """Workbooks with one empty input row: the 500 prepared rows take seconds to write and test nothing here."""
    with mock.patch.object(template_module, "INPUT_ROWS", 1):
        yield


def with_year(tmp_path: Path, year: int, replacements: tuple[tuple[str, str], ...] = ()) -> Path:
    """The worked example as a budget of another year (in a folder of its own)."""
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8").replace("budget_year: 2025", f"budget_year: {year}")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    folder = tmp_path / f"unit-{year}"
    folder.mkdir(exist_ok=True)
    (folder / "budget.yaml").write_text(text, encoding="utf-8")
    return folder


# --- the catalogs of every year ------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_every_year_builds_with_parents_and_names(year: int) -> None:
    catalog = load_catalog(year)
    assert catalog.year == min(year, max(available_years()))
    for table in (catalog.functions, catalog.econ, catalog.government):
        assert list(table) == sorted(table)
        for code, entry in table.items():
            assert entry.name.strip(), code
            if len(code) > 3:
                assert code[: 3 if len(code) == 5 else len(code) - 2] in table, code
    assert set(catalog.econ_mapping) <= set(catalog.econ)


@pytest.mark.parametrize("path", [*sorted(BASE_DIR.glob("*.csv")), *sorted(CHANGES_DIR.glob("*.csv"))], ids=str)
def test_data_files_have_no_duplicate_lines_and_say_their_source(path: Path) -> None:
    rows = data_rows(path)
    key = "departmental" if path.name == "econ_mapping.csv" else "code"
    keys = [(r.get("table", ""), r[key]) for _, r in rows]
    assert len(keys) == len(set(keys))
    assert path.read_text(encoding="utf-8").startswith("#"), "every file says where it comes from"
    if path.parent == CHANGES_DIR:
        assert all(change.note for change in read_changes(int(path.stem)))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("function,add,2080109,x,,,n", "add 2080109: code already exists"),
        ("function,add,2089801,x,,,n", "add 2089801: parent 20898 does not exist"),
        ("function,add,2080198,,,,n", "add 2080198: name is empty"),
        ("econ,rename,30198,x,,,n", "rename 30198: code does not exist"),
        ("function,rename,2080109,社会保险经办机构,,,n", "new name is empty or unchanged"),
        ("function,remove,20801,,,,n", "remove 20801: code still has codes below it"),
        ("function,move,2080109,,2080198,,n", "successor 2080198 does not exist"),
        ("function,unlist,20801,,,,n", "only a 类 is listed or unlisted"),
        ("function,drop,2080109,,,,n", "bad change line"),
        ("function,add,2080198,x,,,", "every change names its source"),
    ],
)
def test_a_change_that_does_not_fit_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, message: str
) -> None:
    from budgetgen.catalogs import build

    (tmp_path / "2020.csv").write_text(
        "# a comment\ntable,action,code,name,successor,explanation,note\n" + line + "\n", encoding="utf-8"
    )
    monkeypatch.setattr(build, "CHANGES_DIR", tmp_path)
    with pytest.raises(build.CatalogDataError, match=f"2020.csv:3: .*{re.escape(message)}"):
        build.build_tables(2020)


def test_each_year_has_that_years_names() -> None:
    assert load_catalog(2019).function_name("207") == "文化旅游体育与传媒支出"
    assert load_catalog(2019).function_name("210") == "卫生健康支出"
    assert load_catalog(2020).function_name("20805") == "行政事业单位离退休"
    assert load_catalog(2021).function_name("20805") == "行政事业单位养老支出"
    assert load_catalog(2020).econ_name("30110") == "城镇职工基本医疗保险缴费"
    assert load_catalog(2025).econ_name("30110") == "职工基本医疗保险缴费"
    assert load_catalog(2022).function_name("2296013") == "用于城乡医疗救助的彩票公益金支出"
    assert "2089901" in load_catalog(2020).functions
    assert "2089901" not in load_catalog(2021).functions


def test_reserve_and_transfer_classes_are_codes_listed_as_their_year_prints_them() -> None:
    classes_2020 = [e.code for e in load_catalog(2020).function_classes()]
    assert {"227", "230"} <= set(classes_2020)
    assert "234" not in classes_2020
    classes_2025 = [e.code for e in load_catalog(2025).function_classes()]
    assert not {"227", "230"} & set(classes_2025)
    assert "234" in classes_2025
    assert load_catalog(2025).function_name("227") == "预备费"


def test_a_year_without_its_own_catalog_uses_the_newest_earlier_one() -> None:
    assert catalog_year(2027) == catalog_year(2031) == max(change_years())
    assert catalog_year(2018) is None
    with pytest.raises(KeyError):
        load_catalog(2018)


def test_renumbered_codes_are_known_between_years() -> None:
    moves = moves_between(2020, 2025)
    assert moves["2089901"][0] == "2089999"
    assert moves_between(2021, 2025) == {}


# --- BG-C180 and the made-up 2022 and 2027 units ------------------------------------------------------------------


@pytest.mark.parametrize("year", [2027, 2031])
def test_later_year_passes_check_with_one_warning_naming_the_catalog(tmp_path: Path, year: int) -> None:
    result = run("check", with_year(tmp_path, year))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "BG-C180" in line]
    assert len(lines) == 1
    assert f"budget.yaml:6:14: 警告 BG-C180 预算年度 {year} 年使用 2025 年科目表" in lines[0]


def test_own_catalog_year_has_no_warning(tmp_path: Path) -> None:
    result = run("check", with_year(tmp_path, 2022))
    assert result.exit_code == 0, result.output
    assert "BG-C180" not in result.stdout


@pytest.mark.parametrize("year", [2022, 2027])
def test_made_up_unit_renders_end_to_end(tmp_path: Path, year: int) -> None:
    out = tmp_path / "out"
    result = run("render", with_year(tmp_path, year), "-o", out, "--xlsx", "--pdf", "--engine", "typst", "--verify")
    assert result.exit_code == 0, result.output
    document = out / f"342601-{year}-预算公开.pdf"
    pdf = subprocess.run(["pdftotext", str(document), "-"], capture_output=True, text=True, check=True).stdout
    assert f"{year} 年单位预算" in pdf.replace(f"{year}年", f"{year} 年")
    assert "1,183.38" in pdf
    book = openpyxl.load_workbook(out / f"342601-{year}-预算公开.xlsx")
    summary = book["附表1"]
    assert (summary["A6"].value, summary["B6"].value) == ("一、一般公共预算拨款收入", 1183.38)
    classes = [summary.cell(r, 3).value for r in range(6, 40)]
    assert "八、社会保障和就业支出" in classes
    assert not any("预备费" in str(c) for c in classes)
    text = "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert f"{year}" in text


# --- template --year -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2019, 2022, 2026, 2027])
def test_template_for_every_year(tmp_path: Path, year: int) -> None:
    out = tmp_path / "t.xlsx"
    result = run("template", "--year", year, out)
    assert result.exit_code == 0, result.output
    assert ("BG-C180" in result.stderr) == (year > max(available_years()))
    book = openpyxl.load_workbook(out)
    general = book.worksheets[1]
    values = {row[0]: row[1] for row in general.iter_rows(min_row=2, values_only=True)}
    assert values["预算年度"] == year


def test_template_before_the_first_catalog_is_a_located_error(tmp_path: Path) -> None:
    result = run("template", "--year", 2018, tmp_path / "t.xlsx")
    assert result.exit_code == 2
    assert "--year: 错误 BG-E025 没有 2018 年的科目表（最早为 2019 年）" in result.stderr
    assert not (tmp_path / "t.xlsx").exists()


# --- new-year ------------------------------------------------------------------------------------------------------


def test_new_year_from_yaml_carries_figures_and_marks_texts(tmp_path: Path) -> None:
    out = tmp_path / "2026"
    result = run("new-year", GUANGYUAN, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out / "budget.yaml")
    summary = run("summary", out)
    assert summary.exit_code == 0, summary.output
    assert summary.stdout.startswith("2026 年 ")
    assert "上年收支总数 1,183.38 万元" in summary.stdout
    data = yaml.safe_load((out / "budget.yaml").read_text(encoding="utf-8"))
    unit = data["units"][0]
    assert data["budget_year"] == 2026
    assert "prepared_on" not in data
    assert unit["last_year"] == {"total": 11833800, "running_cost": 1666700, "three_public": {"reception": 15000}}
    assert unit["texts"]["functions"].startswith("【待复核】贯彻执行")
    assert len(unit["projects"]) == 18
    assert unit["staff"]
    assert unit["operating_items"]
    check = run("check", out, "--format", "json")
    codes = [f["code"] for f in yaml.safe_load(check.stdout)["findings"]]
    assert check.exit_code == 1
    assert codes.count("BG-C181") == 29
    assert codes.count("BG-C180") == 1
    # confirming a text is deleting its mark
    confirmed = tmp_path / "confirmed.yaml"
    confirmed.write_text((out / "budget.yaml").read_text(encoding="utf-8").replace("【待复核】", ""), encoding="utf-8")
    assert run("check", confirmed).exit_code == 0


def test_new_year_from_a_workbook_writes_a_workbook(tmp_path: Path) -> None:
    source = tmp_path / "gy.xlsx"
    assert run("template", "--from", GUANGYUAN, source).exit_code == 0
    result = run("new-year", source, "-o", tmp_path / "next.xlsx", "--year", "2027")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "next.xlsx")
    general = {row[0]: row[1] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert general["预算年度"] == 2027
    summary = run("summary", tmp_path / "next.xlsx")
    assert "上年收支总数 1,183.38 万元" in summary.stdout, summary.output
    check = run("check", tmp_path / "next.xlsx")
    assert "文字说明!" in check.stdout
    assert "BG-C181" in check.stdout


def test_new_year_moves_renumbered_codes(tmp_path: Path) -> None:
    source = with_year(tmp_path, 2020, (('"2089999": 本单位', '"2089901": 本单位'),))
    result = run("new-year", source, "-o", tmp_path / "2021.yaml")
    assert result.exit_code == 0, result.output
    assert "BG-E076 科目 2089901 在 2021 年科目表中改为 2089999，已改" in result.stderr
    data = yaml.safe_load((tmp_path / "2021.yaml").read_text(encoding="utf-8"))
    assert "2089999" in data["units"][0]["texts"]["function_purposes"]
    assert run("summary", tmp_path / "2021.yaml").exit_code == 0


def test_new_year_reports_a_removed_code_with_its_successor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # no change file removes a code today: a made-up removal of the worked example's main 项
    from budgetgen import newyear
    from budgetgen.catalogs.build import Change
    from budgetgen.catalogs.history import CodeChange

    removal = Change(2026, "function", "remove", "2080109", "", "2089999", "", "made up", 1)
    moves = {"2080109": ("", CodeChange(removal, "社会保险经办机构"))}
    monkeypatch.setattr(newyear, "moves_between", lambda first, second: moves)
    result = run("new-year", GUANGYUAN, "-o", tmp_path / "next.yaml")
    assert result.exit_code == 0, result.output
    note = next(line for line in result.stderr.splitlines() if "BG-E076" in line)
    stated = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(stated, 1) if text.lstrip().startswith("main_function:"))
    where = f"{GUANGYUAN / 'budget.yaml'}:{line}:20"
    assert note.startswith(f"{where}: 警告 BG-E076 科目 2080109 社会保险经办机构 已于 2026 年删除（本预算用了 10 处）")
    assert "提示：接续科目：2089999" in result.stderr
    carried = yaml.safe_load((tmp_path / "next.yaml").read_text(encoding="utf-8"))
    assert carried["units"][0]["main_function"] == "2080109"  # left for the user to choose


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--year", "2025"), "--year: 错误 BG-E075 新的预算年度 2025 应晚于本预算的 2025 年"),
        (("--year", "2024"), "BG-E075 新的预算年度 2024"),
        ((), "BG-E075 输入是 .yaml 文件，输出也应为同一种（.yaml）"),
    ],
    ids=["same-year", "earlier-year", "other-kind"],
)
def test_new_year_refuses_bad_requests(tmp_path: Path, args: tuple[str, ...], fragment: str) -> None:
    out = tmp_path / ("out.xlsx" if not args else "out")
    result = run("new-year", GUANGYUAN, "-o", out, *args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_new_year_never_overwrites_this_years_input(tmp_path: Path) -> None:
    folder = with_year(tmp_path, 2025)
    before = (folder / "budget.yaml").read_bytes()
    result = run("new-year", folder, "-o", folder)
    assert result.exit_code == 2
    assert "BG-E075 输出会覆盖本年度的输入" in result.stderr
    assert (folder / "budget.yaml").read_bytes() == before


def test_new_year_does_not_overwrite_a_started_budget_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "next.yaml"
    target.write_text("# 已开始编制\n", encoding="utf-8")
    refused = run("new-year", GUANGYUAN, "-o", target)
    assert refused.exit_code == 2
    assert "已存在（可能是已开始编制的预算）；确需覆盖请加 --force" in refused.stderr
    assert target.read_text(encoding="utf-8") == "# 已开始编制\n"
    assert run("new-year", GUANGYUAN, "-o", target, "--force").exit_code == 0
    assert "budget_year: 2026" in target.read_text(encoding="utf-8")


def test_new_year_of_a_bad_input_is_a_located_error(tmp_path: Path) -> None:
    source = with_year(tmp_path, 2025, (("headcount: 96", "headcount: -1"),))
    result = run("new-year", source, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{source / 'budget.yaml'}:" in result.stderr
    assert "错误 BG-E" in result.stderr
    assert not (tmp_path / "out").exists()
    missing = run("new-year", tmp_path / "nothing", "-o", tmp_path / "out")
    assert missing.exit_code == 2
    assert "BG-E001" in missing.stderr


# --- catalog diff / show -------------------------------------------------------------------------------------------


def test_catalog_diff_lists_the_changes_with_their_sources() -> None:
    result = run("catalog", "diff", "2020", "2025")
    assert result.exit_code == 0, result.output
    assert "2021 年  功能分类  改名  20805 行政事业单位离退休 → 行政事业单位养老支出" in result.stdout
    assert "改代码  2089901 其他社会保障和就业支出，接续科目 2089999" in result.stdout
    assert "2022 年  部门经济分类  改名  30110 城镇职工基本医疗保险缴费 → 职工基本医疗保险缴费" in result.stdout
    later = run("catalog", "diff", "2025", "2027")
    assert later.exit_code == 0
    assert "2027 年使用 2025 年科目表" in later.stdout
    assert "共 0 处变化" in later.stdout
    assert run("catalog", "diff", "2018", "2025").exit_code == 2


def test_catalog_show_names_a_code_its_parents_and_history() -> None:
    result = run("catalog", "show", "2080501", "--year", "2027")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "2080501 行政单位离退休（2025 年科目表（2027 年使用））"
    assert "  上级 208 社会保障和就业支出" in lines
    assert "  上级 20805 行政事业单位养老支出" in lines
    assert any("归口管理的行政单位离退休 → 行政单位离退休" in line for line in lines)
    old = run("catalog", "show", "2080501", "--year", "2020")
    assert old.stdout.startswith("2080501 归口管理的行政单位离退休（2020 年科目表）")
    assert run("catalog", "show", "227").stdout.splitlines() == [
        "227 预备费（2025 年科目表）",
        "  本年度的收支总表不单列此类",
        "  2021 年  功能分类  不再列入收支总表  227 预备费  "
        "（依据：广元市社保中心 2025 年附表1 的 28 个类不含预备费（涞源县社保局 2020 年收支总表含））",
    ]
    unknown = run("catalog", "show", "2089901", "--year", "2025")
    assert unknown.exit_code == 2
    assert "BG-E020" in unknown.stderr
    assert "接续科目 2089999" in unknown.stderr


# --- catalog.csv: local codes --------------------------------------------------------------------------------------

LOCAL_ITEM = (
    '      - {econ: "30211", amount: 120000, project: R01}\n',
    '      - {econ: "3021101", amount: 120000, project: R01, function: "2080180"}\n',
)
LOCAL_PURPOSE = ('"2089999": 本单位', '"2080180": 社保经办数字化建设\n        "2089999": 本单位')


def test_local_codes_beside_the_input_are_used(tmp_path: Path) -> None:
    folder = with_year(tmp_path, 2025, (LOCAL_ITEM, LOCAL_PURPOSE))
    assert run("summary", folder).exit_code == 2  # without the local catalog: 2080180 is unknown
    (folder / "catalog.csv").write_text(
        "代码,名称,上级\n# 本市增设\n2080180,社保经办数字化,20801\n3021101,市内差旅费,30211\n302110101,市内交通费\n",
        encoding="utf-8",
    )
    result = run("check", folder)
    assert result.exit_code == 0, result.output
    summary = run("summary", folder)
    assert "2080180 社保经办数字化" in summary.stdout, summary.stdout
    shown = run("catalog", "show", "302110101", "--catalog", folder / "catalog.csv")
    lines = shown.stdout.splitlines()
    assert lines[:2] == ["302110101 市内交通费（2025 年科目表，本地科目）", "  上级 302 商品和服务支出"]


def test_catalog_option_names_the_file_for_every_command(tmp_path: Path) -> None:
    folder = with_year(tmp_path, 2025, (LOCAL_ITEM, LOCAL_PURPOSE))
    local = tmp_path / "local.csv"
    local.write_text("2080180,社保经办数字化\n3021101,市内差旅费\n", encoding="utf-8")
    assert run("check", folder, "--catalog", local).exit_code == 0
    assert run("summary", folder, "--catalog", local).exit_code == 0
    out = tmp_path / "out"
    assert run("render", folder, "-o", out, "--xlsx", "--catalog", local).exit_code == 0
    rendered = openpyxl.load_workbook(out / "342601-2025-预算公开.xlsx", read_only=True)
    rows = [str(c) for row in rendered["附表7"].iter_rows(values_only=True) for c in row if c]
    assert "3021101 市内差旅费" in rows  # the detail's name comes from the local catalog
    assert run("new-year", folder, "-o", tmp_path / "next", "--catalog", local).exit_code == 0
    assert run("template", tmp_path / "t.xlsx", "--catalog", local).exit_code == 0
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    listed = {str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    assert "2080180 社保经办数字化" in listed
    assert run("summary", folder).exit_code == 2  # the option did not stay behind


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("2080109,社保大厅\n", 1, "“2080109”是 2025 年科目表中的“社会保险经办机构”，本地科目表不能改名为“社保大厅”"),
        ("code,name\n20801,人社\n", 2, "应为 7 位的项"),
        ("2089980,x\n2999901,其他\n", 2, "上级科目“29999”不在 2025 年科目表中"),
        ("3021101,a\n30211,差旅\n", 2, "应为 7 位或 9 位的明细科目"),
        ("3021101,a\n3021101,b\n", 2, "代码“3021101”重复（与第 1 行相同）"),
        ("302110101,a\n", 1, "上级科目“3021101”不在"),
        ("3021101,a,30201\n", 1, "上级应为“30211”，不是“30201”"),
        ("3021101\n", 1, "应为“代码,名称[,上级代码]”"),
        ("abc,x\n", 1, "应全为数字"),
        ("4010101,x\n", 1, "不是支出功能分类"),
        ("3021101,\n", 1, "名称为空"),
    ],
    ids=["renames-national", "level", "parent", "econ-level", "duplicate", "detail-parent", "wrong-parent", "columns",
         "digits", "table", "empty-name"],
)  # fmt: skip
def test_bad_local_catalog_lines_are_located(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    folder = with_year(tmp_path, 2025)
    (folder / "catalog.csv").write_text(text, encoding="utf-8")
    result = run("check", folder)
    assert result.exit_code == 2
    assert f"{folder / 'catalog.csv'}:{line}: 错误 BG-E028 " in result.stdout + result.stderr
    assert fragment in result.stdout + result.stderr
    assert "Traceback" not in result.output


def test_unreadable_local_catalogs_are_refused(tmp_path: Path) -> None:
    folder = with_year(tmp_path, 2025)
    (folder / "catalog.csv").mkdir()
    result = run("summary", folder)
    assert result.exit_code == 2
    assert "BG-E028 本地科目表不是普通文件" in result.stderr
    (folder / "catalog.csv").rmdir()
    (folder / "catalog.csv").write_bytes("2080180,社保\n".encode("gbk"))
    assert "不是 UTF-8" in run("summary", folder).stderr
    (folder / "catalog.csv").write_bytes(b"2080180,x\n" * 200_000)
    assert "本地科目表过大" in run("summary", folder).stderr


# --- hints for BG-E020 / BG-E021 -----------------------------------------------------------------------------------


def test_hint_uses_the_stated_name_first(tmp_path: Path) -> None:
    item = ('{econ: "30211", amount: 120000', '{econ: "30121", name: 差旅费, amount: 120000')
    folder = with_year(tmp_path, 2025, (item,))
    result = run("summary", folder)
    assert result.exit_code == 2
    hints = [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("提示")]
    assert hints[0] == "提示：名称为“差旅费”的科目：30211 差旅费"
    assert hints[1].startswith("提示：代码相近的科目（名称与“差旅费”不同，请核对后再用）：30101 基本工资")


def test_hint_without_a_matching_name_says_so(tmp_path: Path) -> None:
    item = ('{econ: "30211", amount: 120000', '{econ: "30298", name: 某某费, amount: 120000')
    folder = with_year(tmp_path, 2025, (item,))
    hints = [line.strip() for line in run("summary", folder).stderr.splitlines() if "提示" in line]
    assert hints[0] == "提示：没有名称为“某某费”的科目"
    assert "名称与“某某费”不同" in hints[1]
    assert "30299 其他商品和服务支出" in hints[1]


def test_hint_without_a_name_lists_near_codes_with_their_names(tmp_path: Path) -> None:
    folder = with_year(tmp_path, 2025, (('{econ: "30211", amount: 120000', '{econ: "30298", amount: 120000'),))
    stderr = run("summary", folder).stderr
    assert "提示：最接近的有效科目：30299 其他商品和服务支出" in stderr
