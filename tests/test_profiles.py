"""Profiles: the Sichuan package is unchanged byte for byte, and no module under budgetgen/ names a profile."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from budgetgen.profiles import available_profiles, templates_root
from tests.conftest import DATA, EXAMPLES, ROOT, run

GOLDEN = json.loads((DATA / "golden-sichuan.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("example", sorted({name.split("/")[0] for name in GOLDEN}))
def test_sichuan_package_unchanged_byte_for_byte(example: str, tmp_path: Path) -> None:
    result = run("render", EXAMPLES / example / "budget.yaml", "-o", tmp_path, "--xlsx", "--pdf", "--html")
    assert result.exit_code == 0, result.output
    expected = {name: digest for name, digest in GOLDEN.items() if name.startswith(f"{example}/")}
    written = {f"{example}/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(tmp_path.iterdir())}
    assert written == expected


def test_no_module_names_a_profile() -> None:
    names = available_profiles()
    assert len(names) >= 3
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "budgetgen").rglob("*.py"))
        for name in names
        if name in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_profiles_command_lists_every_profile() -> None:
    result = run("profiles")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == available_profiles()
    assert all(len(line.split(maxsplit=1)) == 2 for line in lines)  # a name and a description each
    assert (templates_root() / "DEFAULT").read_text(encoding="utf-8").strip() in available_profiles()


@pytest.mark.parametrize(
    ("code", "error"), [("2059998", "BG-E020 功能分类科目“2059998”"), ("30298", "BG-E021 经济分类科目“30298”")]
)
def test_unknown_shown_zero_code_is_a_located_input_error(code: str, error: str, tmp_path: Path) -> None:
    text = (EXAMPLES / "laiyuan-2020" / "budget.yaml").read_text(encoding="utf-8")
    edited = text.replace('show_zero: ["2059999"', f'show_zero: ["{code}"')
    assert edited != text
    path = tmp_path / "budget.yaml"
    path.write_text(edited, encoding="utf-8")
    index = edited.index(f'"{code}"')
    line = edited.count("\n", 0, index) + 1
    column = index - edited.rfind("\n", 0, index)
    result = run("check", path, "--profile", "hebei-2020")
    assert result.exit_code == 2
    assert f"budget.yaml:{line}:{column}: 错误 {error}" in result.stdout + result.stderr


def test_profile_rules_apply_only_under_their_profile() -> None:
    # the Hebei layout prints no weights: its example has none, which only the Sichuan rules would report
    hebei = run("check", EXAMPLES / "laiyuan-2020", "--profile", "hebei-2020", "--format", "json")
    sichuan = run("check", EXAMPLES / "laiyuan-2020", "--format", "json")
    assert hebei.exit_code == 0, hebei.stdout
    assert sichuan.exit_code == 1
    assert '"BG-C113"' in sichuan.stdout
    assert '"BG-C113"' not in hebei.stdout
