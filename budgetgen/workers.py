"""Worker processes for ``batch``: plain child processes that we start, watch and stop ourselves.

Each worker is ``python -c`` serving jobs over two pipes: a job is rendered with signals allowed
(SIGTERM abandons it, its temporaries removed), then its files are committed and its result sent
with signals held, so a result is either sent whole or its job never finished. A worker that dies
(killed, out of memory) shows as the end of its result pipe: its job is reported lost, with the
reason, and a fresh worker takes the next job. There is no pool manager, forkserver or resource
tracker that could outlive the batch: every process here is a direct child that ``close`` ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import budgetgen
from budgetgen.files import signals_held
from budgetgen.interrupt import Interrupted

_SERVE = "from budgetgen.workers import serve; serve()"
GRACE = 5.0  # seconds a stopped worker has to end before it is killed


class Job(Protocol):
    """Work for a worker: ``run`` may be interrupted; the commit it returns runs with signals held."""

    def run(self) -> Callable[[], Any]:
        """Do the interruptible part; return the short step that commits and gives the result."""
        ...


@dataclass
class Lost:
    """A job whose worker died before sending a result."""

    pid: int
    reason: str


def _stop_once(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the cleanup short
    raise Interrupted(signum)


def serve() -> None:
    """A worker's main loop (in the child): run each job received, send back its result; exit at EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, _stop_once)
    code = 0
    try:
        jobs, results = Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False)
        while True:
            try:
                job = jobs.recv()
            except EOFError:
                break
            commit = job.run()
            with signals_held():
                results.send(commit())
    except Interrupted as stop:
        code = stop.exit_code
    except BaseException:  # a worker never prints a traceback: the parent reports the loss
        code = 1
    os._exit(code)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Children start with SIGINT ignored (Python keeps it so), so Ctrl-C during start-up prints nothing."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signal dispositions cannot be changed here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class Worker:
    """One child process, its job pipe and its result pipe."""

    def __init__(self) -> None:
        job_read, job_write = os.pipe()
        result_read, result_write = os.pipe()
        root = str(Path(budgetgen.__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        try:
            with _sigint_ignored():
                self.process = subprocess.Popen(
                    [sys.executable, "-c", _SERVE, str(job_read), str(result_write)],
                    pass_fds=(job_read, result_write),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    env=env,
                )
        except BaseException:
            for fd in (job_read, job_write, result_read, result_write):
                os.close(fd)
            raise
        os.close(job_read)
        os.close(result_write)
        self.jobs = Connection(job_write, readable=False)
        self.results = Connection(result_read, writable=False)

    @property
    def pid(self) -> int:
        """The worker's process id (its temporaries carry it)."""
        return self.process.pid

    def send(self, job: Job) -> bool:
        """Give the worker a job; False when it has died meanwhile."""
        try:
            self.jobs.send(job)
        except OSError:
            return False
        return True

    def receive(self) -> Any:
        """The result of the job, or ``Lost`` when the worker died first."""
        try:
            return self.results.recv()
        except Exception:  # EOF or a cut-off message: the worker is gone
            return Lost(self.pid, self._death())

    def _death(self) -> str:
        try:
            code = self.process.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        if code < 0:
            name = signal.Signals(-code).name
            hint = "（可能是内存不足）" if -code == signal.SIGKILL else ""
            return f"工作进程被信号 {name} 终止{hint}，本单位未生成"
        return f"工作进程意外退出（退出码 {code}），本单位未生成"

    def stop(self) -> None:
        """Ask the worker to abandon its job (SIGTERM); it removes its temporaries and exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def close(self, deadline: float) -> None:
        """End the worker: EOF on its job pipe, killed if still running at ``deadline``; reaped."""
        self.jobs.close()
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.results.close()


def ready(workers: list[Worker], timeout: float) -> list[Worker]:
    """The workers among ``workers`` with a result (or an end) to read, waiting at most ``timeout``."""
    by_pipe = {w.results: w for w in workers}
    return [by_pipe[c] for c in wait(list(by_pipe), timeout)]  # type: ignore[index]
