"""The work behind the page and the API, as plain functions that run in the worker pool.

Each takes an upload's folder (never a path a user sent) and returns plain data; findings name
the upload by the name it was sent under, never by its folder on the server.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from budgetgen.checks import has_errors
from budgetgen.checks.context import CheckContext
from budgetgen.diagnostics import Diagnostic, InputError, Location, Severity
from budgetgen.files import ZIP_TIMESTAMP


def shown(findings: list[Diagnostic], file: Path, name: str) -> list[Diagnostic]:
    """Findings with the upload's saved path replaced by the name it was sent under."""
    inside = str(file)

    def relabel(d: Diagnostic) -> Diagnostic:
        if d.location.file == inside:
            return replace(d, location=replace(d.location, file=name))
        return d

    return [relabel(d) for d in findings]


def unit_key(ctx: CheckContext) -> str:
    """Which unit (department and its units) an upload describes: a second upload with the same key gets a diff."""
    budget = ctx.ledger.budget
    return "/".join([budget.department.code, *(u.code for u in budget.units)])


def check_upload(file: Path, name: str, profile: str) -> dict[str, Any]:
    """Load and check an upload: findings, and when it loads its context, key figures and (without errors) the HTML.

    ``unreadable`` is True when the input has input errors (``check`` would exit 2); findings are in
    ``check --format json``'s order: input errors first, then the rules'.
    """
    from budgetgen.render.html import render_html
    from budgetgen.run import Run
    from budgetgen.summary import summary_data

    try:
        run = Run.load(file, profile, lenient=True)  # as ``check``: rules run whenever the model is whole
    except InputError as error:
        return {"findings": shown(list(error.diagnostics), file, name), "unreadable": True}
    ctx = run.context
    problems = shown(list(ctx.loaded.problems), file, name)
    findings = [*problems, *shown(run.findings, file, name)]
    result: dict[str, Any] = {
        "findings": findings,
        "unreadable": bool(problems),
        "context": ctx,
        "key": unit_key(ctx),
        "summary": summary_data(ctx.ledger),
    }
    if not has_errors(findings):
        result["html"] = render_html(run.document, ctx.profile)
    return result


def render_upload(
    file: Path, name: str, profile: str, formats: set[str], draft: bool, out: str = "out"
) -> dict[str, Any]:
    """Render an upload's package into the subfolder ``out`` of its folder: the files written, or the refusing findings.

    Each job has its own subfolder, so a draft and a final rendering of one upload never mix.
    """
    from budgetgen.run import RefusedError, Run

    try:
        paths = Run.load(file, profile, draft=draft).write(file.parent / out, formats)
    except InputError as error:
        return {"findings": shown(list(error.diagnostics), file, name), "files": []}
    except RefusedError as refused:
        return {"findings": shown(refused.findings, file, name), "files": []}
    return {"findings": [], "files": [p.name for p in paths]}


def zip_files(folder: Path, names: list[str]) -> bytes:
    """The named files of ``folder`` as one zip (fixed timestamps: same files, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(names):
            info = zipfile.ZipInfo(name, ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (folder / name).read_bytes())
    return buffer.getvalue()


def empty_workbook(year: int | None) -> bytes:
    """An empty input workbook for a budget year (the newest catalog at or before it), as ``template --year``."""
    from budgetgen.catalogs import available_years
    from budgetgen.catalogs.lookup import require_catalog
    from budgetgen.io.template import render_template

    catalog = require_catalog(year or available_years()[-1], "预算年度")
    return render_template(catalog, year=year)


def new_year_workbook(file: Path, name: str, profile: str, year: int | None) -> tuple[bytes | None, list[Diagnostic]]:
    """Next year's filled input workbook from this year's input (``new-year``), with its notes or its errors."""
    from budgetgen.io.template import render_template
    from budgetgen.newyear import carry
    from budgetgen.package.previews import text_previews
    from budgetgen.run import Run

    try:
        ctx = Run.load(file, profile).context
        carried = carry(ctx, year or ctx.ledger.budget.budget_year + 1)
    except InputError as error:
        return None, shown(list(error.diagnostics), file, name)
    previews = text_previews(carried.budget, carried.catalog)
    return render_template(carried.catalog, carried.budget, previews=previews), shown(carried.notes, file, name)


def annotated_workbook(file: Path, profile: str) -> bytes | None:
    """The uploaded workbook with its findings written at their cells (``check --annotate``); None for YAML.

    A workbook that cannot be opened at all has nothing to annotate (None): its findings are on the page.
    """
    from budgetgen.run import check_and_annotate

    if file.suffix.lower() != ".xlsx":
        return None
    try:
        _, data = check_and_annotate(file, profile)
    except InputError:
        return None
    return data


def error_count(findings: list[Diagnostic]) -> int:
    """How many findings are errors."""
    return sum(1 for d in findings if d.severity is Severity.ERROR)


def internal(message: str) -> Diagnostic:
    """An internal error as a finding (the page and the API never show a traceback)."""
    return Diagnostic("BG-E099", message, Location("budgetgen"))
