"""Render a budget's package in the formats asked for, writing every file atomically.

All outputs are produced in memory first and written only when every one of them succeeded, so a
failure never leaves a half-written or a mismatched set of files behind.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from budgetgen.io.load import load_budget
from budgetgen.ledger.build import build_ledger
from budgetgen.package.document import build_document, output_stem
from budgetgen.profiles import load_profile
from budgetgen.render.files import write_atomic
from budgetgen.render.html import Draft, render_html
from budgetgen.render.pdf import render_pdf
from budgetgen.render.xlsx import render_xlsx


def render_package(
    input_path: Path, output_dir: Path, profile: str, formats: set[str], draft: bool = False
) -> list[Path]:
    """Write ``<stem>.xlsx`` / ``.pdf`` / ``.html`` into ``output_dir``; return the paths written."""
    settings = load_profile(profile)
    loaded = load_budget(input_path)
    ledger = build_ledger(loaded.budget, loaded.catalog, settings)
    document = build_document(ledger, profile)
    stem = output_stem(ledger)
    marks = Draft(hashlib.sha256(loaded.raw).hexdigest()[:12], loaded.budget.prepared_on) if draft else None
    outputs: dict[Path, bytes] = {}
    if "xlsx" in formats:
        outputs[output_dir / f"{stem}.xlsx"] = render_xlsx(document.tables, f"{document.title} {document.subtitle}")
    if "html" in formats or "pdf" in formats:
        html = render_html(document, profile, marks)
        if "html" in formats:
            outputs[output_dir / f"{stem}.html"] = html.encode("utf-8")
        if "pdf" in formats:
            outputs[output_dir / f"{stem}.pdf"] = render_pdf(html, profile)
    for path, data in outputs.items():
        write_atomic(path, data)
    return list(outputs)
