"""Gates and edges: a mistyped rule code cannot switch a check off, ``diff`` lists only real changes, and no
character from the input acts on the terminal (it is shown escaped)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from budgetgen.checks.registry import RULES, UnknownRuleCode, nearest_codes, resolve_codes
from budgetgen.terminal import escape, hidden, visible, visible_json

from .conftest import DEMO, run

UNIT_NAME = "示范县人力资源和社会保障局（本级）"
# A unit name that sets the terminal title (ESC ] 0 ; ... BEL), holds a C1 next-line and reverses the line.
HOSTILE_YAML = '"示范县\\e]0;pwned\\a人社局\\N\\u202e（本级）"'
HOSTILE_SHOWN = "示范县\\x1b]0;pwned\\x07人社局\\x85\\u202e（本级）"


def demo_copy(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    """The demo county with one edit, in a folder of its own."""
    text = (DEMO / "budget.yaml").read_text(encoding="utf-8")
    assert text.count(old) == count, old
    folder = tmp_path / "edited"
    folder.mkdir()
    (folder / "budget.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return folder


@pytest.fixture
def unbalanced(tmp_path: Path) -> Path:
    """The demo county with the first unit's income 10 万元 short of its spending (BG-C101)."""
    return demo_copy(tmp_path, "amount: 568.110272}", "amount: 558.110272}")


@pytest.mark.parametrize("given", ["bg-c101", "BG-C101", " Bg-C101 ", "bg-c101,BG-C102"])
def test_select_matches_codes_case_insensitively(unbalanced: Path, given: str) -> None:
    result = run("check", unbalanced, "--select", given, "--format", "json")
    assert result.exit_code == 1, result.output
    assert "BG-C101" in {f["code"] for f in json.loads(result.stdout)["findings"]}


@pytest.mark.parametrize(
    ("option", "given", "nearest"),
    [("--select", "BG-C1O1", "BG-C101"), ("--select", "BGC101", "BG-C101"), ("--ignore", "bg-c11O", "BG-C110")],
)
def test_unknown_code_is_a_usage_error_naming_the_nearest(
    unbalanced: Path, option: str, given: str, nearest: str
) -> None:
    result = run("check", unbalanced, option, given)
    assert result.exit_code == 2
    assert "没有发现问题" not in result.output
    assert f"“{given}”" in result.stderr
    assert nearest in result.stderr.split("最接近的有：")[1]
    assert option in result.stderr


def test_unknown_code_among_known_ones_is_refused(unbalanced: Path) -> None:
    result = run("check", unbalanced, "--select", "BG-C101", "--select", "BG-C999")
    assert result.exit_code == 2
    assert "BG-C999" in result.stderr


def test_resolve_codes_for_other_callers() -> None:
    assert resolve_codes(["bg-c101", "BG-C102, bg-c101"]) == ("BG-C101", "BG-C102")
    assert resolve_codes([]) == ()
    with pytest.raises(UnknownRuleCode) as raised:
        resolve_codes(["BG-C1O1"])
    assert raised.value.code == "BG-C1O1"
    assert raised.value.nearest[0] == "BG-C101"
    assert "BG-C1O1" in raised.value.message()
    assert "BG-C101" in raised.value.message()
    assert all(code in RULES for code in nearest_codes("BG-C12"))
    assert nearest_codes("nothing like a code") == ()


def test_rename_lists_no_empty_to_empty_changes(tmp_path: Path) -> None:
    renamed = demo_copy(tmp_path, f"name: {UNIT_NAME}", "name: 示范县人社局（本级）")
    result = run("diff", DEMO, renamed, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["input"] == [{"key": "units[0].name", "before": UNIT_NAME, "after": "示范县人社局（本级）"}]
    assert data["table"]  # the renamed unit's rows: each old cell removed, each new cell added
    for change in data["table"]:
        assert (change["before"] is None) != (change["after"] is None), change
        assert (UNIT_NAME in change["key"]) == (change["after"] is None), change
    text = run("diff", DEMO, renamed).stdout
    assert "（空） → （空）" not in text



@pytest.mark.parametrize(
    "character",
    ["\x01", "\x07", "\x1b", "\r", "\x7f", "\x85", "\x9b", "\u200b", "\u200e", "\u202e", "\u2066", "\u2028",
     "\ufeff", "\U000e0001", "\ud800"],
)  # fmt: skip
def test_every_hidden_character_is_shown_escaped(character: str) -> None:
    text = f"名称{character}结束"
    shown = visible(text)
    assert not any(hidden(ch) for ch in shown)
    assert shown == f"名称{escape(character)}结束"
    assert json.loads(visible_json(json.dumps(text, ensure_ascii=False))) == text
    assert not any(hidden(ch) for ch in visible_json(json.dumps(text, ensure_ascii=False)))


def test_printable_text_is_unchanged() -> None:
    text = "一般公共预算　（全角空格）\tC:\\path\\x1b 100%"
    assert visible(text) == text
    assert visible("两行\n文字") == "两行\n文字"
    assert visible("两行\n文字", keep="") == "两行\\x0a文字"


def assert_safe(output: str) -> None:
    """Nothing in the output but text, line breaks and tabs."""
    assert not [hex(ord(ch)) for ch in output if ch not in "\n\t" and hidden(ch)]


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return demo_copy(tmp_path, f"name: {UNIT_NAME}", f"name: {HOSTILE_YAML}")


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_diff_refuses_a_hostile_name_and_shows_nothing_raw(hostile: Path, output_format: str) -> None:
    """Control characters are refused at the field (BG-E012); the refusal itself prints nothing raw."""
    result = run("diff", DEMO, hostile, "--format", output_format)
    assert result.exit_code == 2, result.output
    assert_safe(result.stdout + result.stderr)
    assert "BG-E012" in result.stderr
    assert "U+001B" in result.stderr


@pytest.mark.parametrize("command", ["summary", "check"])
@pytest.mark.parametrize("output_format", ["text", "json"])
def test_summary_and_check_refuse_hostile_text_and_show_nothing_raw(
    tmp_path: Path, command: str, output_format: str
) -> None:
    folder = demo_copy(tmp_path, "name: 示范县人力资源和社会保障局\n", f"name: {HOSTILE_YAML}\n")
    result = run(command, folder, "--format", output_format)
    assert result.exit_code in (1, 2), result.output
    assert_safe(result.stdout + result.stderr)
    assert "BG-E012" in result.stdout + result.stderr
    assert "pwned" not in result.stdout + result.stderr or "\\x1b" in result.stdout + result.stderr


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_error_messages_show_hostile_names_escaped(tmp_path: Path, output_format: str) -> None:
    missing = tmp_path / "x\x1b]0;pwned\x07\u202e" / "budget.yaml"
    result = run("check", missing, "--format", output_format)
    assert result.exit_code == 2
    assert_safe(result.stdout + result.stderr)
    shown = "x\\u001b]0;pwned\\u0007\\u202e" if output_format == "json" else "x\\x1b]0;pwned\\x07\\u202e"
    assert shown in result.stdout + result.stderr
    unknown_key = tmp_path / "budget.yaml"
    unknown_key.write_text('format_version: 1\n"bad\\e[31m\\x85key": 1\n', encoding="utf-8")
    result = run("summary", unknown_key, "--format", output_format)
    assert result.exit_code == 2
    assert_safe(result.stderr)
    if output_format == "text":
        assert "bad\\x1b[31m\\x85key" in result.stderr


def test_usage_error_shows_a_hostile_code_escaped(tmp_path: Path) -> None:
    result = run("check", DEMO, "--select", "BG-C101\x1b]0;pwned\x07")
    assert result.exit_code == 2
    assert_safe(result.stderr)
    assert "BG-C101\\x1b]0;pwned\\x07" in result.stderr
