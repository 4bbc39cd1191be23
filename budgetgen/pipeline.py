"""Compatibility: the pipeline's old entry points, now thin wrappers over ``budgetgen.run.Run``."""

from __future__ import annotations

from pathlib import Path

from budgetgen.checks.context import CheckContext
from budgetgen.ledger.build import Ledger
from budgetgen.profiles import DEFAULT_PROFILE
from budgetgen.run import Run


def load_context(path: Path, profile: str = DEFAULT_PROFILE, lenient: bool = False) -> CheckContext:
    """What the checks see of an input (``lenient``: see ``load_budget``); ``Run.load(...).context``."""
    return Run.load(path, profile, lenient=lenient).context


def load_ledger(path: Path, profile: str = DEFAULT_PROFILE) -> Ledger:
    """An input's ledger under a profile's rules; ``Run.load(...).ledger``."""
    return Run.load(path, profile).ledger
