"""Bad inputs: each gives one located Chinese message with a stable code, exit 2 and no traceback.

Every case is a small text edit of ``BASE`` (a department with one unit, a staff group, an operating
item and one specific project with lines), written to ``tmp_path`` so that the expected
``file:line:col`` can be read off the text. Lines and columns are 1-based; the listing of ``BASE``
below is what the expected positions were counted from.

     1 format_version: 1
     2 budget_year: 2025
     3 amount_unit: 元
     4 department:
     5   code: "342"
     6   name: 测试局
     7 units:
     8   - code: "342001"
     9     name: 测试中心
    10     kind: 参公
    11     main_function: "2080109"
    12     staff:
    13       - name: 在职人员
    14         kind: 在职
    15         headcount: 10
    16         pay:
    17           - econ: "30101"
    18             amount: 120000
    19             project: P01
    20     operating_items:
    21       - econ: "30201"
    22         amount: 5000
    23         project: R01
    24     projects:
    25       - code: P01
    26         name: 基本工资
    27         category: 人员类
    28       - code: R01
    29         name: 日常公用经费
    30         category: 运转类
    31       - code: T01
    32         name: 信息化建设
    33         category: 特定目标类
    34         function: "2080109"
    35         lines:
    36           - econ: "30213"
    37             amount: 70000
    38           - econ: "30201"
    39             amount: 3000.50
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetgen.cli import cli

BASE = """\
format_version: 1
budget_year: 2025
amount_unit: 元
department:
  code: "342"
  name: 测试局
units:
  - code: "342001"
    name: 测试中心
    kind: 参公
    main_function: "2080109"
    staff:
      - name: 在职人员
        kind: 在职
        headcount: 10
        pay:
          - econ: "30101"
            amount: 120000
            project: P01
    operating_items:
      - econ: "30201"
        amount: 5000
        project: R01
    projects:
      - code: P01
        name: 基本工资
        category: 人员类
      - code: R01
        name: 日常公用经费
        category: 运转类
      - code: T01
        name: 信息化建设
        category: 特定目标类
        function: "2080109"
        lines:
          - econ: "30213"
            amount: 70000
          - econ: "30201"
            amount: 3000.50
"""

# Two or more English words in a row: pydantic's, Python's or libyaml's own text leaking into a message.
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,})+")


def variant(old: str, new: str, text: str = BASE) -> str:
    """``text`` with the one occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def write(tmp_path: Path, text: str | bytes, name: str = "budget.yaml") -> Path:
    """Write an input file (text as UTF-8, bytes as they are) and return its path."""
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run_summary(path: Path, *options: str) -> tuple[int, str]:
    """Run ``budgetgen summary <path>`` in-process; return the exit code and what went to stderr."""
    result = CliRunner().invoke(cli, ["summary", *options, str(path)])
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    # An exception that escaped the command would show here instead of the SystemExit of sys.exit(2).
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stderr


def diagnostic(stderr: str, code: str) -> str:
    """The first line of stderr that carries ``code``."""
    for line in stderr.splitlines():
        if f" {code} " in line:
            return line
    raise AssertionError(f"no {code} in:\n{stderr}")


def assert_error(
    path: Path,
    code: str,
    line: int | None,
    column: int | None,
    *fragments: str,
    field: str | None = None,
) -> str:
    """Run the CLI on ``path`` and check exit 2, the code, the exact position and message fragments.

    Returns the whole stderr text (the diagnostic, its hints and the closing line) for further checks.
    """
    exit_code, stderr = run_summary(path)
    assert exit_code == 2, f"exit {exit_code} (input accepted?), stderr:\n{stderr}"
    message = diagnostic(stderr, code)
    where = str(path) if line is None else f"{path}:{line}" if column is None else f"{path}:{line}:{column}"
    assert message.startswith(f"{where}: 错误 {code} "), f"expected {where}, got:\n{stderr}"
    for fragment in fragments:
        assert fragment in stderr, f"{fragment!r} not in:\n{stderr}"
    if field is not None:
        assert message.endswith(f"（字段 {field}）"), message
    assert "输入有误" in stderr
    return stderr


def message_text(stderr: str, code: str) -> str:
    """The message part of a diagnostic line: after the code, without the field path."""
    line = diagnostic(stderr, code)
    text = line.split(f" {code} ", 1)[1]
    return re.sub(r"（字段 [^）]*）$", "", text)


# --- the base itself ----------------------------------------------------------------------------------------------


def test_base_input_is_valid(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["summary", str(write(tmp_path, BASE))])
    assert result.exit_code == 0, result.output
    assert "342001" in result.stdout


# --- reading the file: BG-E001 .. BG-E006 -------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert_error(tmp_path / "nothing.yaml", "BG-E001", None, None, "文件不存在")


def test_folder_without_budget_yaml(tmp_path: Path) -> None:
    folder = tmp_path / "empty-folder"
    folder.mkdir()
    assert_error(folder, "BG-E001", None, None, "文件夹中没有 budget.yaml")


def test_not_a_yaml_file(tmp_path: Path) -> None:
    assert_error(write(tmp_path, BASE, "budget.txt"), "BG-E001", None, None, "不支持的输入文件类型“.txt”")


def test_folder_input_names_the_file_inside(tmp_path: Path) -> None:
    write(tmp_path, variant("    kind: 参公\n", "    kind: 企业\n"))
    exit_code, stderr = run_summary(tmp_path)
    assert exit_code == 2
    assert diagnostic(stderr, "BG-E014").startswith(f"{tmp_path / 'budget.yaml'}:10:11: 错误 BG-E014 ")


def test_syntax_error_bad_indentation(tmp_path: Path) -> None:
    # line 9 indented by 5 instead of 4: the parser stops at the key "name" in column 6
    path = write(tmp_path, variant("    name: 测试中心\n", "     name: 测试中心\n"))
    assert_error(path, "BG-E002", 9, 6, "YAML 语法错误")


def test_syntax_error_unclosed_bracket(tmp_path: Path) -> None:
    # the flow sequence opened on line 11 is still open where line 12 starts a new key ("staff", column 5)
    path = write(tmp_path, variant('    main_function: "2080109"\n', '    main_function: ["2080109"\n'))
    assert_error(path, "BG-E002", 12, 5, "YAML 语法错误")


def test_syntax_error_tab_indentation(tmp_path: Path) -> None:
    path = write(tmp_path, variant("    kind: 参公\n", "\tkind: 参公\n"))
    assert_error(path, "BG-E002", 10, 1, "YAML 语法错误")


def test_control_character(tmp_path: Path) -> None:
    # "    name: 测试" is 12 characters, so the NUL is column 13 of line 9
    path = write(tmp_path, variant("    name: 测试中心\n", "    name: 测试\x00中心\n"))
    stderr = assert_error(path, "BG-E002", 9, 13, "YAML 语法错误")
    assert "<unicode string>" not in stderr


def test_duplicate_key(tmp_path: Path) -> None:
    path = write(tmp_path, variant("    kind: 参公\n", "    kind: 参公\n    kind: 行政\n"))
    assert_error(path, "BG-E005", 11, 5, "键“kind”重复", "第一次出现在第 10 行", field="units[0].kind")


def test_not_utf8(tmp_path: Path) -> None:
    # saved as GBK: the first byte that is not UTF-8 is the 测 of line 6, after "  name: " (column 9)
    path = write(tmp_path, BASE.encode("gbk"))
    assert_error(path, "BG-E003", 6, 9, "文件不是 UTF-8 编码")


@pytest.mark.parametrize("text", ["", "\n", "# 只有注释\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert_error(write(tmp_path, text), "BG-E012", 1, 1, "顶层应为映射", "空文件")


def test_top_level_list(tmp_path: Path) -> None:
    assert_error(write(tmp_path, "- 342\n- 测试局\n"), "BG-E012", 1, 1, "顶层应为映射")


BOMB = "".join(
    f"{name}: &{name} [{', '.join([item] * 9)}]\n"
    for name, item in zip("abcdefghi", ['"lol"', *[f"*{n}" for n in "abcdefgh"]], strict=True)
)


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    # nine levels of nine aliases each: 9**9 (387 million) scalars once expanded
    path = write(tmp_path, BOMB)
    start = time.perf_counter()
    exit_code, stderr = run_summary(path)
    elapsed = time.perf_counter() - start
    assert exit_code == 2
    message = diagnostic(stderr, "BG-E004")
    found = re.match(rf"{re.escape(str(path))}:(\d+):(\d+): 错误 BG-E004 ", message)
    assert found, message
    assert 1 <= int(found[1]) <= 9
    assert "别名" in message
    assert elapsed < 0.5, f"alias bomb took {elapsed:.2f} s"


def test_nesting_too_deep(tmp_path: Path) -> None:
    # 100 nested flow sequences after "a: ": the 65th "[" (depth 65) is column 3 + 65 = 68
    path = write(tmp_path, "a: " + "[" * 100 + "]" * 100 + "\n")
    assert_error(path, "BG-E004", 1, 68, "嵌套过深")


def test_python_tag_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "was-run"
    tagged = f'    name: !!python/object/apply:os.system ["touch {marker}"]\n'
    path = write(tmp_path, variant("    name: 测试中心\n", tagged))
    assert_error(path, "BG-E006", 9, 11, "不支持的 YAML 标签", "python/object/apply:os.system", field="units[0].name")
    assert not marker.exists()


def test_merge_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, variant("    name: 测试中心\n", "    <<: {name: 测试中心}\n"))
    assert_error(path, "BG-E006", 9, 5, "合并键“<<”")


# --- the model: BG-E010 .. BG-E016 -------------------------------------------------------------------------------


def test_missing_required_field_points_at_the_mapping(tmp_path: Path) -> None:
    # without its name the unit mapping starts at "code" on line 8, column 5
    path = write(tmp_path, variant("    name: 测试中心\n", ""))
    assert_error(path, "BG-E010", 8, 5, "缺少必填字段“name”", field="units[0].name")


def test_missing_top_level_field(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.split("units:\n")[0])
    assert_error(path, "BG-E010", 1, 1, "缺少必填字段“units”", field="units")


def test_unknown_field_with_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, variant("        headcount: 10\n", "        headcont: 10\n"))
    stderr = assert_error(path, "BG-E011", 15, 9, "未知字段“headcont”", "是否应为“headcount”？")
    assert "units[0].staff[0].headcont" in diagnostic(stderr, "BG-E011")
    # the misspelt key also leaves headcount missing; that is reported at the group mapping
    assert diagnostic(stderr, "BG-E010").startswith(f"{path}:13:9: 错误 BG-E010 缺少必填字段“headcount”")


def test_unknown_top_level_field(tmp_path: Path) -> None:
    path = write(tmp_path, variant("budget_year: 2025\n", "budget_year: 2025\nbudget_yaer: 2025\n"))
    assert_error(path, "BG-E011", 3, 1, "未知字段“budget_yaer”", "是否应为“budget_year”？", field="budget_yaer")


def test_wrong_type_integer(tmp_path: Path) -> None:
    path = write(tmp_path, variant("        headcount: 10\n", "        headcount: abc\n"))
    # a headcount has the one number syntax of amounts, and the same message
    assert_error(path, "BG-E013", 15, 20, "“abc”不是数字", "不带千位分隔符和单位", field="units[0].staff[0].headcount")


def test_wrong_type_list(tmp_path: Path) -> None:
    staff = BASE[BASE.index("    staff:\n") : BASE.index("    operating_items:\n")]
    path = write(tmp_path, variant(staff, "    staff: 在职人员\n"))
    assert_error(path, "BG-E012", 12, 12, "应为列表", field="units[0].staff")


def test_budget_year_out_of_range(tmp_path: Path) -> None:
    path = write(tmp_path, variant("budget_year: 2025\n", "budget_year: 1999\n"))
    assert_error(path, "BG-E012", 2, 14, "“1999”应不小于 2000", field="budget_year")


def test_unsupported_format_version(tmp_path: Path) -> None:
    path = write(tmp_path, variant("format_version: 1\n", "format_version: 2\n"))
    assert_error(path, "BG-E014", 1, 17, "“2”不是可选值", field="format_version")


@pytest.mark.parametrize("value", ["²", "9" * 5000], ids=["superscript-digit", "5000-digits"])
def test_format_version_python_cannot_read(tmp_path: Path, value: str) -> None:
    # like any other value that is not 1 (e.g. "x"): not one of the choices, said in Chinese
    path = write(tmp_path, variant("format_version: 1\n", f"format_version: {value}\n"))
    stderr = assert_error(path, "BG-E014", 1, 17, "不是可选值", field="format_version")
    assert not ENGLISH.search(message_text(stderr, "BG-E014")), stderr


def test_headcount_with_too_many_digits(tmp_path: Path) -> None:
    path = write(tmp_path, variant("        headcount: 10\n", "        headcount: " + "9" * 5000 + "\n"))
    stderr = assert_error(path, "BG-E013", 15, 20, field="units[0].staff[0].headcount")
    text = message_text(stderr, "BG-E013")
    assert not ENGLISH.search(text), text


@pytest.mark.parametrize("amount", ["12,000", "十万", "12000元"])
def test_amount_not_a_number(tmp_path: Path, amount: str) -> None:
    path = write(tmp_path, variant("            amount: 120000\n", f"            amount: {amount}\n"))
    assert_error(
        path,
        "BG-E013",
        18,
        21,
        f"金额“{amount}”不是数字",
        "不带千位分隔符和单位",
        field="units[0].staff[0].pay[0].amount",
    )


def test_amount_below_one_fen(tmp_path: Path) -> None:
    path = write(tmp_path, variant("        amount: 5000\n", "        amount: 0.001\n"))
    assert_error(
        path,
        "BG-E013",
        22,
        17,
        "金额“0.001”精确到了分以下",
        "最多 2 位小数",
        field="units[0].operating_items[0].amount",
    )


def test_amount_in_wan_with_seven_decimals(tmp_path: Path) -> None:
    text = variant("amount_unit: 元\n", "amount_unit: 万元\n")
    path = write(tmp_path, variant("            amount: 120000\n", "            amount: 12.0000001\n", text))
    assert_error(path, "BG-E013", 18, 21, "精确到了分以下", "单位为万元时最多 6 位小数")


def test_amount_in_wan_with_many_decimals(tmp_path: Path) -> None:
    # 1.0000000000000000000000000001 万元 is 10000.000000000000000000000001 元: below one fen, however far down
    text = variant("amount_unit: 元\n", "amount_unit: 万元\n")
    amount = "1.0000000000000000000000000001"
    path = write(tmp_path, variant("            amount: 120000\n", f"            amount: {amount}\n", text))
    assert_error(path, "BG-E013", 18, 21, "精确到了分以下", "单位为万元时最多 6 位小数")


def test_negative_amount(tmp_path: Path) -> None:
    path = write(tmp_path, variant("        amount: 5000\n", "        amount: -5\n"))
    stderr = assert_error(path, "BG-E013", 22, 17, "“-5”", field="units[0].operating_items[0].amount")
    # -5 is a number: the message must say that amounts cannot be negative, not that it is no number
    text = message_text(stderr, "BG-E013")
    assert "负" in text, text
    assert "不是数字" not in text, text


def test_negative_rate(tmp_path: Path) -> None:
    rule = '    contribution_rules:\n      - econ: "30108"\n        rate: -0.1\n        base: ["301"]\n'
    path = write(tmp_path, variant("    operating_items:\n", rule + "    operating_items:\n"))
    stderr = assert_error(path, "BG-E015", 22, 15, "“-0.1”", field="units[0].contribution_rules[0].rate")
    text = message_text(stderr, "BG-E015")
    assert "负" in text, text
    assert "不是数字" not in text, text


def test_empty_amount(tmp_path: Path) -> None:
    # "        amount:" with nothing after it: the empty value sits just after the colon, column 16
    path = write(tmp_path, variant("        amount: 5000\n", "        amount:\n"))
    stderr = assert_error(path, "BG-E013", 22, 16, field="units[0].operating_items[0].amount")
    text = message_text(stderr, "BG-E013")
    assert "None" not in text, text  # Python's name for nothing; the file has no value here


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "bad", "choices", "field"),
    [
        ("    kind: 参公\n", "    kind: 企业\n", 10, 11, "企业", ["行政", "参公", "事业"], "units[0].kind"),
        ("amount_unit: 元\n", "amount_unit: 千元\n", 3, 14, "千元", ["元", "万元"], "amount_unit"),
    ],
    ids=["unit-kind", "amount-unit"],
)
def test_value_not_a_choice(
    tmp_path: Path, old: str, new: str, line: int, column: int, bad: str, choices: list[str], field: str
) -> None:
    path = write(tmp_path, variant(old, new))
    stderr = assert_error(path, "BG-E014", line, column, f"“{bad}”不是可选值，可选：", *choices, field=field)
    text = message_text(stderr, "BG-E014")
    assert " or " not in text, text  # pydantic's English list ("行政, 参公 or 事业") must not leak into the message


def test_rate_above_100_percent(tmp_path: Path) -> None:
    rule = '    contribution_rules:\n      - econ: "30108"\n        rate: 120%\n        base: ["301"]\n'
    path = write(tmp_path, variant("    operating_items:\n", rule + "    operating_items:\n"))
    assert_error(path, "BG-E015", 22, 15, "比例“120%”大于 100%", field="units[0].contribution_rules[0].rate")


def test_pay_item_with_amount_and_per_head(tmp_path: Path) -> None:
    path = write(
        tmp_path, variant("            amount: 120000\n", "            amount: 120000\n            per_head: 12000\n")
    )
    assert_error(
        path, "BG-E016", 17, 13, "amount（合计）或 per_head（每人）之一，且只能填一个", field="units[0].staff[0].pay[0]"
    )


def test_pay_item_without_amount_or_per_head(tmp_path: Path) -> None:
    path = write(tmp_path, variant("            amount: 120000\n", ""))
    assert_error(path, "BG-E016", 17, 13, "amount（合计）或 per_head（每人）之一", field="units[0].staff[0].pay[0]")


def test_contribution_rule_without_rate_or_amount(tmp_path: Path) -> None:
    rule = '    contribution_rules:\n      - econ: "30108"\n        base: ["301"]\n'
    path = write(tmp_path, variant("    operating_items:\n", rule + "    operating_items:\n"))
    assert_error(
        path, "BG-E016", 21, 9, "缴费规则需要 rate（比例）或 amount（金额）", field="units[0].contribution_rules[0]"
    )


def test_contribution_rule_without_base(tmp_path: Path) -> None:
    rule = '    contribution_rules:\n      - econ: "30108"\n        rate: 0.16\n'
    path = write(tmp_path, variant("    operating_items:\n", rule + "    operating_items:\n"))
    assert_error(path, "BG-E016", 21, 9, "base（基数科目）或 base_amount（基数金额）之一")


# --- codes and references: BG-E020 .. BG-E027 --------------------------------------------------------------------


def test_unknown_function_code_names_nearest(tmp_path: Path) -> None:
    path = write(tmp_path, variant('    main_function: "2080109"\n', '    main_function: "2080120"\n'))
    assert_error(
        path,
        "BG-E020",
        11,
        20,
        "功能分类科目“2080120”不在 2025 年科目表中",
        "最接近的有效科目：2080101 行政运行",
        field="units[0].main_function",
    )


def test_function_code_not_at_item_level(tmp_path: Path) -> None:
    path = write(tmp_path, variant('        function: "2080109"\n', '        function: "20801"\n'))
    assert_error(
        path, "BG-E022", 34, 19, "“20801”不是项级科目", "2080101 行政运行", field="units[0].projects[2].function"
    )


def test_function_code_of_wrong_length(tmp_path: Path) -> None:
    path = write(tmp_path, variant('        function: "2080109"\n', '        function: "208010"\n'))
    assert_error(path, "BG-E012", 34, 19, "“208010”格式不对", "3、5 或 7 位数字", field="units[0].projects[2].function")


def test_unknown_economic_code(tmp_path: Path) -> None:
    path = write(tmp_path, variant('          - econ: "30213"\n', '          - econ: "30298"\n'))
    assert_error(
        path,
        "BG-E021",
        36,
        19,
        "经济分类科目“30298”不在 2025 年部门经济分类中",
        "30299 其他商品和服务支出",
        field="units[0].projects[2].lines[0].econ",
    )


def test_economic_class_instead_of_item(tmp_path: Path) -> None:
    path = write(tmp_path, variant('          - econ: "30213"\n', '          - econ: "302"\n'))
    assert_error(path, "BG-E022", 36, 19, "“302”是类级科目", field="units[0].projects[2].lines[0].econ")


def test_local_detail_code_without_name(tmp_path: Path) -> None:
    # the name is absent, so the position is that of the line's mapping ("econ" on line 36, column 13)
    path = write(tmp_path, variant('          - econ: "30213"\n', '          - econ: "3020101"\n'))
    assert_error(path, "BG-E027", 36, 13, "明细科目“3020101”需要填写名称", field="units[0].projects[2].lines[0].name")


def test_unit_code_not_under_department(tmp_path: Path) -> None:
    path = write(tmp_path, variant('  - code: "342001"\n', '  - code: "343001"\n'))
    assert_error(path, "BG-E023", 8, 11, "单位代码“343001”应以部门代码“342”开头", field="units[0].code")


def test_duplicate_project_code(tmp_path: Path) -> None:
    path = write(tmp_path, variant("      - code: T01\n", "      - code: R01\n"))
    assert_error(path, "BG-E024", 31, 15, "项目代码“R01”重复", "与第 2 个项目相同", field="units[0].projects[2].code")


def test_duplicate_unit_code(tmp_path: Path) -> None:
    # BASE has 39 lines; the copy of the unit starts on line 40
    unit = BASE[BASE.index('  - code: "342001"\n') :]
    path = write(tmp_path, BASE + unit.replace("信息化建设", "另一个项目"))
    assert_error(path, "BG-E024", 40, 11, "单位代码“342001”重复", "与第 1 个单位相同", field="units[1].code")


def test_no_catalog_before_the_first_year(tmp_path: Path) -> None:
    # a later year without its own catalog uses the newest earlier one (BG-C180); before the first there is none
    path = write(tmp_path, variant("budget_year: 2025\n", "budget_year: 2018\n"))
    assert_error(path, "BG-E025", 2, 14, "没有 2018 年的科目表", "最早为 2019 年", field="budget_year")


def test_reference_to_unknown_project(tmp_path: Path) -> None:
    path = write(tmp_path, variant("        project: R01\n", "        project: R09\n"))
    assert_error(
        path,
        "BG-E026",
        23,
        18,
        "项目“R09”不在本单位的项目中",
        "本单位的项目：P01、R01、T01",
        field="units[0].operating_items[0].project",
    )


def test_department_rule_with_project(tmp_path: Path) -> None:
    rule = 'contribution_rules:\n  - econ: "30108"\n    amount: 10\n    project: P01\n'
    path = write(tmp_path, variant("units:\n", rule + "units:\n"))
    assert_error(path, "BG-E026", 10, 14, "部门默认缴费规则不能指定项目", field="contribution_rules[0].project")


@pytest.mark.parametrize(
    ("key", "code", "fragment"),
    [("abc", "BG-E012", "“abc”格式不对"), ('"2080120"', "BG-E020", "“2080120”不在 2025 年科目表中")],
    ids=["malformed", "unknown"],
)
def test_function_purposes_key_is_pointed_at(tmp_path: Path, key: str, code: str, fragment: str) -> None:
    # the error is about the key (line 22, column 9), not about the text after it
    texts = f"    texts:\n      function_purposes:\n        {key}: 用途\n"
    path = write(tmp_path, variant("    operating_items:\n", texts + "    operating_items:\n"))
    assert_error(path, code, 22, 9, fragment)


# --- JSON output --------------------------------------------------------------------------------------------------


def test_json_format_lists_errors(tmp_path: Path) -> None:
    path = write(tmp_path, variant("        headcount: 10\n", "        headcont: 10\n"))
    result = CliRunner().invoke(cli, ["summary", "--format", "json", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stdout == ""
    payload = json.loads(result.stderr)
    errors = {e["code"]: e for e in payload["errors"]}
    assert set(errors) == {"BG-E010", "BG-E011"}
    unknown = errors["BG-E011"]
    assert (unknown["file"], unknown["line"], unknown["column"]) == (str(path), 15, 9)
    assert unknown["path"] == "units[0].staff[0].headcont"
    assert unknown["location"] == f"{path}:15:9"
    assert unknown["severity"] == "error"
    assert "未知字段“headcont”" in unknown["message"]
    assert "是否应为“headcount”？" in unknown["hints"]
    missing = errors["BG-E010"]
    assert (missing["line"], missing["column"], missing["path"]) == (13, 9, "units[0].staff[0].headcount")
