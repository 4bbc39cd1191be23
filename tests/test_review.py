"""The review loop (issue 17): every error at once, findings written back into the workbook.

Bad workbooks are edits of the worked example's compact template (data rows only), so positions are
known: 单位 row 2 is the unit, 公用经费 row 2 its first item, 项目明细 row 2 the first project line,
收入 D2 the first income amount, 文字说明 row 2 the first sentence.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from openpyxl import Workbook, load_workbook

from budgetgen.io import template as template_module
from budgetgen.io.load import load_budget
from budgetgen.io.template import render_template
from budgetgen.package.previews import text_previews

from .conftest import GUANGYUAN, run

Edit = Callable[[Workbook], None]


@pytest.fixture(scope="module")
def base() -> bytes:
    loaded = load_budget(GUANGYUAN)
    with mock.patch.object(template_module, "INPUT_ROWS", 1):
        return render_template(loaded.catalog, loaded.budget, previews=text_previews(loaded.budget, loaded.catalog))


def edited(base: bytes, path: Path, **cells: object) -> Path:
    """The base workbook with cells changed: ``edited(base, p, 单位__C2="企业")``."""
    book = load_workbook(io.BytesIO(base))
    for key, value in cells.items():
        sheet, cell = key.split("__")
        book[sheet][cell] = value
    book.save(path)
    return path


def prepared_on_cell() -> str:
    """The 基本信息 cell of 编制日期 (its row moves when the sheet gains facts)."""
    sheet = load_workbook(io.BytesIO(render_template(load_budget(GUANGYUAN).catalog)), read_only=True)["基本信息"]
    row = next(n for n, (label, *_) in enumerate(sheet.iter_rows(values_only=True), 1) if label == "编制日期")
    return f"B{row}"


DATE_CELL = prepared_on_cell()
FIVE_SHEETS = {
    "单位__C2": "企业",  # a value outside its list
    "人员__E1": "功能分类科目",  # a renamed column (issue 16): named, never silently dropped
    "公用经费__B2": "30298 不存在的款",  # a code not in the year's catalog
    "项目明细__B2": "ZZZ",  # a reference to a project not listed
    "收入__D2": "abc",  # an amount that is not a number
    "文字说明__B2": "其他说明",  # a text label not in the list
    f"基本信息__{DATE_CELL}": dt.datetime(2025, 1, 15),  # a date typed in 编制日期: accepted
}
EXPECTED = [
    ("单位!C2", "BG-E014"),
    ("人员!E1", "BG-E045"),
    ("公用经费!B2", "BG-E021"),
    ("项目明细!B2", "BG-E040"),
    ("收入!D2", "BG-E013"),
    ("文字说明!B2", "BG-E014"),
]


def test_one_error_on_each_sheet_all_in_one_check(base: bytes, tmp_path: Path) -> None:
    path = edited(base, tmp_path / "five.xlsx", **FIVE_SHEETS)
    result = run("check", path)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stdout.splitlines() if ": 错误 " in line]
    assert [(line.split(": ")[0], line.split()[2]) for line in lines] == EXPECTED, result.stdout
    assert f"基本信息!{DATE_CELL}" not in result.stdout  # the date was read as a date
    assert "units[" not in result.stdout
    assert "None" not in result.stdout
    assert "（单位类型）" in lines[0]
    assert "“功能分类科目”" in lines[1]


@pytest.mark.parametrize("typed", [dt.datetime(2025, 1, 15), dt.date(2025, 1, 15), "2025/1/15", "2025年1月15日"])
def test_a_date_in_prepared_on_is_a_date(typed: object, base: bytes, tmp_path: Path) -> None:
    path = edited(base, tmp_path / "date.xlsx", **{f"基本信息__{DATE_CELL}": typed})
    assert load_budget(path).budget.prepared_on == "2025-01-15"


def test_a_date_that_is_no_day_is_located(base: bytes, tmp_path: Path) -> None:
    path = edited(base, tmp_path / "date.xlsx", **{f"基本信息__{DATE_CELL}": "2025/2/30"})
    result = run("check", path)
    assert result.exit_code == 2
    assert f"基本信息!{DATE_CELL}: 错误 BG-E012" in result.stdout


def test_a_renamed_column_is_an_error_and_the_rules_still_run(base: bytes, tmp_path: Path) -> None:
    path = edited(base, tmp_path / "renamed.xlsx", 人员__E1="功能分类科目", 收入__D2=1)
    result = run("check", path)
    assert result.exit_code == 2
    assert "人员!E1: 错误 BG-E045" in result.stdout
    assert "BG-C101" in result.stdout  # the rules ran beside the input error
    imported = run("import", path, "-o", tmp_path / "out.yaml")
    assert imported.exit_code == 2
    assert "BG-E045" in imported.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_an_added_column_is_named(base: bytes, tmp_path: Path) -> None:
    path = edited(base, tmp_path / "added.xlsx", 公用经费__J1="备注")
    result = run("import", path, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 2
    assert "公用经费!J1: 错误 BG-E045 工作表“公用经费”的列“备注”不是模板中的列" in result.stderr


def test_money_in_a_finding_is_in_the_inputs_unit(base: bytes, tmp_path: Path) -> None:
    book = load_workbook(io.BytesIO(base))
    income = book["收入"]["D2"].value
    path = edited(base, tmp_path / "one-yuan.xlsx", 收入__D2=income + 1)
    result = run("check", path, "--select", "BG-C101")
    assert result.exit_code == 1
    assert "相差 1.00 元（0.0001 万元）" in result.stdout, result.stdout
    assert "-0.00" not in result.stdout
    assert "0.00 万元" not in result.stdout


def test_a_finding_about_a_text_points_at_its_cell(base: bytes, tmp_path: Path) -> None:
    book = load_workbook(io.BytesIO(base))
    sheet = book["文字说明"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet[f"B{r}"].value == "单位职能简介")
    sheet[f"D{row}"] = "【待填写：单位职能简介】"
    path = tmp_path / "marker.xlsx"
    book.save(path)
    result = run("check", path, "--select", "BG-C141")
    assert f"文字说明!D{row}: 错误 BG-C141" in result.stdout, result.stdout


# --- check --annotate ----------------------------------------------------------------------------------


def test_annotate_puts_each_finding_on_its_cell(base: bytes, tmp_path: Path) -> None:
    path = edited(base, tmp_path / "five.xlsx", **FIVE_SHEETS)
    before = path.read_bytes()
    out = tmp_path / "批注.xlsx"
    result = run("check", path, "--annotate", out)
    assert result.exit_code == 2
    assert f"已生成 {out}" in result.stderr
    assert path.read_bytes() == before  # the input is never modified
    book = load_workbook(out)
    assert book.sheetnames[0] == "检查结果"
    assert book.sheetnames[1:] == load_workbook(path).sheetnames
    listing = book["检查结果"]
    rows = [[c.value for c in row] for row in listing.iter_rows(min_row=3, max_col=5)]
    assert [(r[3], r[2]) for r in rows] == EXPECTED
    for row, (where, code) in enumerate(EXPECTED, start=3):
        sheet, cell = where.split("!")
        assert listing.cell(row, 4).hyperlink.location == f"'{sheet}'!{cell}"
        target = book[sheet][cell]
        assert target.comment is not None
        assert code in target.comment.text
        assert target.fill.start_color.rgb.endswith("FFC7CE")  # red: an error
    again = tmp_path / "again.xlsx"
    run("check", path, "--annotate", again)
    assert again.read_bytes() == out.read_bytes()  # same input, same bytes


def test_annotate_marks_warnings_yellow_and_a_clean_workbook_says_so(base: bytes, tmp_path: Path) -> None:
    path = edited(base, tmp_path / "renamed.xlsx", 人员__E1="功能分类科目")
    out = tmp_path / "out.xlsx"
    result = run("check", path, "--annotate", out)
    warning = next(line for line in result.stdout.splitlines() if ": 警告 " in line)
    sheet, cell = warning.split(": ")[0].split("!")
    assert load_workbook(out)[sheet][cell].fill.start_color.rgb.endswith("FFEB9C")
    clean = tmp_path / "clean.xlsx"
    clean.write_bytes(base)
    result = run("check", clean, "--annotate", tmp_path / "clean-out.xlsx")
    assert result.exit_code == 0, result.stdout
    assert load_workbook(tmp_path / "clean-out.xlsx")["检查结果"]["A1"].value.startswith("检查结果：共 0 个错误")


def test_annotate_refuses_yaml_and_the_input_itself(tmp_path: Path) -> None:
    result = run("check", GUANGYUAN, "--annotate", tmp_path / "out.xlsx")
    assert result.exit_code == 2
    assert "只能用于一个 Excel 输入工作簿" in result.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_annotate_a_formula_looking_message_stays_text(base: bytes, tmp_path: Path) -> None:
    from budgetgen.checks.annotate import annotate_workbook
    from budgetgen.diagnostics import Diagnostic, Location

    finding = Diagnostic("BG-C101", "=1+1", Location("单位", cell="B2"))
    book = load_workbook(io.BytesIO(annotate_workbook(base, [finding])))
    assert book["检查结果"]["E3"].value == "=1+1"
    assert book["检查结果"]["E3"].data_type == "s"


# --- texts that read right -----------------------------------------------------------------------------


def _paragraphs(sections: object) -> list[str]:
    out: list[str] = []
    for section in sections:  # type: ignore[attr-defined]
        out.append(section.title)
        out += [p.text for p in section.paragraphs]
        out += _paragraphs(section.children)
    return out


def _with_texts(edit: Callable[[str, str], str]) -> list[str]:
    """The worked example's explanatory text after ``edit(field, text)`` on every sentence of the unit."""
    from budgetgen.ledger.build import build_ledger
    from budgetgen.package.text import render_text
    from budgetgen.profiles import load_profile

    loaded = load_budget(GUANGYUAN)
    unit = loaded.budget.units[0]
    texts = unit.texts

    def change(model: Any, prefix: str = "") -> Any:
        update = {}
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, str):
                update[name] = edit(prefix + name, value)
            elif isinstance(value, dict):
                update[name] = {k: edit(f"{prefix}{name}.{k}", v) for k, v in value.items()}
        return model.model_copy(update=update)

    texts = change(texts).model_copy(update={"three_public": change(texts.three_public, "three_public.")})
    budget = loaded.budget.model_copy(update={"units": [unit.model_copy(update={"texts": texts})]})
    ledger = build_ledger(budget, loaded.catalog, load_profile("sichuan-2025"))
    return _paragraphs(render_text(ledger, "sichuan-2025"))


def test_sentences_with_a_final_stop_render_without_doubled_stops() -> None:
    plain = _with_texts(lambda _field, text: text)
    stopped = _with_texts(lambda _field, text: text if text.endswith("。") else text + "。")
    assert not any("。。" in p for p in stopped)
    assert stopped == plain  # the unit's own final 。 gives way to the template's


def test_a_repeated_lead_word_and_doubled_marks_are_cleaned() -> None:
    plain = _with_texts(lambda _field, text: text)
    typed = _with_texts(
        lambda field, text: "用于" + text + "，。" if "purpose" in field or "function_purposes" in field else text
    )
    assert typed == plain
    assert not any("用于用于" in p for p in typed)


def test_an_unstated_fact_is_a_marker_and_a_finding_never_a_claim(tmp_path: Path) -> None:
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    for stated in (
        "    assets:\n      vehicles: 0\n      large_equipment: 0\n"
        "      planned_vehicles: 0\n      planned_large_equipment: 0\n",
        "    procurement: []  # stated: no government procurement this year\n",
    ):
        assert text.count(stated) == 1
        text = text.replace(stated, "")
    path = tmp_path / "budget.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("check", path, "--select", "BG-C141")
    assert result.exit_code == 1
    for label in ("车辆数", "公务用车数", "大型设备数", "本年拟购车辆及大型设备数", "政府采购情况"):
        assert f"说明中仍有【待填写：{label}】" in result.stdout, result.stdout
    from budgetgen.pipeline import load_context

    paragraphs = _paragraphs(load_context(path).document.parts)
    claims = ("车辆 0 辆", "公务用车 0 辆", "无政府采购预算安排", "单位无价值 200 万元以上", "未安排购置")
    assert not any(claim in p for claim in claims for p in paragraphs)
    stated = _paragraphs(load_context(GUANGYUAN).document.parts)
    assert any("共有车辆 0 辆" in p for p in stated)
    assert any("无政府采购预算安排" in p for p in stated)
    assert any("未安排购置车辆及单位价值 200 万元以上大型设备" in p for p in stated)


def test_the_generated_text_is_read_again_for_repeated_words(tmp_path: Path) -> None:
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    old = "change_reason: 2025 年预算人数较上年减少 1 人"
    path = tmp_path / "budget.yaml"
    path.write_text(text.replace(old, "change_reason: 2025 年预算人数较上年减少减少 1 人"), encoding="utf-8")
    result = run("check", path, "--select", "BG-C142")
    assert result.exit_code == 1
    assert "说明文字词语重复：“减少减少”" in result.stdout, result.stdout


def test_the_text_sheet_shows_the_sentence_each_text_is_placed_in(base: bytes) -> None:
    sheet = load_workbook(io.BytesIO(base))["文字说明"]
    headers = [c.value for c in sheet[1]]
    preview = headers.index("放入的句子（预览）") + 1
    rows = {sheet.cell(r, 2).value: sheet.cell(r, preview).value for r in range(2, sheet.max_row + 1)}
    purpose = "2025 年公务接待费计划用于执行接待考察调研、检查指导等公务活动开支的交通费、住宿费、用餐费等。"
    assert rows["公务接待费用途"] == purpose
    assert rows["收支总数变化原因"].endswith("主要原因是2025 年预算人数较上年减少 1 人。")


def test_entrusted_business_above_the_procurement_limit_needs_a_procurement_entry(tmp_path: Path) -> None:
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    old = '{econ: "30226", amount: 210000}'
    assert text.count(old) == 1
    path = tmp_path / "budget.yaml"
    path.write_text(text.replace(old, '{econ: "30226", amount: 510000}'), encoding="utf-8")
    result = run("check", path, "--select", "BG-C199")
    assert "含委托业务费 510,000.00 元（51.00 万元）" in result.stdout, result.stdout
    assert run("check", GUANGYUAN, "--select", "BG-C199").exit_code == 0  # 21 万元 is below the limit


# --- the face speaks Chinese ---------------------------------------------------------------------------


def test_a_usage_error_is_in_chinese(tmp_path: Path) -> None:
    result = run("render", GUANGYUAN)
    assert result.exit_code == 2
    assert "错误：缺少选项 '-o' / '--output'" in result.stderr
    assert "用法：" in result.stderr
    for english in ("Error", "Usage", "Missing", "Try "):
        assert english not in result.stderr
    wrong = run("check", GUANGYUAN, "--format", "yml")
    assert "'--format' 的取值无效：'yml' 不是可选值之一" in wrong.stderr


def test_help_words_are_in_chinese() -> None:
    result = run("check", "--help")
    assert result.exit_code == 0
    assert "显示本帮助并退出。" in result.stdout
    assert "选项" in result.stdout
    assert "Show this message" not in result.stdout
    assert "[默认：text]" in result.stdout
    assert result.stdout.startswith("用法： cli check [选项] IN...")  # the runner names the program “cli”
    assert run("--help").stdout.startswith("用法： cli [选项] 命令 [参数]...")


def test_every_rule_is_described_in_chinese() -> None:
    from budgetgen.checks import rule_catalog
    from budgetgen.checks.rules_zh import DESCRIPTIONS

    assert set(DESCRIPTIONS) == {info.code for info in rule_catalog()}


def _reader_goes_away(*args: str) -> tuple[int, str]:
    """Run budgetgen with its stdout closed before the first byte is written (``| head -0``)."""
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "budgetgen", *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        stderr = process.stderr.read().decode("utf-8")
        return process.wait(timeout=60), stderr


def test_a_closed_pipe_is_not_an_internal_error() -> None:
    for args in (("schema",), ("check", "--list-rules")):
        code, stderr = _reader_goes_away(*args)
        assert code not in (0, 3), (args, code, stderr)  # the output did not arrive, and it is not a bug
        assert "BG-E099" not in stderr
        assert "Traceback" not in stderr


def test_a_long_command_says_its_stages_on_a_terminal(tmp_path: Path) -> None:
    from budgetgen import progress

    with mock.patch.object(progress, "_is_terminal", return_value=True), mock.patch.object(progress, "THRESHOLD", 0):
        result = run("render", GUANGYUAN, "-o", tmp_path, "--xlsx")
        quiet = run("render", GUANGYUAN, "-o", tmp_path / "quiet", "--xlsx", "--quiet")
    assert result.exit_code == 0
    stages = [line.split("] ")[1] for line in result.stderr.splitlines() if line.startswith("[")]
    assert stages == ["读取输入…", "检查输入…", "生成 Excel 工作簿…", "写入文件…"]
    assert "已生成（用时" in result.stderr
    assert result.stderr.rstrip().endswith("342601-2025-预算公开.xlsx")
    assert result.stdout.strip() == str(tmp_path / "342601-2025-预算公开.xlsx")  # stdout stays the paths
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    plain = run("render", GUANGYUAN, "-o", tmp_path / "plain", "--xlsx")  # not a terminal: nothing on stderr
    assert plain.stderr == ""


def test_check_and_annotate_is_a_library_function(base: bytes, tmp_path: Path) -> None:
    from budgetgen.run import check_and_annotate

    path = edited(base, tmp_path / "five.xlsx", **FIVE_SHEETS)
    before = path.read_bytes()
    findings, data = check_and_annotate(path, "sichuan-2025")
    assert [(str(f.location), f.code) for f in findings] == EXPECTED
    assert path.read_bytes() == before
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "检查结果"
    assert "BG-E013" in book["收入"]["D2"].comment.text


def test_a_blank_reference_never_reads_none(base: bytes, tmp_path: Path) -> None:
    path = edited(base, tmp_path / "blank.xlsx", 工资项目__B2=None, 项目明细__B2=None)
    result = run("check", path)
    assert result.exit_code == 2
    assert "工资项目!B2: 错误 BG-E040 没有填写人员类别" in result.stdout
    assert "项目明细!B2: 错误 BG-E040 没有填写项目代码" in result.stdout
    assert "None" not in result.stdout


def test_yaml_value_errors_and_codes_come_together(tmp_path: Path) -> None:
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    edits = {
        "kind: 参公": "kind: 企业",  # a value error in the unit itself
        '{econ: "30207", amount: 139600}': '{econ: "30298", amount: 139600}',  # a code not in the catalog
        "reception: 15000}": "reception: abc}",  # an amount that is not a number
    }
    for old, new in edits.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "budget.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("check", path)
    assert result.exit_code == 2
    codes = sorted({line.split()[2] for line in result.stdout.splitlines() if ": 错误 " in line})
    assert codes == ["BG-E013", "BG-E014", "BG-E021"], result.stdout


def test_a_sheet_without_a_required_column_is_one_error_not_one_per_row(base: bytes, tmp_path: Path) -> None:
    path = edited(base, tmp_path / "no-name.xlsx", 项目__C1="名称")  # 项目名称 renamed: the projects cannot be read
    result = run("check", path)
    assert result.exit_code == 2
    errors = [line for line in result.stdout.splitlines() if ": 错误 " in line]
    assert errors == [
        "项目!C1: 错误 BG-E042 工作表“项目”缺少列“项目名称”：C1 的列名为“名称”，请改回模板的“项目名称”"
        "（否则这一列的数据不会被读取）"
    ], result.stdout


def test_an_annotated_workbook_fixed_and_checked_again_loses_its_old_marks(base: bytes, tmp_path: Path) -> None:
    path = edited(base, tmp_path / "two.xlsx", 单位__C2="企业", 收入__D2="abc")
    first = tmp_path / "first.xlsx"
    run("check", path, "--annotate", first)
    book = load_workbook(first)
    book["单位"]["C2"] = "参公"  # the accountant fixes one cell in the annotated copy
    fixed = tmp_path / "fixed.xlsx"
    book.save(fixed)
    second = tmp_path / "second.xlsx"
    result = run("check", fixed, "--annotate", second)
    assert result.exit_code == 2
    again = load_workbook(second)
    assert again["单位"]["C2"].comment is None
    assert again["单位"]["C2"].fill.fill_type is None
    assert "BG-E013" in again["收入"]["D2"].comment.text
    assert again.sheetnames.count("检查结果") == 1
    assert [row[2] for row in again["检查结果"].iter_rows(min_row=3, values_only=True)] == ["BG-E013"]
