"""The render pool: worker processes, so a render that crashes (a segfault, out of memory) fails its job only.

Workers are spawned, not forked: the server has threads (uvicorn's, the check threads), and a fork
would copy their held locks. A pool broken by a dead worker is replaced for the next job.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class RenderPool:
    """``submit`` like an executor's; the processes start on the first job and stay warm."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._lock = threading.Lock()
        self._pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``function(*args)`` in a worker process (a fresh pool if the last one broke)."""
        with self._lock:
            try:
                return self._pool.submit(function, *args)
            except BrokenProcessPool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new()
                return self._pool.submit(function, *args)

    def shutdown(self) -> None:
        """Stop the workers (queued jobs are cancelled)."""
        with self._lock:
            self._pool.shutdown(wait=True, cancel_futures=True)
