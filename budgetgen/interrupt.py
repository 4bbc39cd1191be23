"""SIGTERM and SIGINT as one exception, so that a stopped command cleans up and exits 143 / 130.

By default SIGTERM ends Python at once, skipping every ``finally`` (a temporary file stays behind),
and SIGINT raises ``KeyboardInterrupt``, which ends in a traceback. Commands run inside
``stop_on_signals`` instead: either signal raises ``Interrupted``, a ``BaseException`` so that no
``except Exception`` swallows it, and the command line turns it into one Chinese line.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Interrupted(BaseException):
    """The process was asked to stop (SIGTERM / SIGINT); what was written completely stays."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        self.signum = signum
        super().__init__(signum)

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as shells report a process ended by it (143, 130)."""
        return 128 + self.signum

    @property
    def name(self) -> str:
        """The signal's name (SIGTERM, SIGINT)."""
        return signal.Signals(self.signum).name


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within this block SIGTERM and SIGINT raise ``Interrupted`` (only the main thread can set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
