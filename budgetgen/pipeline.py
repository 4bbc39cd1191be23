"""The pipeline in one place: input path → validated model → ledger, as every command runs it."""

from __future__ import annotations

from pathlib import Path

from budgetgen.checks.context import CheckContext
from budgetgen.io.load import load_budget
from budgetgen.ledger.build import Ledger, build_ledger
from budgetgen.profiles import DEFAULT_PROFILE, load_profile


def load_context(path: Path, profile: str = DEFAULT_PROFILE, lenient: bool = False) -> CheckContext:
    """Load an input with everything the checks and the renderers need (``lenient``: see ``load_budget``)."""
    settings = load_profile(profile)
    loaded = load_budget(path, lenient=lenient)
    return CheckContext(loaded, build_ledger(loaded.budget, loaded.catalog, settings), profile)


def load_ledger(path: Path, profile: str = DEFAULT_PROFILE) -> Ledger:
    """Load an input and build its ledger under a profile's rules."""
    settings = load_profile(profile)
    loaded = load_budget(path)
    return build_ledger(loaded.budget, loaded.catalog, settings)
