"""Which characters the PDF's font can draw, so that a missing glyph is an input finding, not a box.

The font is found the way WeasyPrint finds it (fontconfig), and its character map read with
fontTools (a WeasyPrint dependency). Unknown or missing fonts give ``None``: nothing to check.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from functools import cache


@cache
def font_coverage(family: str) -> frozenset[int] | None:
    """Code points the font that fontconfig picks for ``family`` can draw (None if it cannot be read)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run(
            [fc_match, "-f", "%{family}|%{file}|%{index}", family], capture_output=True, text=True, timeout=20
        ).stdout
        families, path, index = found.split("|")
        if family.lower() not in families.lower():
            return None
        from fontTools.ttLib import TTFont

        with TTFont(path, fontNumber=int(index or 0), lazy=True) as font:
            return frozenset(font.getBestCmap())
    except (OSError, ValueError, subprocess.SubprocessError, KeyError):
        return None


def undrawable(text: str, coverage: frozenset[int]) -> list[str]:
    """Characters of ``text`` the font cannot draw (spaces are fine; control characters are removed)."""
    return sorted(
        {ch for ch in text if ord(ch) not in coverage and not ch.isspace() and unicodedata.category(ch) != "Cc"}
    )
