"""Profiles a user owns, rules at the profile's severity, wording from stated facts, sandboxed templates.

Everything here renders html or xlsx (not PDF) and reads the result back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

from budgetgen.package.spec import LABEL_FIELDS
from budgetgen.package.tables import label_values
from budgetgen.pipeline import load_ledger
from budgetgen.profiles import available_profiles, profile_source
from budgetgen.render.pdf import _fetcher_class
from tests.conftest import DEMO, EXAMPLES, GUANGYUAN, run

LAIYUAN = EXAMPLES / "laiyuan-2020"


def edited(source: Path, tmp_path: Path, old: str, new: str, name: str = "budget.yaml") -> Path:
    """A copy of an example's budget.yaml with one edit (which must apply)."""
    text = (source / "budget.yaml").read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def user_profile(tmp_path: Path, files: dict[str, str], base: str = "sichuan-2025") -> Path:
    """A profile folder that extends a built-in one with the given files (profile.yaml gets ``base:``)."""
    folder = tmp_path / "my-profile"
    folder.mkdir()
    settings = files.pop("profile.yaml", "")
    (folder / "profile.yaml").write_text(f"base: {base}\n{settings}", encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def html_of(input_path: Path, tmp_path: Path, *options: str | Path) -> str:
    out = tmp_path / "out"
    result = run("render", input_path, "-o", out, "--html", *options)
    assert result.exit_code == 0, result.output
    (page,) = out.glob("*.html")
    return page.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# --- profiles a user owns ------------------------------------------------------------------------


def test_copied_profile_with_one_edited_title_renders_it(tmp_path: Path) -> None:
    folder = tmp_path / "henan-like"
    result = run("profiles", "copy", "sichuan-2025", folder)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        p.name for p in profile_source("sichuan-2025").folders[0].iterdir()
    )
    assert "base: sichuan-2025" in (folder / "profile.yaml").read_text(encoding="utf-8")
    tables = folder / "tables.yaml"
    text = tables.read_text(encoding="utf-8")
    assert "    title: 部门收支总表\n" in text
    tables.write_text(text.replace("    title: 部门收支总表\n", "    title: 本省部门收支总表\n", 1), encoding="utf-8")

    out = tmp_path / "out"
    result = run("render", GUANGYUAN, "-o", out, "--xlsx", "--profile", folder)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    titles = [book[name]["A2"].value for name in book.sheetnames]
    assert "本省部门收支总表" in titles
    assert "部门收支总表" not in titles
    assert "部门收入总表" in titles  # the other tables as before


def test_a_folder_with_one_template_overrides_only_that_file(tmp_path: Path) -> None:
    text = "<h1>第一部分 我们的说明</h1>\n<p>{{ org }}{{ year }}年{{ level }}预算，合计{{ f.total.shown | wan }}万元。"
    text += "</p>\n"
    folder = user_profile(tmp_path, {"text.html.j2": text})
    page = html_of(GUANGYUAN, tmp_path, "--profile", folder)
    assert "广元市社会保险事务中心2025年市级预算，合计" in page
    assert "第二部分" not in page  # the base's text is replaced whole
    assert "部门收支总表" in page  # its tables, page template and CSS come from the base


def test_copy_refuses_a_folder_that_is_not_empty_and_an_unknown_profile(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    result = run("profiles", "copy", "sichuan-2025", tmp_path)
    assert result.exit_code == 2
    assert "BG-E030" in result.output
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / "tables.yaml").exists()
    result = run("profiles", "copy", "no-such-profile", tmp_path / "new")
    assert result.exit_code == 2
    assert "no-such-profile" in result.output
    assert not (tmp_path / "new").exists()


def test_profiles_still_lists_the_built_in_ones() -> None:
    result = run("profiles")
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.strip().splitlines()] == available_profiles()


@pytest.mark.parametrize("command", ["render", "check"])
def test_broken_tables_yaml_is_a_located_error_exit_2(command: str, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    assert run("profiles", "copy", "sichuan-2025", folder).exit_code == 0
    tables = folder / "tables.yaml"
    text = tables.read_text(encoding="utf-8")
    broken = text.replace("    title: 部门收支总表\n", "    title: [部门收支总表\n", 1)
    tables.write_text(broken, encoding="utf-8")
    out = tmp_path / "out"
    options = ["-o", out, "--xlsx"] if command == "render" else []
    result = run(command, GUANGYUAN, *options, "--profile", folder)
    assert result.exit_code == 2
    assert re.search(rf"{re.escape(str(tables))}:\d+:\d+: 错误 BG-E002", result.output), result.output
    assert not out.exists()


def test_unknown_field_in_tables_yaml_is_located_at_its_line(tmp_path: Path) -> None:
    tables = "tables:\n  - number: 1\n    title: 收支总表\n    layout: balance\n    colour: red\n"
    folder = user_profile(tmp_path, {"tables.yaml": tables})
    result = run("check", GUANGYUAN, "--profile", folder)
    assert result.exit_code == 2
    assert f"{folder / 'tables.yaml'}:5:5: 错误 BG-E011 未知字段“colour”" in result.output


def test_bad_setting_in_a_user_profile_is_located(tmp_path: Path) -> None:
    folder = user_profile(tmp_path, {"profile.yaml": "running_cost:\n  unit_kinds: [行政, 事业单位]\n"})
    result = run("check", GUANGYUAN, "--profile", folder)
    assert result.exit_code == 2
    assert f"{folder / 'profile.yaml'}:3:" in result.output
    assert "BG-E0" in result.output


def test_unknown_profile_path_is_an_input_error(tmp_path: Path) -> None:
    result = run("check", GUANGYUAN, "--profile", tmp_path / "nothing-here")
    assert result.exit_code == 2
    assert "BG-E030" in result.output


def test_base_must_be_a_built_in_profile(tmp_path: Path) -> None:
    folder = user_profile(tmp_path, {}, base="../../etc")
    result = run("check", GUANGYUAN, "--profile", folder)
    assert result.exit_code == 2
    assert f"{folder / 'profile.yaml'}:1:7: 错误 BG-E030 base 应为内置样式的名称" in result.output


# --- rules belong to the profile ---------------------------------------------------------------

C113_OLD, C113_NEW = 'unit_of_measure: "年", weight: 9,', 'unit_of_measure: "年", weight: 8,'


def test_profile_sets_a_rule_to_warning_or_off(tmp_path: Path) -> None:
    seeded = edited(GUANGYUAN, tmp_path, C113_OLD, C113_NEW)
    assert run("render", seeded, "-o", tmp_path / "a", "--html").exit_code == 1  # BG-C113 is an error by default

    warning = user_profile(tmp_path, {"profile.yaml": "checks:\n  rules:\n    bg-c113: warning\n"})
    result = run("check", seeded, "--profile", warning, "--select", "BG-C113")
    assert result.exit_code == 0, result.output
    assert "警告 BG-C113" in result.output
    assert run("render", seeded, "-o", tmp_path / "b", "--html", "--profile", warning).exit_code == 0

    off = tmp_path / "off"
    off.mkdir()
    (off / "profile.yaml").write_text("base: sichuan-2025\nchecks:\n  rules: {BG-C113: off}\n", encoding="utf-8")
    result = run("check", seeded, "--profile", off, "--select", "BG-C113")
    assert result.exit_code == 0
    assert "BG-C113" not in result.output


def test_unknown_rule_code_in_a_profile_is_located_with_the_nearest_codes(tmp_path: Path) -> None:
    folder = user_profile(tmp_path, {"profile.yaml": "checks:\n  disabled: [BG-C115]\n  rules:\n    BG-C1O1: off\n"})
    result = run("check", GUANGYUAN, "--profile", folder)
    assert result.exit_code == 2
    assert f"{folder / 'profile.yaml'}:5:5: 错误 BG-E030 未知的规则代码“BG-C1O1”（最接近：BG-C101" in result.output


def test_render_takes_select_and_ignore_like_check(tmp_path: Path) -> None:
    seeded = edited(GUANGYUAN, tmp_path, C113_OLD, C113_NEW)
    refused = run("render", seeded, "-o", tmp_path / "a", "--html", "--select", "BG-C113")
    assert refused.exit_code == 1
    assert "BG-C113" in refused.output
    assert run("render", seeded, "-o", tmp_path / "b", "--html", "--ignore", "BG-C113").exit_code == 0
    assert run("render", seeded, "-o", tmp_path / "c", "--html", "--select", "BG-C101").exit_code == 0


def test_qualitative_indicator_is_fine_without_a_unit(tmp_path: Path) -> None:
    """BG-C114 asked every indicator for a unit while BG-C118 warns a 定性 one that has one."""
    old = 'name: "信息化系统后续可拓展性", comparison: "定性", value: "优", unit_of_measure: "级",'
    new = 'name: "信息化系统后续可拓展性", comparison: "定性", value: "优",'
    seeded = edited(GUANGYUAN, tmp_path, old, new)
    result = run("check", seeded, "--select", "BG-C114")
    assert result.exit_code == 0, result.output
    both = user_profile(tmp_path, {"profile.yaml": "checks:\n  rules: {BG-C118: warning}\n"})
    result = run("check", seeded, "--profile", both, "--select", "BG-C114", "--select", "BG-C118")
    assert result.exit_code == 0, result.output
    assert "信息化系统后续可拓展性" not in result.output


# --- wording from stated facts -----------------------------------------------------------------

LEVEL_WORDS = ("省级", "市级", "县级", "乡级")


@pytest.mark.parametrize(("level", "word"), [("县", "县级"), ("市", "市级"), ("省", "省级")])
def test_stated_level_is_printed_wherever_sichuan_prints_a_level(level: str, word: str, tmp_path: Path) -> None:
    source = edited(GUANGYUAN, tmp_path, "  level: 市", f"  level: {level}")
    page = html_of(source, tmp_path)
    assert f"{word}当年财政拨款安排" in page
    assert {w for w in LEVEL_WORDS if w in page} == {word}


def test_county_level_prints_xianji_everywhere_in_the_hebei_text(tmp_path: Path) -> None:
    page = html_of(LAIYUAN / "budget.yaml", tmp_path, "--profile", "hebei-2020")
    assert "指县级财政当年拨付的资金" in page
    assert "纳入县级财政预算管理的“三公”经费，是指县级部门用财政拨款安排" in page
    assert {w for w in LEVEL_WORDS if w in page.replace("省级预算公开办法", "")} == {"县级"}


def test_unstated_level_prints_benji_never_a_guess(tmp_path: Path) -> None:
    source = edited(GUANGYUAN, tmp_path, "  level: 市", "  #")  # the rest of the line is a comment then
    page = html_of(source, tmp_path)
    assert "本级当年财政拨款安排" in page
    assert not {w for w in LEVEL_WORDS if w in page}
    hebei = edited(LAIYUAN, tmp_path, "  level: 县", "  #", name="laiyuan.yaml")
    page = html_of(hebei, tmp_path / "h", "--profile", "hebei-2020")
    assert "指本级财政当年拨付的资金" in page
    assert "县级财政" not in page


def test_wording_facts_survive_the_workbook(tmp_path: Path) -> None:
    source = edited(GUANGYUAN, tmp_path, "  level: 市", "  level: 县\n  package_kind: 部门预算")
    source = edited(tmp_path, tmp_path, "    kind: 参公\n", "    kind: 参公\n    running_cost: 123456\n", "b.yaml")
    book = tmp_path / "budget.xlsx"
    assert run("template", book, "--from", source).exit_code == 0
    result = run("import", book)
    assert result.exit_code == 0, result.output
    assert "  level: 县\n" in result.output
    assert "  package_kind: 部门预算\n" in result.output
    assert re.search(r"\n +running_cost: 123456\n", result.output)


def test_stated_package_kind_is_the_title(tmp_path: Path) -> None:
    source = edited(GUANGYUAN, tmp_path, "  level: 市", "  level: 市\n  package_kind: 部门预算")
    page = html_of(source, tmp_path)
    assert "2025 年部门预算" in page
    assert "2025 年单位预算" not in page


def test_department_or_unit_in_the_headings_follows_the_package_kind(tmp_path: Path) -> None:
    page = html_of(DEMO / "budget.yaml", tmp_path / "a")  # three units: a 部门预算
    assert "第一部分 示范县人力资源和社会保障局部门概况" in page
    assert "（一）示范县人力资源和社会保障局部门职能简介" in page
    assert "单位概况" not in page
    stated = edited(DEMO, tmp_path, "  level: 县", "  level: 县\n  package_kind: 单位预算")
    page = html_of(stated, tmp_path / "b")
    assert "第一部分 示范县人力资源和社会保障局单位概况" in page
    assert "2025 年单位预算" in page
    assert "部门概况" not in page


def test_single_unit_department_is_not_its_own_subordinate(tmp_path: Path) -> None:
    page = html_of(GUANGYUAN, tmp_path / "a")
    assert "广元市社会保险事务中心为广元市人力资源和社会保障局下属" in page
    source = edited(GUANGYUAN, tmp_path, "  name: 广元市人力资源和社会保障局\n", "  name: 广元市社会保险事务中心\n")
    page = html_of(source, tmp_path / "b")
    assert "下属" not in re.sub(r"下属单位|下属机构", "", page)
    assert "广元市社会保险事务中心为" in page


def _summary(path: Path, *options: str) -> dict[str, str]:
    result = run("summary", path, "--format", "json", *options)
    assert result.exit_code == 0, result.output
    data: dict[str, str] = json.loads(result.output)
    return data


def test_a_stated_running_cost_wins_over_the_derived_one(tmp_path: Path) -> None:
    derived = _summary(GUANGYUAN)["running_cost"]
    assert derived not in ("0.00", "12.35")
    source = edited(GUANGYUAN, tmp_path, "    kind: 参公\n", "    kind: 参公\n    running_cost: 123456\n")
    assert _summary(source)["running_cost"] == "12.35"


def test_a_public_institution_stating_its_running_cost_reports_it(tmp_path: Path) -> None:
    """A 事业 unit (which Sichuan's settings leave out) with a stated figure gets it, not “无机关运行经费”."""
    source = edited(GUANGYUAN, tmp_path, "    kind: 参公\n", "    kind: 事业\n    running_cost: 88000\n")
    assert _summary(source)["running_cost"] == "8.80"
    page = html_of(source, tmp_path, "--ignore", "BG-C141")  # 事业单位医疗 then needs a purpose
    assert "无机关运行经费" not in page
    assert "机关运行经费财政拨款预算为 8.80 万元" in page


def test_label_placeholders_are_the_documented_ones() -> None:
    assert set(label_values(load_ledger(GUANGYUAN))) == LABEL_FIELDS


# --- sandbox -------------------------------------------------------------------------------------

HOSTILE = [
    ("<h1>x</h1>\n<p>{{ ''.__class__.__mro__ }}</p>\n", 2, "不允许的操作"),
    ("<h1>x</h1>\n\n{% include '../../../../../../etc/passwd' %}\n", 3, "找不到模板"),
    ("<h1>x</h1>\n<p>{{ department.parse_file('/etc/passwd') }}</p>\n", 2, "不允许的操作"),
    ("<h1>x</h1>\n<p>{{ fn.__self__ }}</p>\n", 2, "不允许的操作"),
    ("<h1>x</h1>\n<p>{{ units[0].model_validate_json('{}') }}</p>\n", 2, "不允许的操作"),
    ("<h1>x</h1>\n<p>{{ cycler.__init__.__globals__ }}</p>\n", 2, "样式模板出错"),
    ("<h1>x</h1>\n<p>{{ (department | attr('parse_file'))('/etc/passwd') }}</p>\n", 2, "不允许的操作"),
    ("<h1>x</h1>\n<p>{{ department['parse_file']('/etc/passwd') }}</p>\n", 2, "不允许的操作"),
    ("<h1>x</h1>\n{% if %}\n", 2, "语法错误"),
]


@pytest.mark.parametrize(("template", "line", "message"), HOSTILE)
def test_hostile_profile_template_is_a_located_error_without_a_leak(
    template: str, line: int, message: str, tmp_path: Path
) -> None:
    folder = user_profile(tmp_path, {"text.html.j2": template})
    out = tmp_path / "out"
    result = run("render", GUANGYUAN, "-o", out, "--html", "--profile", folder)
    assert result.exit_code == 2, result.output
    assert f"{folder / 'text.html.j2'}:{line}: 错误 BG-E030" in result.output
    assert message in result.output
    assert "root:" not in result.output
    assert "<class" not in result.output
    assert not out.exists()


def test_unsafe_attribute_in_a_list_prints_nothing_of_python(tmp_path: Path) -> None:
    template = "<h1>x</h1>\n<p>{{ units | map(attribute='__class__') | list }}</p>"
    folder = user_profile(tmp_path, {"text.html.j2": template})
    page = html_of(GUANGYUAN, tmp_path, "--profile", folder)
    assert "<p>[Undefined]</p>" in page
    assert "&lt;class" not in page
    assert "Unit" not in page


def test_a_symlink_out_of_the_profile_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    folder = user_profile(tmp_path, {"text.html.j2": "<h1>x</h1>\n<p>{% include 'leak.j2' %}</p>\n"})
    (folder / "leak.j2").symlink_to(secret)
    result = run("render", GUANGYUAN, "-o", tmp_path / "out", "--html", "--profile", folder)
    assert result.exit_code == 2
    assert "TOP-SECRET-VALUE" not in result.output
    (folder / "text.html.j2").unlink()
    (folder / "leak.j2").unlink()
    (folder / "package.css").symlink_to(secret)
    result = run("render", GUANGYUAN, "-o", tmp_path / "out", "--html", "--profile", folder)
    assert result.exit_code == 2
    assert "package.css" in result.output
    assert not (tmp_path / "out").exists()


def test_hostile_table_label_is_a_located_error(tmp_path: Path) -> None:
    tables = 'tables:\n  - number: 1\n    title: "{org.__class__.__mro__}"\n    layout: balance\n'
    folder = user_profile(tmp_path, {"tables.yaml": tables})
    result = run("check", GUANGYUAN, "--profile", folder)
    assert result.exit_code == 2
    assert f"{folder / 'tables.yaml'}:3:12: 错误 BG-E030" in result.output
    assert "<class" not in result.output


def test_pdf_fetcher_serves_the_user_folder_and_its_base_only(tmp_path: Path) -> None:
    folder = user_profile(tmp_path, {"logo.css": "p {}"})
    (tmp_path / "outside.css").write_text("p {}", encoding="utf-8")
    fetcher = _fetcher_class()(*profile_source(str(folder)).folders)
    assert fetcher.fetch((folder / "logo.css").resolve().as_uri())
    base_css = profile_source("sichuan-2025").folders[0] / "package.css"
    assert fetcher.fetch(base_css.as_uri())
    for url in [
        (tmp_path / "outside.css").resolve().as_uri(),
        folder.resolve().as_uri() + "/../outside.css",
        "file:///etc/passwd",
        "https://example.com/x.css",
    ]:
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


def test_demo_county_states_its_level() -> None:
    """The golden demo-county package prints 县级 (its input says level: 县); see test_profiles."""
    assert "  level: 县" in (DEMO / "budget.yaml").read_text(encoding="utf-8")


def test_hostile_form_expression_cannot_read_a_file(tmp_path: Path) -> None:
    """Form cells are sandboxed expressions too: a model's ``parse_file`` would read any file."""
    folder = tmp_path / "forms"
    assert run("profiles", "copy", "hebei-2020", folder).exit_code == 0
    tables = folder / "tables.yaml"
    text = tables.read_text(encoding="utf-8")
    assert '{value: "=project.code", span: 2}' in text
    hostile = text.replace('{value: "=project.code", span: 2}', "{value: \"=project.parse_file('/etc/passwd')\"}", 1)
    tables.write_text(hostile, encoding="utf-8")
    result = run("render", LAIYUAN, "-o", tmp_path / "out", "--html", "--profile", folder)
    assert result.exit_code == 2, result.output
    assert "BG-E030" in result.output
    assert "parse_file" in result.output
    assert "Expecting value" not in result.output  # the file was never read (json.loads of its text)


PROVINCES = (
    "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 海南 重庆 "
    "四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 香港 澳门 台湾 sichuan hebei henan guangdong"
).split()


def test_no_module_names_a_province() -> None:
    root = Path(__file__).resolve().parent.parent / "budgetgen"
    offenders = [
        f"{path.relative_to(root)}: {name}"
        for path in sorted(root.rglob("*.py"))
        for name in PROVINCES
        if name in path.read_text(encoding="utf-8").lower()
    ]
    assert offenders == []


def _new_run() -> None:
    """Forget what this process loaded, as a new ``budgetgen`` run would (profiles are loaded once per run)."""
    from budgetgen.package.sandbox import environment
    from budgetgen.package.spec import load_tables_spec
    from budgetgen.profiles import load_profile, profile_fingerprint

    for cached in (profile_source, profile_fingerprint, load_profile, load_tables_spec, environment):
        cached.cache_clear()


def test_batch_renders_again_after_the_user_profile_changed(tmp_path: Path) -> None:
    folder = tmp_path / "layout"
    assert run("profiles", "copy", "sichuan-2025", folder).exit_code == 0
    out = tmp_path / "out"
    assert run("batch", GUANGYUAN, "-o", out, "--xlsx", "--jobs", "1", "--profile", folder).exit_code == 0
    rerun = run("batch", GUANGYUAN, "-o", out, "--xlsx", "--jobs", "1", "--profile", folder)
    assert "跳过未变化 1" in rerun.output
    tables = folder / "tables.yaml"
    tables.write_text(tables.read_text(encoding="utf-8").replace("title: 部门收支总表", "title: 收支总表"), "utf-8")
    _new_run()
    try:
        again = run("batch", GUANGYUAN, "-o", out, "--xlsx", "--jobs", "1", "--profile", folder)
    finally:
        _new_run()
    assert "本次生成 1" in again.output, again.output
    book = openpyxl.load_workbook(next(out.rglob("*.xlsx")))
    assert "收支总表" in [book[name]["A2"].value for name in book.sheetnames]
