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
