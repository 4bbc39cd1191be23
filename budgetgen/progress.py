"""Stages of a long command on the terminal: what budgetgen is doing, and what it wrote.

A command that takes more than a second says its stages on stderr (only when stderr is a terminal,
so logs and pipes stay clean; ``--quiet`` silences it) and ends with 已生成 and the paths. Stages of
a command that finishes within the second are never shown.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click

THRESHOLD = 1.0  # seconds before the stages are worth showing


def _is_terminal() -> bool:
    return sys.stderr.isatty()


class Progress:
    """Collects stages; shows them (with the time since start) once the command has run for a second."""

    def __init__(self, quiet: bool = False) -> None:
        self.enabled = not quiet and _is_terminal()
        self.started = time.monotonic()
        self.pending: list[tuple[float, str]] = []
        self.shown = False

    def __call__(self, stage: str) -> None:
        """Enter a stage (``生成 PDF``)."""
        if not self.enabled:
            return
        self.pending.append((time.monotonic() - self.started, stage))
        self._flush()

    def _flush(self) -> None:
        if time.monotonic() - self.started < THRESHOLD and not self.shown:
            return
        for at, stage in self.pending:
            click.echo(f"[{at:5.1f} 秒] {stage}…", err=True)
        self.pending.clear()
        self.shown = True

    def done(self, paths: Sequence[Path]) -> None:
        """The end: 已生成 and the paths (when the command ran long enough to show its stages)."""
        if not self.enabled:
            return
        self._flush()
        if self.shown:
            seconds = time.monotonic() - self.started
            click.echo(f"已生成（用时 {seconds:.1f} 秒）：", err=True)
            for path in paths:
                click.echo(f"  {path}", err=True)
