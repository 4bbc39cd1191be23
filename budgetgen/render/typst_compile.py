"""Typst compiles, each in a child process (``typst_worker``), at most ``workers`` at a time.

The one step both the one-pass and the chunked Typst PDFs share. A child that fails makes the
others stop (they are killed, not waited for), and so does an interruption of the caller: no compile
outlives the render that asked for it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import budgetgen
from budgetgen.render.paging import RenderWarning
from budgetgen.render.typst_worker import REFUSED

_ROOT = str(Path(budgetgen.__file__).resolve().parent.parent)
_SERVE = f"import sys; sys.path.insert(0, {_ROOT!r}); from budgetgen.render.typst_worker import main; main()"


@cache
def font_files(family: str) -> tuple[Path, ...]:
    """The font files of one family (all its weights), as fontconfig knows them."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    try:
        found = subprocess.run(
            [fc_list, "--format", "%{file}\n", f":family={family}"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(sorted({Path(line) for line in found.splitlines() if line.strip()}))


def require_fonts(family: str) -> tuple[Path, ...]:
    """The family's font files; none is an error (Typst would fall back to no font at all)."""
    files = font_files(family)
    if not files:
        raise RenderWarning(f"找不到字体“{family}”（请安装 fonts-noto-cjk）")
    return files


@dataclass(frozen=True)
class TypstJob:
    """One compile: the page program's data, the font family, whether a warning fails it, whether to tag."""

    data: dict[str, Any]
    family: str
    strict: bool = True
    tags: bool = True

    def stdin(self) -> bytes:
        head = {"fonts": [str(f) for f in require_fonts(self.family)], "strict": self.strict, "tags": self.tags}
        return (json.dumps(head) + "\n" + json.dumps(self.data, ensure_ascii=False)).encode("utf-8")


class _Children:
    """The running compiles, so that all of them can be killed at once."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env
        self.lock = threading.Lock()
        self.running: set[subprocess.Popen[bytes]] = set()
        self.stopped = False

    def run(self, job: TypstJob) -> bytes:
        payload = job.stdin()
        with self.lock:
            if self.stopped:
                raise RenderWarning("Typst 排版已停止")
            child = subprocess.Popen(
                [sys.executable, "-c", _SERVE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self.env,
            )
            self.running.add(child)
        try:
            out, err = child.communicate(payload)
        finally:
            with self.lock:
                self.running.discard(child)
        if child.returncode == REFUSED:
            raise RenderWarning(err.decode("utf-8", "replace").strip())
        if child.returncode != 0:
            reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"退出码 {child.returncode}"]
            raise RenderWarning(f"Typst 排版进程异常结束：{reason[0]}")
        return out

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for child in self.running:
                child.kill()


def compile_jobs(
    jobs: Sequence[TypstJob], workers: int = 1, alongside: Callable[[], None] | None = None
) -> list[bytes]:
    """The PDFs of ``jobs`` in their order, compiled ``workers`` at a time (put the longest jobs first).

    ``alongside`` runs here while the children compile (a check that may refuse the document: its
    error stops them).
    """
    # Typst spreads one compile over a few threads: where compiles run side by side, one thread each
    # does the same work without the cores' contention (measured ~10% faster on two cores)
    side_by_side = workers > 1 and len(jobs) > 1
    children = _Children({**os.environ, "RAYON_NUM_THREADS": "1"} if side_by_side else None)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="typst") as pool:
        futures: list[Future[bytes]] = [pool.submit(children.run, job) for job in jobs]
        try:
            if alongside is not None:
                alongside()
            done, _pending = wait(futures, return_when=FIRST_EXCEPTION)
            for future in done:
                error = future.exception()
                if error is not None:
                    raise error
            return [f.result() for f in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            children.stop()
            raise
