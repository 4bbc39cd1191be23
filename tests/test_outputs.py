"""Writing outputs: the user's environment is not a bug, and one render's files change together or not at all.

A read-only folder, a full disk, ``-o`` below a regular file or a folder where a file belongs end in a
located Chinese message (BG-E070) naming the path and exit 2, for every command that writes; no
partial file appears under a final name, and no hidden temporary stays. Files get the umask's mode.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import GUANGYUAN, ROOT, run

STEM = "342601-2025-预算公开"


def files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones too) by its relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def hidden(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(".")]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worked example as a filled input workbook (for ``import``)."""
    path = tmp_path_factory.mktemp("workbook") / "输入.xlsx"
    assert run("template", path, "--from", GUANGYUAN).exit_code == 0
    return path


def commands(target: Path, workbook: Path) -> dict[str, list[Any]]:
    """Each writing command with its output at ``target`` (a folder for render and batch, a file otherwise)."""
    return {
        "render": ["render", GUANGYUAN, "-o", target, "--xlsx"],
        "batch": ["batch", GUANGYUAN, "-o", target, "--xlsx", "--jobs", "1"],
        "template": ["template", target / "模板.xlsx"],
        "import": ["import", workbook, "-o", target / "budget.yaml"],
    }


WRITERS = ["render", "batch", "template", "import"]


def assert_environment_error(result: Any, *mentions: str) -> None:
    assert result.exit_code == 2, result.output
    assert "BG-E070" in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert "BG-E099" not in result.stderr
    for mention in mentions:
        assert mention in result.stderr, result.stderr


@pytest.mark.parametrize("command", WRITERS)
def test_output_below_a_regular_file_is_a_located_error(command: str, tmp_path: Path, workbook: Path) -> None:
    blocking = tmp_path / "不是文件夹"
    blocking.write_text("x", encoding="utf-8")
    result = run(*commands(blocking / "out", workbook)[command])
    assert_environment_error(result, str(blocking), "不是文件夹")
    assert blocking.read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize(
    ("command", "code", "says"),
    [
        *((c, errno.EACCES, "没有写入权限") for c in WRITERS),
        *((c, errno.ENOSPC, "磁盘空间不足") for c in ("render", "batch")),
    ],
)
def test_a_read_only_folder_or_a_full_disk_is_a_located_error(
    command: str, code: int, says: str, tmp_path: Path, workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated (the tests run as root, whom permissions do not stop): every file created below
    ``target`` fails as the kernel would fail it.
    """
    target = tmp_path / "out"
    target.mkdir()
    real_open = os.open

    def refusing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT and Path(path).parent == target:
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    result = run(*commands(target, workbook)[command])
    assert_environment_error(result, str(target), says)
    assert files(target) == {}


@pytest.mark.parametrize("command", ["render", "template", "import"])
def test_a_folder_where_the_output_file_belongs_is_a_located_error(
    command: str, tmp_path: Path, workbook: Path
) -> None:
    target = tmp_path / "out"
    names = {"render": f"{STEM}.xlsx", "template": "模板.xlsx", "import": "budget.yaml"}
    (target / names[command]).mkdir(parents=True)
    argv = commands(target, workbook)[command]
    if command == "render":
        argv = [*argv, "--html"]  # the HTML, written first, must not appear either
    result = run(*argv)
    assert_environment_error(result, str(target / names[command]), "文件夹")
    assert files(target) == {}


def test_a_batch_unit_whose_file_name_is_a_folder_fails_with_the_path(tmp_path: Path) -> None:
    taken = tmp_path / "342601" / f"{STEM}.xlsx"
    taken.mkdir(parents=True)
    result = run("batch", GUANGYUAN, "-o", tmp_path, "--xlsx", "--jobs", "1")
    assert result.exit_code == 2, result.output
    assert str(taken) in result.stderr
    assert "BG-E070" in result.stderr
    assert "Traceback" not in result.output
    assert not hidden(tmp_path)


def _limit_file_size(size: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def test_a_render_that_cannot_write_every_file_keeps_the_previous_set(tmp_path: Path) -> None:
    """A real limit, not a simulation: files may not exceed 64 KiB, so the workbook (~40 KB) fits and the
    HTML (~95 KB) does not, as on a disk that fills up between the two.
    """
    out = tmp_path / "out"
    assert run("render", GUANGYUAN, "-o", out, "--xlsx", "--html").exit_code == 0
    before = files(out)
    command = [sys.executable, "-m", "budgetgen", "render", str(GUANGYUAN), "-o", str(out), "--xlsx", "--html"]
    done = subprocess.run(
        [*command, "--draft"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        preexec_fn=_limit_file_size(64 * 1024), check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "BG-E070" in done.stderr
    assert f"{STEM}.html" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert files(out) == before  # neither the new workbook beside the old HTML, nor a temporary


def test_an_interrupted_render_replaces_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGINT arrives just after the first file is renamed into place: the set still ends whole."""
    out = tmp_path / "out"
    out.mkdir()
    for suffix in (".xlsx", ".html"):
        (out / f"{STEM}{suffix}").write_bytes(b"an earlier render")
    before = files(out)
    real_replace = os.replace

    def replace_then_signal(source: Any, target: Any) -> None:
        real_replace(source, target)
        if str(target).endswith(".xlsx"):
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "replace", replace_then_signal)
    result = run("render", GUANGYUAN, "-o", out, "--xlsx", "--html")
    assert result.exit_code == 130, result.output
    assert result.stderr.strip().splitlines() == ["已中断（收到 SIGINT）。"]
    after = files(out)
    assert set(after) == set(before)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == set(before)  # both new: the rename step is not cut in two


def test_sigterm_while_writing_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert run("render", GUANGYUAN, "-o", out, "--xlsx", "--html").exit_code == 0
    before = files(out)
    real_write = os.write
    sent: list[int] = []

    def write_then_signal(fd: int, data: Any) -> int:
        if not sent:  # once: after the command, SIGTERM would end the test run itself
            sent.append(signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write_then_signal)
    result = run("render", GUANGYUAN, "-o", out, "--xlsx", "--html", "--draft")
    monkeypatch.undo()
    assert result.exit_code == 143, result.output
    assert "Traceback" not in result.output
    assert files(out) == before


def test_written_files_get_the_umask_mode(tmp_path: Path, workbook: Path) -> None:
    """Not a temporary file's 0600: under umask 027 a group may read what we write."""
    mode = 0o640
    previous = os.umask(0o027)
    try:
        for name in WRITERS:
            assert run(*commands(tmp_path / name, workbook)[name]).exit_code == 0
    finally:
        os.umask(previous)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.suffix for p in written} == {".xlsx", ".yaml", ".json"}
    assert {p.relative_to(tmp_path).as_posix(): oct(p.stat().st_mode & 0o777) for p in written} == {
        p.relative_to(tmp_path).as_posix(): oct(mode) for p in written
    }


def test_render_removes_what_a_killed_render_left_and_nothing_else(tmp_path: Path) -> None:
    """SIGKILL gives no chance to clean up: the next render of the same file removes that temporary."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    out.mkdir()
    stale = out / f".{STEM}.xlsx~budgetgen-{dead.pid}-0123abcd.tmp"
    stale.write_bytes(b"half a workbook")
    foreign = out / f".{STEM}.xlsx.tmp"
    foreign.write_bytes(b"not ours")
    assert run("render", GUANGYUAN, "-o", out, "--xlsx").exit_code == 0
    assert not stale.exists()
    assert foreign.read_bytes() == b"not ours"
