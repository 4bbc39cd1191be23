"""Property tests of hostile input: whatever a user does to the worked example, budgetgen answers in kind.

* mutations of the worked example's YAML and of its workbook (deleted keys, wrong types, huge and odd
  numbers, odd unicode): ``check`` and ``render --xlsx`` end with exit 0, 1 or 2 only, no traceback,
  within a time bound;
* the round trip YAML → ``template --from`` → ``import``: for generated models with hostile text
  (separators, line breaks, blanks, control characters, duplicate names), either ``check`` refuses the
  input with a located error or the workbook gives back the same model.

Examples are few and bounded (in-process CliRunner, the compact template) so the module stays fast.
"""

from __future__ import annotations

import copy
import io
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from budgetgen.cli import cli
from budgetgen.diagnostics import InputError
from budgetgen.io.load import load_budget
from budgetgen.io.yaml_source import read_yaml
from budgetgen.profiles import available_profiles

from .conftest import GUANGYUAN
from .test_workbook_input import compact_template

SECONDS = 30  # generous: a mutated worked example is answered in about a second
PROPERTY = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ODD_TEXT = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from(
            ["\x00", "\x1b", "\x07", "\x85", "\u2028", "\u202e", "\ufffe", "、", ",", "\n", "=", "_x000D_"]
        ),
    ),
    max_size=30,
).map("".join)
ODD_NUMBERS = st.sampled_from(
    [
        "1e999999999",
        "1e999999",
        "9" * 60,
        "-0",
        "-1",
        "NaN",
        "inf",
        ".inf",
        "1_000",
        "４０",
        "0x10",
        "1.0000001",
        "0.001",
    ]
)
ODD_VALUES = st.one_of(
    ODD_NUMBERS,
    ODD_TEXT,
    st.none(),
    st.booleans(),
    st.just([]),
    st.just({}),
    st.just(["a", {"b": 1}]),
    st.integers(-(10**40), 10**40),
    st.floats(allow_nan=True, allow_infinity=True),
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into the plain data (mapping keys and list indexes)."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


EDITS = st.lists(
    st.tuples(st.integers(0, 10**6), st.sampled_from(["delete", "replace", "replace", "replace"]), ODD_VALUES),
    min_size=1,
    max_size=3,
)


Edit = tuple[int | tuple[Any, ...], str, Any]


def mutated(data: Any, edits: list[Edit]) -> Any:
    """A copy of ``data`` with the edits applied: the n-th path (mod their number), or a given one, changed."""
    data = copy.deepcopy(data)
    for where, action, value in edits:
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = where if isinstance(where, tuple) else paths[where % len(paths)]
        parent = _at(data, path[:-1])
        if action == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    return data


def _worked_example() -> Any:
    data, _ = read_yaml((GUANGYUAN / "budget.yaml").read_bytes(), "budget.yaml")
    return data


WORKED = _worked_example()


def answered(args: list[str]) -> None:
    """The command ends with exit 0, 1 or 2, without an exception escaping, within ``SECONDS``."""
    start = time.perf_counter()
    result = CliRunner().invoke(cli, args)
    elapsed = time.perf_counter() - start
    output = result.stdout + result.stderr
    assert result.exit_code in (0, 1, 2), output[-2000:]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    assert "BG-E099" not in output, output[-2000:]
    assert elapsed < SECONDS, f"{elapsed:.1f} s"


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


PROFILES = st.sampled_from(available_profiles())


def check_and_render(path: Path, profile: str) -> None:
    """``check`` and a draft ``render --xlsx`` (a draft renders past findings, so more code runs)."""
    answered(["check", str(path), "--profile", profile])
    answered(["render", str(path), "-o", str(path.parent / "out"), "--xlsx", "--draft", "--profile", profile])


@PROPERTY
@given(edits=EDITS, profile=PROFILES)
@example(edits=[(("units", 0, "assets", "building_area"), "replace", "1e999999999")], profile="hebei-2020")
@example(edits=[(("units", 0, "staff", 0, "headcount"), "replace", "9" * 40)], profile="sichuan-2025")
def test_mutated_yaml_is_answered(edits: list[Edit], profile: str) -> None:
    data = mutated(WORKED, edits)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "budget.yaml"
        path.write_text(_dump(data), encoding="utf-8")
        check_and_render(path, profile)


WORKBOOK = compact_template(load_budget(GUANGYUAN))
SHEETS = [
    "基本信息",
    "单位",
    "人员",
    "工资项目",
    "公用经费",
    "项目",
    "项目明细",
    "绩效指标",
    "收入",
    "政府采购",
    "文字说明",
]
CELL_VALUES = st.one_of(
    ODD_NUMBERS,
    ODD_TEXT,
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["=1+1", "=A1", "#DIV/0!"]),
)


@PROPERTY
@given(edits=st.lists(st.tuples(st.sampled_from(SHEETS), st.integers(1, 4), st.integers(1, 8), CELL_VALUES),
                      min_size=1, max_size=3), profile=PROFILES)  # fmt: skip
@example(edits=[("单位", 2, 26, "1e999999999")], profile="hebei-2020")  # 房屋面积: was exit 3
def test_mutated_workbook_is_answered(edits: list[tuple[str, int, int, Any]], profile: str) -> None:
    book = load_workbook(io.BytesIO(WORKBOOK))
    for sheet, row, column, value in edits:
        cell = book[sheet].cell(row, column)
        try:
            cell.value = value
        except (ValueError, TypeError, IllegalCharacterError):  # values openpyxl cannot store: no such workbook
            continue
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "budget.xlsx"
        try:
            book.save(path)
        except (ValueError, TypeError):
            return
        check_and_render(path, profile)


# --- the round trip: the same model back, or a located refusal -----------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E20)
TOKENS = st.sampled_from([*"、,，;； \n\t=-+@0A", "\x01", "\x85", "\u2028", "\u3000", "_x000D_", "\r\n", "\r"])
# Mostly plain names (so that many inputs reach the round trip), with some hostile characters and tokens.
PLAIN = st.text(CJK, min_size=1, max_size=6)
HOSTILE = st.one_of(
    PLAIN,
    PLAIN,
    PLAIN,
    PLAIN,
    st.lists(st.one_of(CJK, CJK, CJK, TOKENS), min_size=1, max_size=8).map("".join),
    st.lists(st.one_of(CJK, CJK, CJK, CJK, CJK, CJK, CJK, TOKENS), min_size=1, max_size=8).map("".join),
)
AMOUNTS = st.integers(0, 10**9).map(lambda cents: str(Decimal(cents).scaleb(-2)))


@st.composite
def hostile_budgets(draw: st.DrawFn) -> dict[str, Any]:
    """A one-unit budget whose names, lists and texts are drawn from hostile text."""
    group_names = draw(st.lists(HOSTILE, max_size=2))
    project: dict[str, Any] = {
        "code": "T01",
        "name": draw(HOSTILE),
        "category": "特定目标类",
        "lines": [{"econ": "30201", "amount": draw(AMOUNTS)}],
        "goals": draw(st.lists(HOSTILE, max_size=3)),
        "purpose": draw(HOSTILE),
        "indicators": [
            {
                "level1": draw(HOSTILE),
                "level2": "数量指标",
                "name": draw(HOSTILE),
                "comparison": "≥",
                "value": draw(HOSTILE),
                "weight": "100",
            }
        ],
    }
    unit: dict[str, Any] = {
        "code": "342001",
        "name": draw(HOSTILE),
        "kind": "参公",
        "main_function": "2080109",
        "subordinate_units": draw(st.lists(HOSTILE, max_size=3)),
        "staff": [
            {"name": name, "kind": "在职", "headcount": "1", "pay": [{"econ": "30101", "amount": draw(AMOUNTS)}]}
            for name in group_names
        ],
        "projects": [project],
        "procurement": [{"name": draw(HOSTILE), "category": "服务", "amount": draw(AMOUNTS)}],
        "texts": {"functions": draw(HOSTILE), "key_work": draw(HOSTILE)},
    }
    return {
        "format_version": 1,
        "budget_year": 2025,
        "amount_unit": "元",
        "department": {"code": "342", "name": draw(HOSTILE)},
        "units": [unit],
    }


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=hostile_budgets())
def test_round_trip_returns_the_model_or_check_refuses_it(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "budget.yaml"
        source.write_text(_dump(data), encoding="utf-8")
        try:
            loaded = load_budget(source)
        except InputError as refused:
            for diagnostic in refused.diagnostics:  # refused at a place the user can find
                assert diagnostic.location.line is not None, str(diagnostic)
            return
        workbook = Path(folder) / "budget.xlsx"
        workbook.write_bytes(compact_template(loaded))
        try:
            back = load_budget(workbook)
        except InputError as error:
            raise AssertionError(f"check accepts the YAML but import refuses its workbook:\n{error}") from None
        assert back.budget == loaded.budget
