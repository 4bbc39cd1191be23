"""What the input workbook shows beside each unit text: the sentence of the generated text it is placed in.

Above the input stage on purpose: the preview needs the ledger and the text, which the workbook writer
(``io/template.py``) must not import; its callers compute the previews and hand them in.
"""

from __future__ import annotations

from typing import Any

from budgetgen.catalogs import Catalog
from budgetgen.io.template import unit_texts
from budgetgen.ledger.build import build_ledger
from budgetgen.model.budget import BudgetInput
from budgetgen.package.sentences import clean_sentence
from budgetgen.package.text import render_text
from budgetgen.profiles import DEFAULT_PROFILE, load_profile


def text_previews(budget: BudgetInput, catalog: Catalog) -> dict[str, str]:
    """Each unit text → the sentence of the generated text it is placed in (the default layout's)."""
    try:
        ledger = build_ledger(budget, catalog, load_profile(DEFAULT_PROFILE))
        sections = render_text(ledger, DEFAULT_PROFILE)
    except Exception:  # a preview is a help, never a reason to fail writing the workbook
        return {}
    paragraphs: list[str] = []

    def walk(items: Any) -> None:
        for section in items:
            paragraphs.extend(p.text for p in section.paragraphs)
            walk(section.children)

    walk(sections)
    found: dict[str, str] = {}
    texts = [t for unit in budget.units for t in unit_texts(unit)]
    for text in texts:
        core = clean_sentence(text).rstrip("。；，、 ")
        for paragraph in paragraphs:
            at = paragraph.find(core)
            if core and at >= 0:
                start = max(paragraph.rfind("。", 0, at) + 1, 0)
                end = paragraph.find("。", at + len(core))
                found[text] = paragraph[start : end + 1 if end >= 0 else len(paragraph)]
                break
    return found
