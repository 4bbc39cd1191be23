"""Shared fixtures: the two examples and a CLI runner that separates stdout from stderr."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from budgetgen.cli import cli
from budgetgen.ledger.build import Ledger
from budgetgen.pipeline import load_ledger

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GUANGYUAN = EXAMPLES / "guangyuan-2025"
DEMO = EXAMPLES / "demo-county"
DATA = Path(__file__).resolve().parent / "data"


def run(*args: str | Path) -> Result:
    """Run the budgetgen CLI in-process."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="session")
def guangyuan() -> Ledger:
    """The ledger of the worked example (reference 001)."""
    return load_ledger(GUANGYUAN)


@pytest.fixture(scope="session")
def demo() -> Ledger:
    """The ledger of the made-up three-unit department."""
    return load_ledger(DEMO)
