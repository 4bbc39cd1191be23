"""Hostile and careless input: special files, numbers, characters and round-trip hazards.

Each case is a small edit of the one-unit ``BASE`` of ``test_input_errors`` (line numbers as listed
there) and must end as a located input error (exit 2), never as a hang, a traceback or a silently
changed value.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result

from budgetgen.diagnostics import InputError
from budgetgen.io.load import load_budget

from .conftest import ROOT, run
from .test_input_errors import BASE, variant, write


def located(result_stderr: str, code: str, where: str) -> None:
    """The error ``code`` is reported at ``where`` (``file:line:col`` suffix or ``Sheet!Cell``)."""
    lines = [line for line in result_stderr.splitlines() if f" {code} " in line]
    assert lines, result_stderr
    assert any(where in line.split(": ")[0] for line in lines), result_stderr
    assert "Traceback" not in result_stderr


def said(result: Result) -> str:
    """Everything a command printed (check reports on stdout, the other commands on stderr)."""
    return result.stdout + result.stderr


# --- only regular files are read ------------------------------------------------------------------------


def _special(tmp_path: Path, case: str) -> Path:
    if case == "symlink-to-dev-zero.yaml":
        (tmp_path / "in.yaml").symlink_to("/dev/zero")
        return tmp_path / "in.yaml"
    if case == "symlink-to-dev-zero.xlsx":
        (tmp_path / "in.xlsx").symlink_to("/dev/zero")
        return tmp_path / "in.xlsx"
    if case == "fifo.yaml":
        os.mkfifo(tmp_path / "in.yaml")
        return tmp_path / "in.yaml"
    if case == "fifo.xlsx":
        os.mkfifo(tmp_path / "in.xlsx")
        return tmp_path / "in.xlsx"
    assert case == "folder-with-fifo-budget.yaml"
    (tmp_path / "unit").mkdir()
    os.mkfifo(tmp_path / "unit" / "budget.yaml")
    return tmp_path / "unit"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
@pytest.mark.parametrize(
    "case",
    [
        "symlink-to-dev-zero.yaml",
        "symlink-to-dev-zero.xlsx",
        "fifo.yaml",
        "fifo.xlsx",
        "folder-with-fifo-budget.yaml",
    ],
)
def test_special_files_are_refused_by_type(case: str, tmp_path: Path) -> None:
    # a subprocess with a timeout: before the fix these hang (FIFO) or read without end (/dev/zero)
    path = _special(tmp_path, case)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "budgetgen", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "BG-E001" in output, output
    assert "不是普通文件" in output, output
    assert "Traceback" not in output


def test_a_regular_file_through_a_symlink_is_read(tmp_path: Path) -> None:
    target = write(tmp_path, BASE, "real.yaml")
    (tmp_path / "link.yaml").symlink_to(target)
    assert load_budget(tmp_path / "link.yaml").budget.units[0].name == "测试中心"


# --- one number syntax, bounded ----------------------------------------------------------------------------

ASSETS = "    assets:\n      building_area: {value}\n"
PROCUREMENT = (
    "    procurement:\n      - name: 电脑\n        category: 货物\n        amount: 5000\n        quantity: {value}\n"
)
INDICATOR = (
    "        indicators:\n          - level1: 产出指标\n            level2: 数量指标\n            name: 人数\n"
    "            comparison: ≥\n            value: '10'\n            weight: {value}\n"
)

# (template inserted before "    staff:" or at the end, line, column of the value, field path)
NUMBER_FIELDS = {
    "headcount": (None, 15, 20, "units[0].staff[0].headcount"),
    "building_area": (ASSETS, 13, 22, "units[0].assets.building_area"),
    "quantity": (PROCUREMENT, 44, 19, "units[0].procurement[0].quantity"),
    "weight": (INDICATOR, 46, 21, "units[0].projects[2].indicators[0].weight"),
    "internal_divisions": ("    internal_divisions: {value}\n", 12, 25, "units[0].internal_divisions"),
}
BAD_NUMBERS = ['"1e999999999"', "1e999999999", "1e5", '"9_6"', '"４０"', '"٣"', "9" * 40, "-1", ".inf", "0x10"]


def number_input(field: str, value: str) -> str:
    template, *_ = NUMBER_FIELDS[field]
    if template is None:
        return variant("        headcount: 10\n", f"        headcount: {value}\n")
    if field == "weight":
        return BASE + template.format(value=value)
    if field == "quantity":
        return BASE + template.format(value=value)
    return variant("    staff:\n", template.format(value=value) + "    staff:\n")


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("field", list(NUMBER_FIELDS))
def test_every_number_field_has_the_amount_syntax_and_bounds(field: str, value: str, tmp_path: Path) -> None:
    path = write(tmp_path, number_input(field, value))
    result = run("check", path)
    assert result.exit_code == 2, said(result)
    _, line, column, dotted = NUMBER_FIELDS[field]
    located(said(result), "BG-E013", f"budget.yaml:{line}:{column}")
    assert f"字段 {dotted}" in said(result), said(result)


@pytest.mark.parametrize("field", list(NUMBER_FIELDS))
def test_a_plain_number_is_accepted_everywhere(field: str, tmp_path: Path) -> None:
    path = write(tmp_path, number_input(field, "40"))
    result = run("check", path)
    assert result.exit_code in (0, 1), said(result)
    assert "BG-E013" not in said(result)


def test_amounts_refuse_the_same_forms(tmp_path: Path) -> None:
    for value in ('"9_6"', '"４０"', "1e5"):
        path = write(tmp_path, variant("        amount: 5000\n", f"        amount: {value}\n"))
        result = run("check", path)
        assert result.exit_code == 2
        located(said(result), "BG-E013", "budget.yaml:22:17")


def test_a_huge_area_is_refused_by_render_too(tmp_path: Path) -> None:
    # before: check exit 0, render exit 3 (decimal overflow) or a million-digit number in the package
    path = write(tmp_path, number_input("building_area", "1e999999999"))
    result = run("render", path, "-o", tmp_path / "out", "--xlsx", "--draft")
    assert result.exit_code == 2, said(result)
    located(said(result), "BG-E013", "budget.yaml:13:22")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_budget_year_has_the_one_syntax(tmp_path: Path) -> None:
    path = write(tmp_path, variant("budget_year: 2025\n", 'budget_year: "２０２５"\n'))
    result = run("check", path)
    assert result.exit_code == 2
    located(said(result), "BG-E013", "budget.yaml:2:14")


# --- characters no name or text may hold --------------------------------------------------------------

BAD_CHARACTERS = {
    "U+0001": "\\x01",
    "ESC": "\\e]0;title\\a",
    "BEL": "\\a",
    "U+0085": "\\N",
    "U+2028": "\\L",
    "U+2029": "\\P",
    "U+202E": "\\u202e",
    "U+007F": "\\x7f",
    "U+FFFE": "\\ufffe",
}
TEXT_FIELDS = {
    # field: (line of BASE to replace, its replacement with {text}, line, column, field path)
    "unit name": ("    name: 测试中心\n", '    name: "测试{text}中心"\n', 9, 11, "units[0].name"),
    "department name": ("  name: 测试局\n", '  name: "{text}测试局"\n', 6, 9, "department.name"),
    "staff group name": ("      - name: 在职人员\n", '      - name: "在职{text}"\n', 13, 15, "units[0].staff[0].name"),
    "project name": ("        name: 信息化建设\n", '        name: "信息{text}"\n', 32, 15, "units[0].projects[2].name"),
    "text": (
        "    staff:\n",
        '    texts:\n      functions: "负责社会保险经办。\\n{text}"\n    staff:\n',
        13,
        18,
        "units[0].texts.functions",
    ),
}


@pytest.mark.parametrize("character", list(BAD_CHARACTERS))
@pytest.mark.parametrize("field", list(TEXT_FIELDS))
def test_control_and_unsettable_characters_are_refused_at_the_field(field: str, character: str, tmp_path: Path) -> None:
    old, new, line, column, dotted = TEXT_FIELDS[field]
    path = write(tmp_path, variant(old, new.format(text=BAD_CHARACTERS[character])))
    result = run("check", path)
    assert result.exit_code == 2, said(result)
    located(said(result), "BG-E012", f"budget.yaml:{line}:{column}")
    assert f"字段 {dotted}" in said(result)
    assert "不允许的字符" in said(result)


def test_a_trailing_control_character_is_refused_not_stripped(tmp_path: Path) -> None:
    path = write(tmp_path, variant("    name: 测试中心\n", '    name: "测试中心\\N"\n'))
    result = run("check", path)
    assert result.exit_code == 2
    located(said(result), "BG-E012", "budget.yaml:9:11")


def test_line_breaks_and_tabs_stay_allowed_in_texts(tmp_path: Path) -> None:
    text = '    texts:\n      functions: "第一段。\\r\\n第二段\\t。"\n    staff:\n'
    loaded = load_budget(write(tmp_path, variant("    staff:\n", text)))
    assert loaded.budget.units[0].texts.functions == "第一段。\n第二段\t。"


def test_a_name_cannot_hold_a_line_break(tmp_path: Path) -> None:
    path = write(tmp_path, variant("    name: 测试中心\n", '    name: "测试\\n中心"\n'))
    result = run("check", path)
    assert result.exit_code == 2
    located(said(result), "BG-E012", "budget.yaml:9:11")
    assert "不能换行" in said(result)


# --- what the workbook cannot carry back is refused at check ------------------------------------------------

PROJECT_END = "        category: 特定目标类\n"


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ("    staff:\n", "    subordinate_units: [甲中心、乙中心]\n    staff:\n", "12:25", "不能含有“、”"),
        ("    staff:\n", '    subordinate_units: ["甲中心,乙中心"]\n    staff:\n', "12:25", "不能含有“,”"),
        ("    staff:\n", '    subordinate_units: ["甲中心；乙中心"]\n    staff:\n', "12:25", "不能含有“；”"),
        (PROJECT_END, PROJECT_END + '        goals: ["第一条\\n第二条"]\n', "34:17", "不能换行"),
        (PROJECT_END, PROJECT_END + '        goals: ["第一条", " "]\n', "34:24", "不能为空"),
    ],
    ids=["subordinate-、", "subordinate-,", "subordinate-；", "goal-line-break", "blank-goal"],
)
def test_what_the_workbook_cannot_carry_is_refused(
    old: str, new: str, where: str, message: str, tmp_path: Path
) -> None:
    path = write(tmp_path, variant(old, new))
    result = run("check", path)
    assert result.exit_code == 2, said(result)
    located(said(result), "BG-E012", f"budget.yaml:{where}")
    assert message in said(result)


def test_two_staff_groups_with_one_name_are_refused(tmp_path: Path) -> None:
    second = "    staff:\n      - name: 在职人员\n        kind: 在职\n        headcount: 1\n"
    path = write(tmp_path, variant("    staff:\n", second))
    result = run("check", path)
    assert result.exit_code == 2, said(result)
    located(said(result), "BG-E024", "budget.yaml:16:15")
    assert "人员类别“在职人员”重复" in said(result)


def test_load_errors_are_input_errors(tmp_path: Path) -> None:
    path = write(tmp_path, number_input("building_area", "1e999999999"))
    with pytest.raises(InputError) as raised:
        load_budget(path)
    assert [d.code for d in raised.value.diagnostics] == ["BG-E013"]


def test_text_the_pdf_cannot_set_is_refused_before_rendering(tmp_path: Path) -> None:
    # before: check passed, and render --pdf failed with BG-E060 located only at "budgetgen"
    text = '    texts:\n      functions: "负责\\L社会保险"\n    staff:\n'
    path = write(tmp_path, variant("    staff:\n", text))
    result = run("render", path, "-o", tmp_path / "out", "--pdf", "--draft")
    assert result.exit_code == 2
    located(said(result), "BG-E012", "budget.yaml:13:18")
    assert "BG-E060" not in said(result)


def test_blank_text_is_refused_not_kept_as_nothing(tmp_path: Path) -> None:
    # a workbook cell cannot tell "" from no value: blank text would not survive the round trip
    path = write(tmp_path, variant("    staff:\n", '    texts:\n      key_work: " "\n    staff:\n'))
    result = run("check", path)
    assert result.exit_code == 2
    located(said(result), "BG-E012", "budget.yaml:13:17")


def test_a_flood_of_errors_is_told_in_a_hundred_lines(tmp_path: Path) -> None:
    # before: one diagnostic per wrong value (a million lines, minutes and gigabytes for an 8 MB file)
    flood = "".join(f"extra{n}: 1\n" for n in range(5000))
    path = write(tmp_path, BASE + flood)
    with pytest.raises(InputError) as raised:
        load_budget(path)
    diagnostics = raised.value.diagnostics
    assert len(diagnostics) == 101
    located_ones = [d for d in diagnostics if d.code != "BG-E004"]  # the notice of the cap has no line
    assert [d.code for d in diagnostics].count("BG-E004") == 1
    assert {d.code for d in located_ones} == {"BG-E011"}
    assert located_ones[0].location.line == 40
    (notice,) = [d for d in diagnostics if d.code == "BG-E004"]
    assert "另有 4900 处错误未列出" in notice.message


# --- the same rules hold for a workbook, located at its cell -------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "code", "message"),
    [
        ("人员", "D2", "9_6", "BG-E013", "“9_6”不是数字"),
        ("人员", "D2", "４０", "BG-E013", "“４０”不是数字"),
        ("单位", "G2", 1e300, "BG-E013", "过大"),
        ("绩效指标", "I2", "1e5", "BG-E013", "不是数字"),
        ("单位", "B2", "广元市\u2028社会保险事务中心", "BG-E012", "U+2028"),
        ("单位", "B2", "广元市社会保险事务中心\x85", "BG-E012", "U+0085"),
        ("项目", "H2", "第一条\u2028第二条", "BG-E012", "U+2028"),
    ],
    ids=["headcount-9_6", "headcount-wide", "divisions-huge", "weight-1e5", "name-U2028", "name-NEL", "goal-U2028"],
)
def test_workbook_cells_follow_the_same_rules(
    sheet: str, cell: str, value: object, code: str, message: str, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from .conftest import GUANGYUAN
    from .test_workbook_input import compact_template

    book = load_workbook(io.BytesIO(compact_template(load_budget(GUANGYUAN))))
    book[sheet][cell].value = value
    path = tmp_path / "budget.xlsx"
    book.save(path)
    result = run("check", path)
    assert result.exit_code == 2, said(result)
    located(said(result), code, f"{sheet}!{cell}")
    assert message in said(result)


def test_a_mapping_of_too_many_keys_is_refused_where_it_overflows(tmp_path: Path) -> None:
    flood = "".join(f"k{n}: 1\n" for n in range(10_001))
    path = write(tmp_path, "format_version: 1\n" + flood)
    with pytest.raises(InputError) as raised:
        load_budget(path)
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "BG-E004"
    assert diagnostic.location.line == 10_001  # format_version and k0 … k9998 are the 10,000 allowed
    assert "键过多" in diagnostic.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_profile_files_are_read_as_regular_files_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from budgetgen import profiles
    from budgetgen.package.spec import load_tables_spec

    root = tmp_path / "templates"
    shutil.copytree(profiles.templates_root() / "sichuan-2025", root / "mine")
    (root / "mine" / "tables.yaml").unlink()
    os.mkfifo(root / "mine" / "tables.yaml")  # before: the read blocked for ever
    monkeypatch.setattr(profiles, "templates_root", lambda: root)
    with pytest.raises(InputError) as raised:
        load_tables_spec.__wrapped__("mine")
    assert raised.value.diagnostics[0].code == "BG-E030"  # a profile's file: the profile's error code
    assert "不是普通文件" in raised.value.diagnostics[0].message
