"""`budgetgen check`: one seeded error per rule, the clean examples, the output formats and render's refusal.

Every seeded case copies an example, makes one exact string replacement and pins the findings: the rule's
code with its severity at the line and column of the edited file, and nothing else beyond the example's
own baseline findings (guangyuan: three BG-C123 warnings; demo-county: none).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import budgetgen.checks  # noqa: F401 - importing the package registers the rules
from budgetgen.checks.registry import RULES
from budgetgen.diagnostics import SEVERITY_ZH, Severity
from tests.conftest import DEMO, EXAMPLES, GUANGYUAN, run

ERROR = Severity.ERROR.value
WARNING = Severity.WARNING.value

LAIYUAN = EXAMPLES / "laiyuan-2020"
WANYUAN = EXAMPLES / "wanyuan-2023"
# The profile each example is checked under (the default one where not listed).
PROFILE_OF: dict[Path, str] = {LAIYUAN: "hebei-2020", WANYUAN: "sichuan-performance-2023"}
# What each example finds when nothing is seeded (wanyuan: project 4 has no 预算执行率权重, as published).
BASELINE: dict[Path, Counter[str]] = {
    GUANGYUAN: Counter({"BG-C123": 3}),
    DEMO: Counter(),
    LAIYUAN: Counter(),
    WANYUAN: Counter({"BG-C115": 1}),
}


def profile_args(example: Path) -> tuple[str, ...]:
    """The ``--profile`` option an example is checked with."""
    return ("--profile", PROFILE_OF[example]) if example in PROFILE_OF else ()


@dataclass(frozen=True)
class At:
    """An expected finding: its code and severity, and where it points in the edited file.

    ``where`` occurs exactly once in the edited file; the finding points at the start of ``mark``
    inside it (default: the start of ``where``).
    """

    code: str
    severity: str
    where: str
    mark: str = ""


@dataclass(frozen=True)
class Seed:
    """One error seeded into an example by replacing ``old`` (which occurs exactly once) with ``new``."""

    example: Path
    old: str
    new: str
    expected: tuple[At, ...]


GY_INCOME = "{source: 一般公共预算, sub_source: 当年拨款, amount: %s}"
DEMO_T01_INDICATORS = (
    "        indicators:\n"
    '          - {level1: 产出指标, level2: 数量指标, name: 纳入社会化管理的退休人员, comparison: "≥",'
    ' value: "2600", unit_of_measure: 人, weight: 40, direction: 正向}\n'
    '          - {level1: 产出指标, level2: 时效指标, name: 补助发放及时率, comparison: "=",'
    ' value: "100", unit_of_measure: "%", weight: 20, direction: 正向}\n'
    '          - {level1: 满意度指标, level2: 服务对象满意度指标, name: 退休人员满意度, comparison: "≥",'
    ' value: "95", unit_of_measure: "%", weight: 30, direction: 正向}\n'
)
GY_T07_GOAL = (
    "        annual_goal: 切实抓好乡村振兴战略，开展促进乡村产业振兴、人才振兴、文化振兴、生态振兴、组织振兴。\n"
)
GY_TEXTS = "functions: >-"
GY_T03_NAMED_AS_T02 = (
    'name: 社会保险全民参保工作专项经费\n        category: 特定目标类\n        function: "2080109"\n'
    '        lines:\n          - {econ: "30227"'
)
WY_FIRST_WEIGHT = "        execution_weight: 10\n"
WY_FIRST_GOAL = (
    "        annual_goal: 按时完成各机关事业单位、城镇企业职工等灵活就业人员参保、信息修改、"
    "各项基金征收拨付工作; 推动万源市社会保障工作开展。\n"
    "        indicators:\n"
    "          - {level1: 产出指标, level2: 时效指标, name: 个人权益记录及时率"
)  # the start of units[0].texts, where the text rules point

SEEDS: dict[str, Seed] = {
    # one income figure 100 元 too high: the totals and the one fund source differ
    "BG-C101": Seed(
        GUANGYUAN,
        GY_INCOME % "11833800",
        GY_INCOME % "11833900",
        (
            At("BG-C101", ERROR, "- " + GY_INCOME % "11833900"),
            At("BG-C102", ERROR, GY_INCOME % "11833900"),
        ),
    ),
    # 0.1 万元 moved from this year's money to the carried-over money: totals agree, both sources do not
    "BG-C102": Seed(
        DEMO,
        "amount: 568.110272}\n      - {source: 一般公共预算, sub_source: 上年结转, amount: 5.0}",
        "amount: 568.010272}\n      - {source: 一般公共预算, sub_source: 上年结转, amount: 5.1}",
        (
            At("BG-C102", ERROR, "{source: 一般公共预算, amount: 568.010272}"),
            At("BG-C102", ERROR, "{source: 一般公共预算, sub_source: 上年结转, amount: 5.1}"),
        ),
    ),
    # no income list at all for 801003
    "BG-C103": Seed(
        DEMO,
        "    income:\n"
        "      - {source: 一般公共预算, amount: 280.2037}\n"
        "      - {source: 国有资本经营预算, amount: 30.0}\n",
        "",
        (At("BG-C103", WARNING, 'code: "801003"'),),
    ),
    # 特定目标类 project T07 without its 年度目标
    "BG-C110": Seed(GUANGYUAN, GY_T07_GOAL, "", (At("BG-C110", ERROR, "code: T07"),)),
    # 特定目标类 project 801003-T01 without indicators (no weights to add up, so no BG-C113)
    "BG-C111": Seed(DEMO, DEMO_T01_INDICATORS, "", (At("BG-C111", ERROR, 'code: "801003-T01"'),)),
    # 人员类 project P07 without indicators (its line only refers to the anchor, which stays)
    "BG-C112": Seed(
        GUANGYUAN,
        "        indicators: *personnel_indicators\n      - code: R01",
        "      - code: R01",
        (At("BG-C112", WARNING, "code: P07"),),
    ),
    # one weight of T07 one point lower: 89 instead of 90
    "BG-C113": Seed(
        GUANGYUAN,
        'unit_of_measure: "年", weight: 9,',
        'unit_of_measure: "年", weight: 8,',
        (At("BG-C113", ERROR, '- {level1: 产出指标, level2: 数量指标, name: "贫困监测户数"'),),
    ),
    # one indicator of T07 without its 度量单位
    "BG-C114": Seed(
        GUANGYUAN,
        'value: "385", unit_of_measure: "亩", ',
        'value: "385", ',
        (At("BG-C114", ERROR, '{level1: 产出指标, level2: 数量指标, name: "烤烟种植数量"'),),
    ),
    # 住房公积金 30113 booked on the unit's main 项 instead of 2210201 (which also departs from the rule)
    "BG-C120": Seed(
        GUANGYUAN,
        '{econ: "30113", amount: 801900, project: P05}',
        '{econ: "30113", amount: 801900, project: P05, function: "2080109"}',
        (
            At("BG-C120", ERROR, '{econ: "30113", amount: 801900, project: P05, function: "2080109"}'),
            At("BG-C123", WARNING, '{econ: "30113", amount: 801900, project: P05, function: "2080109"}'),
        ),
    ),
    # the 事业 unit 801002 with a 行政运行 main 项
    "BG-C121": Seed(
        DEMO,
        'main_function: "2080150"          # 事业运行',
        'main_function: "2080101"          # 事业运行',
        (At("BG-C121", WARNING, 'main_function: "2080101"          # 事业运行', mark='"2080101"'),),
    ),
    # last year's 机关运行经费 for the 事业 unit 801002
    "BG-C122": Seed(
        DEMO,
        "      total: 221.4\n",
        "      total: 221.4\n      running_cost: 10.0\n",
        (At("BG-C122", WARNING, "running_cost: 10.0", mark="10.0"),),
    ),
    # a fourth pay item whose stated 项 differs from the rule's
    "BG-C123": Seed(
        GUANGYUAN,
        '{econ: "3010101", name: 晋级工资, amount: 30230, project: P01}',
        '{econ: "3010101", name: 晋级工资, amount: 30230, project: P01, function: "2080501"}',
        (At("BG-C123", WARNING, '{econ: "3010101", name: 晋级工资'),),
    ),
    # 养老保险 stated as 941500 元 next to a rate and base that give 1023264 元
    "BG-C130": Seed(
        GUANGYUAN,
        '{econ: "30108", amount: 941500, project: P04}',
        '{econ: "30108", amount: 941500, rate: 16%, base: ["30101", "30102", "30103"], project: P04}',
        (At("BG-C130", WARNING, "amount: 941500, rate: 16%", mark="941500"),),
    ),
    # last year's 公务接待费 higher, so this year's falls, and no reception_reason says why
    "BG-C140": Seed(
        GUANGYUAN,
        "vehicles_running: 0, reception: 15000}",
        "vehicles_running: 0, reception: 16000}",
        # where the reason belongs: the texts' three_public mapping (a workbook names the 文字说明 cell)
        (At("BG-C140", ERROR, "  three_public:\n        reception_purpose", "reception_purpose"),),
    ),
    # no purpose for the 项 2089999 that the unit spends on
    "BG-C141": Seed(
        GUANGYUAN,
        '        "2089999": 本单位按规定为职工缴纳的其他社会保障缴费\n',
        "",
        (At("BG-C141", ERROR, '      function_purposes:\n        "2080109"', '"2080109"'),),
    ),
    # a placeholder year left in a sentence the unit typed
    "BG-C142": Seed(
        GUANGYUAN,
        "change_reason: 2025 年预算人数较上年减少 1 人",
        "change_reason: 20** 年预算人数较上年减少 1 人",
        (At("BG-C142", ERROR, "change_reason: 20** 年", "20**"),),
    ),
    # two projects named alike: T03 takes T02's name
    "BG-C190": Seed(
        GUANGYUAN,
        "name: 企保、机保代财政管理工作经费（原代管工作经费）",
        "name: 社会保险全民参保工作专项经费",
        (At("BG-C190", ERROR, GY_T03_NAMED_AS_T02, "社会保险全民参保工作专项经费"),),
    ),
    # T03 lists its first indicator twice
    "BG-C191": Seed(
        GUANGYUAN,
        'name: "媒体线上播出期数", comparison: "≥", value: "20"',
        'name: "代财政发放机保离退休人次数", comparison: "≥", value: "20"',
        (At("BG-C191", ERROR, 'name: "代财政发放机保离退休人次数", comparison: "≥", value: "20"', '"代财政'),),
    ),
    # a 二级指标 outside the framework
    "BG-C192": Seed(
        GUANGYUAN,
        'level2: 时效指标, name: "退休人员待遇发放完成时间"',
        'level2: 进度指标, name: "退休人员待遇发放完成时间"',
        (At("BG-C192", WARNING, 'level2: 进度指标, name: "退休人员待遇发放完成时间"', "进度指标"),),
    ),
    # a 定量 (=) indicator whose value is a word
    "BG-C193": Seed(
        GUANGYUAN,
        'name: "离退休人员待遇发放率", comparison: "=", value: "100"',
        'name: "离退休人员待遇发放率", comparison: "=", value: "全部"',
        (At("BG-C193", ERROR, 'name: "离退休人员待遇发放率", comparison: "=", value: "全部"', '"全部"'),),
    ),
    # a 30 万元 cost indicator in T03, which has 18 万元
    "BG-C194": Seed(
        GUANGYUAN,
        'name: "代发所需的办公资料成本", comparison: "≤", value: "3"',
        'name: "代发所需的办公资料成本", comparison: "≤", value: "30"',
        (At("BG-C194", ERROR, 'name: "代发所需的办公资料成本", comparison: "≤", value: "30"', '"30"'),),
    ),
    # the unit-wide 服务对象满意度 says 90 where every project says 95
    "BG-C195": Seed(
        WANYUAN,
        'value: "95", unit_of_measure: "%", weight: 10}\n    projects:',
        'value: "90", unit_of_measure: "%", weight: 10}\n    projects:',
        (At("BG-C195", WARNING, 'value: "90", unit_of_measure: "%", weight: 10}\n    projects:', '"90"'),),
    ),
    # a figure typed in a reason that the package does not have
    "BG-C196": Seed(
        GUANGYUAN,
        "running_cost_change_reason: 2025 年将食堂补助经费 30 万元纳入",
        "running_cost_change_reason: 2025 年将食堂补助经费 31.5 万元纳入",
        (At("BG-C196", WARNING, "running_cost_change_reason: 2025 年将食堂补助经费 31.5", "2025 年将"),),
    ),
    # a sentence copied from an older draft keeps its year
    "BG-C197": Seed(
        GUANGYUAN,
        "change_reason: 2025 年预算人数较上年减少 1 人",
        "change_reason: 2023 年预算人数较上年减少 1 人",
        (At("BG-C197", WARNING, "change_reason: 2023 年", "2023"),),
    ),
    # the total fell, the reason speaks of an increase
    "BG-C198": Seed(
        GUANGYUAN,
        "change_reason: 2025 年预算人数较上年减少 1 人",
        "change_reason: 2025 年预算人数较上年增加 1 人",
        (At("BG-C198", WARNING, "change_reason: 2025 年预算人数较上年增加", "2025 年预算"),),
    ),
    # a 政府购买服务 project (801002-T01) and no procurement entry
    "BG-C199": Seed(
        DEMO,
        "name: 残疾人职业技能培训",
        "name: 政府购买服务残疾人职业技能培训",
        (At("BG-C199", WARNING, '      - code: "801002-T01"\n        name: 政府购买服务', 'code: "801002-T01"'),),
    ),
    # 801002 without last year's total
    "BG-C160": Seed(
        GUANGYUAN,
        "        name: 乡村振兴经费\n",
        "        name: 乡村振兴经费🚀\n",
        (At("BG-C160", ERROR, "        name: 乡村振兴经费🚀\n", "乡村振兴经费🚀"),),
    ),
    # project 1 of wanyuan without its 预算执行率权重 (the forms profile warns, and prints the default)
    "BG-C115": Seed(
        WANYUAN,
        WY_FIRST_WEIGHT + WY_FIRST_GOAL,
        WY_FIRST_GOAL,
        (At("BG-C115", WARNING, "code: 51178121T000000027938"),),
    ),
    # a project paid from 事业收入 (unit funds): form A has no column for it; the control figures differ too
    "BG-C119": Seed(
        WANYUAN,
        'lines: [{econ: "30299", amount: 1.00}]',
        'lines: [{econ: "30299", amount: 1.00, source: 事业收入}]',
        (
            At("BG-C119", ERROR, '{econ: "30299", amount: 1.00, source: 事业收入}', "事业收入"),
            At("BG-C102", ERROR, "- {source: 一般公共预算, amount: 16.98}"),
            At("BG-C102", ERROR, "{source: 一般公共预算, amount: 16.98}"),
        ),
    ),
    # a spending plan that does not reach 100% by December
    "BG-C116": Seed(
        LAIYUAN,
        "december: 100}",
        "december: 90}",
        (At("BG-C116", ERROR, "december: 90}", "90"),),
    ),
    # unit-wide weights adding up to 105
    "BG-C117": Seed(
        WANYUAN,
        'name: 服务对象满意度, comparison: "≥", value: "95", unit_of_measure: "%", weight: 10}\n    projects:',
        'name: 服务对象满意度, comparison: "≥", value: "95", unit_of_measure: "%", weight: 15}\n    projects:',
        (At("BG-C117", ERROR, "- {level1: 产出指标, level2: 数量指标, name: 参保人数"),),
    ),
    # a 数量 indicator filed under 社会效益
    "BG-C118": Seed(
        WANYUAN,
        "level2: 数量指标, name: 个人权益记录人数",
        "level2: 社会效益指标, name: 个人权益记录人数",
        (At("BG-C118", WARNING, "社会效益指标, name: 个人权益记录人数"),),
    ),
    # the unit's 单位规格, which the Hebei layout prints in 部门机构设置情况
    "BG-C170": Seed(
        LAIYUAN,
        "    rank: 股级\n",
        "",
        (At("BG-C170", WARNING, 'code: "323002"'),),
    ),
    # fixed assets whose parts no longer add up to the stated total
    "BG-C171": Seed(
        LAIYUAN,
        "total_value: 215.11",
        "total_value: 215.12",
        (At("BG-C171", ERROR, "total_value: 215.12", "215.12"),),
    ),
    # a budget year without its own catalog: said once, at 预算年度
    "BG-C180": Seed(
        GUANGYUAN,
        "budget_year: 2025",
        "budget_year: 2026",
        (At("BG-C180", WARNING, "budget_year: 2026", "2026"),),
    ),
    # a text carried by new-year and not yet reviewed
    "BG-C181": Seed(
        GUANGYUAN,
        "      key_work: >-\n        一是持续深化",
        "      key_work: >-\n        【待复核】一是持续深化",
        (At("BG-C181", ERROR, "key_work: >-", ">-"),),
    ),
    "BG-C150": Seed(
        DEMO,
        "      total: 221.4\n",
        "",
        # a missing last-year figure also leaves its comparison unwritten in the text (BG-C141, three times)
        (
            At("BG-C150", WARNING, "three_public: {overseas: 0, vehicles_purchase: 0, vehicles_running: 0.5"),
            *[At("BG-C141", ERROR, "functions: 贯彻执行人力资源和社会保障法律法规")] * 3,
        ),
    ),
}


def position(text: str, where: str, mark: str = "") -> tuple[int, int]:
    """1-based line and column of ``mark`` inside the one occurrence of ``where`` in ``text``."""
    assert text.count(where) == 1, f"{where!r} occurs {text.count(where)} times"
    index = text.index(where) + (where.index(mark) if mark else 0)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def seed_input(tmp_path: Path, seed: Seed) -> Path:
    """A copy of the seed's example with the one replacement made."""
    text = (seed.example / "budget.yaml").read_text(encoding="utf-8")
    assert text.count(seed.old) == 1, f"{seed.old!r} occurs {text.count(seed.old)} times"
    target = tmp_path / "budget.yaml"
    target.write_text(text.replace(seed.old, seed.new), encoding="utf-8")
    return target


def check_json(path: Path, *options: str) -> tuple[int, list[dict[str, Any]]]:
    """Exit code and findings of ``check --format json``."""
    result = run("check", path, "--format", "json", *options)
    assert result.exit_code in (0, 1), result.stderr
    payload = json.loads(result.stdout)
    findings = payload["findings"]
    assert payload["errors"] == sum(1 for f in findings if f["severity"] == ERROR)
    assert payload["warnings"] == len(findings) - payload["errors"]
    return result.exit_code, findings


def listing(findings: list[dict[str, Any]]) -> str:
    """Findings one a line, for assertion messages."""
    return "\n".join(
        f"{f['code']} {f['severity']} {f['line']}:{f['column']} {f['path']} {f['message']}" for f in findings
    )


# --- one seeded error per rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(SEEDS))
def test_seeded_error_is_found_where_it_is(code: str, tmp_path: Path) -> None:
    seed = SEEDS[code]
    path = seed_input(tmp_path, seed)
    text = path.read_text(encoding="utf-8")
    exit_code, findings = check_json(path, *profile_args(seed.example))
    shown = listing(findings)

    assert code in {at.code for at in seed.expected}
    for at in seed.expected:
        assert at.severity == RULES[at.code].severity.value
        line, column = position(text, at.where, at.mark)
        here = [f for f in findings if f["code"] == at.code and (f["line"], f["column"]) == (line, column)]
        assert here, f"no {at.code} at {line}:{column}:\n{shown}"
        assert {f["severity"] for f in here} == {at.severity}
        assert {Path(f["file"]).resolve() for f in here} == {path.resolve()}

    # the seeded error is the only error, and nothing else is found beyond the example's baseline
    expected_errors = {at.code for at in seed.expected if at.severity == ERROR}
    assert {f["code"] for f in findings if f["severity"] == ERROR} == expected_errors, shown
    assert Counter(f["code"] for f in findings) == BASELINE[seed.example] + Counter(at.code for at in seed.expected), (
        shown
    )

    if RULES[code].severity is Severity.ERROR or expected_errors:
        assert exit_code == 1
    else:
        assert exit_code == 0
        assert run("check", path, "--strict", *profile_args(seed.example)).exit_code == 1


def test_every_rule_has_a_seeded_error() -> None:
    assert set(SEEDS) == set(RULES)
    assert all(code.startswith("BG-C1") for code in RULES)


def test_seeded_positions_are_in_the_edited_text() -> None:
    """Each seed's snippets name one place of the edited file (guards the table above)."""
    for seed in SEEDS.values():
        text = (seed.example / "budget.yaml").read_text(encoding="utf-8")
        assert text.count(seed.old) == 1
        edited = text.replace(seed.old, seed.new)
        for at in seed.expected:
            position(edited, at.where, at.mark)


# --- the clean examples -----------------------------------------------------------------------------------------


def test_guangyuan_has_only_its_three_c123_warnings() -> None:
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    exit_code, findings = check_json(GUANGYUAN)
    assert exit_code == 0
    assert [(f["code"], f["severity"]) for f in findings] == [("BG-C123", WARNING)] * 3
    assert [(f["line"], f["column"]) for f in findings] == [
        position(text, '{econ: "3030501", name: 退休人员绩效补助'),
        position(text, '{econ: "3030504", name: 遗属生活补助'),
        position(text, '{econ: "3029902", name: 退休人员活动经费'),
    ]
    assert [f["path"] for f in findings] == [
        "units[0].staff[1].pay[0]",
        "units[0].staff[1].pay[1]",
        "units[0].operating_items[11]",
    ]


def test_demo_county_has_no_findings() -> None:
    exit_code, findings = check_json(DEMO / "budget.yaml")
    assert (exit_code, findings) == (0, [])
    result = run("check", DEMO)
    assert result.exit_code == 0
    assert "没有发现问题" in result.stdout


# --- options and output formats ---------------------------------------------------------------------------------


def test_list_rules_prints_every_rule() -> None:
    result = run("check", "--list-rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == sorted(RULES)
    for line in lines:
        code, severity = line.split()[:2]
        assert severity == SEVERITY_ZH[RULES[code].severity]
        assert RULES[code].title in line
        assert not re.search(r"[a-z]{3,}", line), line  # described in Chinese (no English words)


def junit_cases(xml: str) -> tuple[ET.Element, dict[str, ET.Element]]:
    root = ET.fromstring(xml)
    assert root.tag == "testsuite"
    cases = root.findall("testcase")
    by_code = {case.get("name", "").split()[0]: case for case in cases}
    assert len(cases) == len(by_code) == len(RULES)
    assert list(by_code) == sorted(RULES)
    assert root.get("tests") == str(len(RULES))
    return root, by_code


def test_junit_has_one_testcase_per_rule_and_fails_the_seeded_one(tmp_path: Path) -> None:
    path = seed_input(tmp_path, SEEDS["BG-C113"])
    result = run("check", path, "--format", "junit")
    assert result.exit_code == 1
    root, by_code = junit_cases(result.stdout)
    assert root.get("failures") == "1"
    for code, case in by_code.items():
        failures = case.findall("failure")
        assert len(failures) == (1 if code == "BG-C113" else 0), code
    (failure,) = by_code["BG-C113"].findall("failure")
    line, column = position(path.read_text(encoding="utf-8"), SEEDS["BG-C113"].expected[0].where)
    assert f":{line}:{column}:" in (failure.text or "")
    assert "权重" in failure.get("message", "")
    # warnings are not failures: they are the system-out of their rule
    assert len(by_code["BG-C123"].findall("system-out")) == 3


def test_junit_of_a_clean_input_has_no_failures() -> None:
    result = run("check", DEMO, "--format", "junit")
    assert result.exit_code == 0
    root, by_code = junit_cases(result.stdout)
    assert root.get("failures") == "0"
    assert not any(list(case) for case in by_code.values())


def test_github_annotations(tmp_path: Path) -> None:
    path = seed_input(tmp_path, SEEDS["BG-C113"])
    result = run("check", path, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    pattern = re.compile(r"::(error|warning) file=([^,]+),line=(\d+),col=(\d+),title=(BG-C\d{3})::\S")
    matches = [pattern.match(line) for line in lines]
    assert all(matches), result.stdout
    kinds = Counter((m.group(1), m.group(5)) for m in matches if m)
    assert kinds == Counter({("error", "BG-C113"): 1, ("warning", "BG-C123"): 3})
    line, column = position(path.read_text(encoding="utf-8"), SEEDS["BG-C113"].expected[0].where)
    errors = [entry for entry in lines if entry.startswith("::error ")]
    assert errors[0].startswith(f"::error file={path},line={line},col={column},title=BG-C113::")
    # a clean input prints no annotation at all
    clean = run("check", DEMO, "--format", "github")
    assert (clean.exit_code, clean.stdout.strip()) == (0, "")


def test_strict_turns_warnings_into_failure() -> None:
    assert run("check", GUANGYUAN).exit_code == 0
    assert run("check", GUANGYUAN, "--strict").exit_code == 1
    assert run("check", DEMO, "--strict").exit_code == 0


def test_select_and_ignore_restrict_the_rules(tmp_path: Path) -> None:
    path = seed_input(tmp_path, SEEDS["BG-C113"])

    def codes(*options: str) -> tuple[int, list[str]]:
        exit_code, findings = check_json(path, *options)
        return exit_code, [f["code"] for f in findings]

    assert codes() == (1, ["BG-C123", "BG-C123", "BG-C123", "BG-C113"])
    assert codes("--select", "BG-C113") == (1, ["BG-C113"])
    assert codes("--select", "BG-C123") == (0, ["BG-C123"] * 3)
    assert codes("--select", "BG-C113", "--select", "BG-C123") == codes()
    assert codes("--select", "BG-C101") == (0, [])
    assert codes("--ignore", "BG-C113") == (0, ["BG-C123"] * 3)
    assert codes("--ignore", "BG-C113", "--ignore", "BG-C123") == (0, [])
    assert codes("--select", "BG-C113", "--ignore", "BG-C113") == (0, [])
    assert run("check", GUANGYUAN, "--ignore", "BG-C123", "--strict").exit_code == 0


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    assert run("check", tmp_path / "missing.yaml").exit_code == 2
    broken = tmp_path / "budget.yaml"
    broken.write_text("format_version: [1\n", encoding="utf-8")
    assert run("check", broken, "--format", "json").exit_code == 2


# --- render refuses what check rejects --------------------------------------------------------------------------


def test_render_refuses_a_seeded_error_unless_draft(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    path = seed_input(source, SEEDS["BG-C113"])
    out = tmp_path / "out"

    refused = run("render", path, "-o", out, "--xlsx")
    assert refused.exit_code == 1
    assert "BG-C113" in refused.stderr
    assert refused.stdout == ""
    assert not out.exists() or not any(out.iterdir())

    draft = run("render", path, "-o", out, "--xlsx", "--draft")
    assert draft.exit_code == 0, draft.stderr
    written = [Path(line) for line in draft.stdout.splitlines()]
    assert written
    assert all(p.suffix == ".xlsx" and p.is_file() and p.parent == out for p in written)
    assert [p.name for p in out.iterdir()] == [p.name for p in written]
