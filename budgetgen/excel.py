"""What every workbook budgetgen writes shares (the package and the input template alike): cell text that
is safe, and a fixed save time, so the same input gives the same bytes.

A base module: the input template (``io/``) and the Excel renderer (``render/``) both use it, and
neither imports the other.
"""

from __future__ import annotations

import re
from datetime import datetime

from openpyxl import Workbook

FIXED_TIME = datetime(2000, 1, 1)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Text safe for a cell: control characters removed, cut to Excel's 32,767 characters."""
    return _CONTROL.sub("", text)[:32767]


def fixed_modified(core: bytes) -> bytes:
    """openpyxl stamps the save time into dcterms:modified; put the fixed time back."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", core)


def text_only(workbook: Workbook) -> None:
    """Every cell we write holds a value, never a formula: text that openpyxl took for one becomes text again.

    openpyxl makes any string starting with ``=`` a formula; a unit named ``=HYPERLINK(…)`` must be
    shown as written, not run. One pass over the written cells before saving covers every writer.
    """
    for sheet in workbook.worksheets:
        for cell in sheet._cells.values():
            if cell.data_type == "f":
                cell.data_type = "s"
