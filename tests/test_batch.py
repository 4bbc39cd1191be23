"""`budgetgen batch`: all units on all cores, resumable, shardable; one bad unit never stops the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from budgetgen.batch import Item, shard

from .conftest import DEMO, GUANGYUAN, ROOT, run

UNITS = 10
BROKEN = "342609"


def unit_inputs(folder: Path, count: int, broken: str | None = None) -> Path:
    """``count`` one-unit inputs (the worked example under other codes), one of them broken if asked."""
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    for n in range(1, count + 1):
        code = f"3426{n:02d}"
        unit = text.replace('"342601"', f'"{code}"').replace("广元市社会保险事务中心", f"广元市社会保险事务中心{n}")
        if code == broken:
            unit = unit.replace("    kind: 参公\n", "    kind: 参公\n    headcont: 3\n", 1)
        target = folder / code / "budget.yaml"
        target.parent.mkdir(parents=True)
        target.write_text(unit, encoding="utf-8")
    return folder


def outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.xlsx"))}


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unit_inputs(tmp_path_factory.mktemp("units"), UNITS, BROKEN)


@pytest.fixture(scope="module")
def full(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("full")
    result = run("batch", inputs, "-o", out, "--xlsx", "--jobs", "2")
    return out, result


def test_one_broken_unit_is_reported_and_the_others_are_rendered(full: tuple[Path, object]) -> None:
    out, result = full
    assert result.exit_code == 1, result.output
    entries = manifest(out)["entries"]
    rendered = [k for k, e in entries.items() if e["status"] == "ok"]
    assert len(rendered) == UNITS - 1
    broken = [e for e in entries.values() if e["status"] != "ok"]
    assert len(broken) == 1
    assert any(f"{BROKEN}/budget.yaml:" in error and "BG-E011" in error for error in broken[0]["errors"])
    assert "headcont" in result.stderr
    assert len(outputs(out)) == UNITS - 1
    for entry in entries.values():
        for output in entry["outputs"]:
            assert (out / output["path"]).is_file()
            assert len(output["sha256"]) == 64


def test_a_rerun_renders_nothing(full: tuple[Path, object], inputs: Path) -> None:
    out, _ = full
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.xlsx")}
    result = run("batch", inputs, "-o", out, "--xlsx")
    assert "本次生成 0" in result.stdout
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.xlsx")} == before


def test_four_shards_merged_equal_the_unsharded_batch(full: tuple[Path, object], inputs: Path, tmp_path: Path) -> None:
    out, _ = full
    shards = []
    for i in range(1, 5):
        folder = tmp_path / f"shard{i}"
        run("batch", inputs, "-o", folder, "--xlsx", "--shard", f"{i}/4")
        shards.append(folder)
    keys = [set(manifest(s)["entries"]) for s in shards]
    assert sum(len(k) for k in keys) == len(set().union(*keys)) == UNITS  # nine units and the broken input
    merged = tmp_path / "merged"
    result = run("batch", "merge", *shards, "-o", merged)
    assert result.exit_code == 0, result.output
    assert outputs(merged) == outputs(out)
    strip = {"seconds"}
    left = {k: {f: v for f, v in e.items() if f not in strip} for k, e in manifest(merged)["entries"].items()}
    right = {k: {f: v for f, v in e.items() if f not in strip} for k, e in manifest(out)["entries"].items()}
    assert left == right


def test_merge_refuses_a_missing_shard(inputs: Path, tmp_path: Path) -> None:
    run("batch", inputs, "-o", tmp_path / "a", "--xlsx", "--shard", "1/2")
    result = run("batch", "merge", tmp_path / "a", "-o", tmp_path / "m")
    assert result.exit_code == 1
    assert "BG-E050" in result.stderr
    assert not (tmp_path / "m").exists()


def test_shards_are_disjoint_balanced_and_cover_the_plan() -> None:
    items = [Item(f"{n:03d}", "x", None, weight=10 + n % 7, digest="") for n in range(50)]
    parts = [shard(items, i, 3) for i in (1, 2, 3)]
    keys = [{i.key for i in p} for p in parts]
    assert set().union(*keys) == {i.key for i in items}
    assert sum(len(k) for k in keys) == len(items)
    loads = [sum(i.weight for i in p) for p in parts]
    assert max(loads) - min(loads) <= 16  # no shard heavier than another by more than one item
    assert parts == [shard(items, i, 3) for i in (1, 2, 3)]  # deterministic


def test_a_department_is_split_into_its_units_and_consolidated(tmp_path: Path) -> None:
    result = run("batch", DEMO, "-o", tmp_path, "--xlsx")
    assert result.exit_code == 0, result.output
    assert set(manifest(tmp_path)["entries"]) == {"801001", "801002", "801003", "部门-801"}
    assert (tmp_path / "部门-801" / "801-2025-预算公开.xlsx").is_file()
    assert (tmp_path / "801002" / "801002-2025-预算公开.xlsx").is_file()


def test_sigterm_midway_leaves_no_partial_file_and_a_rerun_completes(tmp_path: Path) -> None:
    inputs = unit_inputs(tmp_path / "in", 6)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "budgetgen", "batch", str(inputs), "-o", str(out), "--xlsx", "--jobs", "1"]
    process = subprocess.Popen(
        command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = [e for e in (manifest(out)["entries"] if (out / "manifest.json").exists() else {}).values()
                if e["status"] == "ok"]  # fmt: skip
        if len(done) >= 2:
            break
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)
    assert process.returncode != 0
    files = [p for p in out.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.startswith(".")], files
    finished = outputs(out)
    assert 2 <= len(finished) < 6
    recorded = [e for e in manifest(out)["entries"].values() if e["status"] == "ok"]
    for entry in recorded:
        for output in entry["outputs"]:
            assert output["path"] in finished
    result = run("batch", inputs, "-o", out, "--xlsx")
    assert result.exit_code == 0, result.output
    assert len(outputs(out)) == 6
    assert f"本次生成 {6 - len(recorded)}，跳过未变化 {len(recorded)}" in result.stdout
