"""`budgetgen batch`: all units on all cores, resumable, shardable; one bad unit never stops the rest."""

from __future__ import annotations

import hashlib
import json
import multiprocessing.forkserver
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


def unit_inputs(folder: Path, count: int, broken: str | None = None, first: int = 1) -> Path:
    """``count`` one-unit inputs (the worked example under other codes), one of them broken if asked."""
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    for n in range(first, first + count):
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


def session_processes(session: int) -> list[str]:
    """Live processes of a session (zombies aside), as their /proc stat lines."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        state, _parent, _group, sid = text.rsplit(")", 1)[1].split()[:4]
        if int(sid) == session and state != "Z":
            found.append(text)
    return found


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (zombies too: a child not reaped is left behind as well)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


def leftovers(session: int, seconds: float = 5.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while (found := session_processes(session)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def start_batch(inputs: Path, out: Path, jobs: int) -> subprocess.Popen[str]:
    """The batch in its own session (as CI runners and systemd start it), its output on pipes (as ``| tee``)."""
    command = [sys.executable, "-m", "budgetgen", "batch", str(inputs), "-o", str(out), "--xlsx", "--jobs", str(jobs)]
    return subprocess.Popen(
        command, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finished(out: Path) -> int:
    entries = manifest(out)["entries"] if (out / "manifest.json").exists() else {}
    return sum(1 for e in entries.values() if e["status"] == "ok")


def wait_for(out: Path, count: int, process: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 120
    while (done := finished(out)) < count and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the batch ended before it could be stopped"
    return done


def assert_files_are_recorded(out: Path) -> None:
    """No hidden temporary, and every workbook on disk is one the manifest records (with its content)."""
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]
    recorded = {
        o["path"]: o["sha256"] for e in manifest(out)["entries"].values() if e["status"] == "ok" for o in e["outputs"]
    }
    on_disk = {path: hashlib.sha256(data).hexdigest() for path, data in outputs(out).items()}
    assert on_disk == recorded


def test_sigterm_to_the_whole_group_stops_cleanly_and_a_rerun_completes(tmp_path: Path) -> None:
    """What CI runners, docker and systemd send: no traceback, no process left holding the pipes, exit 143."""
    inputs = unit_inputs(tmp_path / "in", 5)
    out = tmp_path / "out"
    process = start_batch(inputs, out, jobs=2)
    wait_for(out, 2, process)
    os.killpg(process.pid, signal.SIGTERM)
    stopped = time.monotonic()
    _, stderr = process.communicate(timeout=30)  # returns only once no process holds stdout or stderr
    assert time.monotonic() - stopped < 10
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if "中断" in line]
    assert lines == [stderr.strip().splitlines()[-1]]
    assert lines[0].startswith("已中断（收到 SIGTERM）")
    assert leftovers(process.pid) == []
    assert_files_are_recorded(out)
    recorded = finished(out)
    assert 2 <= recorded < 5
    result = run("batch", inputs, "-o", out, "--xlsx")
    assert result.exit_code == 0, result.output
    assert len(outputs(out)) == 5
    assert f"本次生成 {5 - recorded}，跳过未变化 {recorded}" in result.stdout


def test_sigint_to_the_batch_alone_takes_no_new_unit(tmp_path: Path) -> None:
    inputs = unit_inputs(tmp_path / "in", 8)
    out = tmp_path / "out"
    process = start_batch(inputs, out, jobs=2)
    done = wait_for(out, 1, process)
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith("已中断（收到 SIGINT）")
    assert finished(out) <= done + 2  # at most the two running ones finished; none was started
    assert leftovers(process.pid) == []
    assert_files_are_recorded(out)


def test_a_killed_worker_fails_its_unit_and_the_batch_goes_on(tmp_path: Path) -> None:
    """As the OOM killer does: the unit is failed with the reason, the finished ones are recorded."""
    inputs = unit_inputs(tmp_path / "in", 6)
    out = tmp_path / "out"
    process = start_batch(inputs, out, jobs=2)
    try:
        wait_for(out, 1, process)  # a worker is handed its next unit as soon as it reports one
        os.kill(children(process.pid)[0], signal.SIGKILL)
        _, stderr = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr
    entries = manifest(out)["entries"]
    failed = [e for e in entries.values() if e["status"] != "ok"]
    assert len(failed) == 1
    assert "SIGKILL" in failed[0]["errors"][0]
    assert finished(out) == 5
    assert_files_are_recorded(out)
    assert leftovers(process.pid) == []


def test_a_batch_leaves_no_helper_process_behind(tmp_path: Path) -> None:
    """Run inside this test process: afterwards it has no child (no worker, no forkserver)."""
    before = set(children(os.getpid()))
    result = run("batch", unit_inputs(tmp_path / "in", 2), "-o", tmp_path / "out", "--xlsx", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert set(children(os.getpid())) - before == set()
    assert multiprocessing.forkserver._forkserver._forkserver_pid is None  # type: ignore[attr-defined]


def test_two_inputs_holding_one_unit_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    first, second = unit_inputs(tmp_path / "a", 1), unit_inputs(tmp_path / "b", 1)
    result = run("batch", first, second, "-o", tmp_path / "out", "--xlsx")
    assert result.exit_code == 2, result.output
    assert "BG-E024" in result.stderr
    assert f"{first / '342601' / 'budget.yaml'}" in result.stderr
    stated = (second / "342601" / "budget.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(stated, 1) if '"342601"' in text)
    assert f"{second / '342601' / 'budget.yaml'}:{line}:" in result.stderr  # where the second one states the code
    assert not (tmp_path / "out").exists()


def test_start_up_removes_only_its_own_temporaries(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".cache.tmp").mkdir(parents=True)  # a folder with such a name
    (out / ".notes.tmp").write_text("someone else's", encoding="utf-8")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out / "342601" / f".342601-2025-预算公开.xlsx~budgetgen-{dead.pid}-0123abcd.tmp"
    stale.parent.mkdir()
    stale.write_bytes(b"half a workbook")
    result = run("batch", GUANGYUAN, "-o", out, "--xlsx", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert (out / ".notes.tmp").read_text(encoding="utf-8") == "someone else's"
    assert (out / ".cache.tmp").is_dir()
    assert not stale.exists()


def shard_folder(folder: Path, plan: list[str], entries: dict[str, str]) -> Path:
    """A shard folder whose manifest lists ``entries`` (key: output path), each file holding its path."""
    listed = {}
    for key, path in entries.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.encode())
        output = {"path": path, "sha256": hashlib.sha256(path.encode()).hexdigest()}
        listed[key] = {"key": key, "status": "ok", "outputs": [output], "errors": []}
    (folder / "manifest.json").write_text(json.dumps({"plan": plan, "entries": listed}), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("plan", "entries"),
    [
        (["../escape"], {"../escape": "../escape/a.xlsx"}),  # reads and writes beside both folders
        (["342601"], {"342601": "342601/a.xlsx", "342699": "342699/a.xlsx"}),  # not a unit of the plan
        (["342601"], {"342601": "342602/a.xlsx"}),  # a file of another unit's folder
    ],
)
def test_merge_refuses_keys_outside_the_plan_or_the_folder(
    plan: list[str], entries: dict[str, str], tmp_path: Path
) -> None:
    shard = shard_folder(tmp_path / "shard", plan, entries)
    result = run("batch", "merge", shard, "-o", tmp_path / "merged" / "out")
    assert result.exit_code == 1, result.output
    assert "BG-E050" in result.stderr
    assert not (tmp_path / "merged").exists()


def test_a_unit_code_named_like_the_manifest_fails_alone(tmp_path: Path) -> None:
    inputs = unit_inputs(tmp_path / "in", 1)
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    odd = text.replace('code: "342"', 'code: "manifest"').replace('"342601"', '"manifest.json"')
    (inputs / "odd").mkdir()
    (inputs / "odd" / "budget.yaml").write_text(odd, encoding="utf-8")
    out = tmp_path / "out"
    result = run("batch", inputs, "-o", out, "--xlsx", "--jobs", "1")
    assert result.exit_code == 1, result.output
    assert "manifest.json" in result.stderr
    line = next(n for n, text in enumerate(odd.splitlines(), 1) if '"manifest.json"' in text)
    assert f"odd/budget.yaml:{line}:" in result.stderr
    assert manifest(out)["entries"]["342601"]["status"] == "ok"
    assert manifest(out)["entries"]["manifest.json"]["status"] != "ok"


def test_runs_into_one_folder_keep_each_others_units(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("batch", unit_inputs(tmp_path / "a", 1), "-o", out, "--xlsx").exit_code == 0
    assert run("batch", unit_inputs(tmp_path / "b", 1, first=2), "-o", out, "--xlsx").exit_code == 0
    codes = ["342601", "342602"]
    assert sorted(k for k, e in manifest(out)["entries"].items() if e["status"] == "ok") == codes
    result = run("batch", "merge", out, "-o", tmp_path / "merged")
    assert result.exit_code == 0, result.output
    assert sorted(outputs(tmp_path / "merged")) == sorted(outputs(out))
    assert len(outputs(out)) == 2


def test_merge_into_a_path_below_a_regular_file_is_a_located_error(tmp_path: Path) -> None:
    shard = shard_folder(tmp_path / "shard", ["342601"], {"342601": "342601/a.xlsx"})
    blocking = tmp_path / "file"
    blocking.write_text("x", encoding="utf-8")
    result = run("batch", "merge", shard, "-o", blocking / "out")
    assert result.exit_code == 2, result.output
    assert "BG-E070" in result.stderr
    assert f"{blocking} 是一个文件，不是文件夹" in result.stderr
    assert run("batch", "merge", shard, "-o", tmp_path / "merged").exit_code == 0
    assert (tmp_path / "merged" / "342601" / "a.xlsx").read_bytes() == b"342601/a.xlsx"


def test_a_rerun_asking_for_another_format_renders_it(tmp_path: Path) -> None:
    assert run("batch", GUANGYUAN, "-o", tmp_path, "--xlsx", "--jobs", "1").exit_code == 0
    result = run("batch", GUANGYUAN, "-o", tmp_path, "--xlsx", "--html", "--jobs", "1")
    assert "本次生成 1" in result.stdout
    assert (tmp_path / "342601" / "342601-2025-预算公开.html").is_file()
    assert "本次生成 0" in run("batch", GUANGYUAN, "-o", tmp_path, "--html", "--jobs", "1").stdout
