"""Shared fixtures: the two examples and a CLI runner that separates stdout from stderr."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
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


# The PDF engine of the layout tests: BUDGETGEN_TEST_ENGINE=typst runs them against Typst (scripts/test does).
ENGINE = os.environ.get("BUDGETGEN_TEST_ENGINE", "weasyprint")


def rendered(factory: pytest.TempPathFactory, name: str, source: Path, *flags: str) -> Path:
    """The folder ``render SOURCE -o FOLDER FLAGS...`` wrote into (a fixture's whole package), by ``ENGINE``."""
    target = factory.mktemp(name)
    result = run("render", source, "-o", target, *flags, *(("--engine", ENGINE) if "--pdf" in flags else ()))
    assert result.exit_code == 0, result.output
    return target


def pdf_pages(pdf: Path) -> list[str]:
    """The PDF's text page by page with all whitespace removed, so sentences can be matched whole."""
    raw = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    return [re.sub(r"\s+", "", page) for page in raw.split("\f")]


@pytest.fixture(scope="session")
def guangyuan() -> Ledger:
    """The ledger of the worked example (reference 001)."""
    return load_ledger(GUANGYUAN)


@pytest.fixture(scope="session")
def demo() -> Ledger:
    """The ledger of the made-up three-unit department."""
    return load_ledger(DEMO)


def libreoffice_csv(workbook: Path, tmp_path: Path) -> dict[str, str]:
    """Every sheet of a workbook as LibreOffice headless shows it (CSV, values as displayed), by sheet name.

    Skips the test where LibreOffice is not installed.
    """
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / "csv"
    # 44 comma, 34 quote, 76 UTF-8, 1 first line; "as shown" on; -1: every sheet to its own CSV
    csv_filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    profile = f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}"
    command = [soffice, profile, "--headless", "--convert-to", csv_filter, "--outdir", str(out), str(workbook)]
    env = {**os.environ, "HOME": str(tmp_path)}
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False, env=env)
    assert result.returncode == 0, result.stderr
    prefix = f"{workbook.stem}-"
    return {p.stem.removeprefix(prefix): p.read_text(encoding="utf-8") for p in out.glob("*.csv")}
