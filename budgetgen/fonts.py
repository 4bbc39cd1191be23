"""Which characters the PDF's font can draw, so that a missing glyph is an input finding, not a box.

The font is found the way WeasyPrint finds it (fontconfig), and its character map is fontconfig's.
Unknown or missing fonts give ``None``: nothing to check.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from functools import cache


@cache
def font_coverage(family: str) -> frozenset[int] | None:
    """Code points the font that fontconfig picks for ``family`` can draw (None if it cannot be read).

    fontconfig's own character set of the font (its cmap, as ranges): read in milliseconds, where
    parsing the cmap of a CJK collection takes a sizeable part of a second.
    """
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run(
            [fc_match, "-f", "%{family}|%{charset}", family], capture_output=True, text=True, timeout=20
        ).stdout
        families, charset = found.split("|")
        if family.lower() not in families.lower() or not charset.strip():
            return None
        points: set[int] = set()
        for span in charset.split():
            first, _, last = span.partition("-")
            points.update(range(int(first, 16), int(last or first, 16) + 1))
        return frozenset(points)
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def undrawable(text: str, coverage: frozenset[int]) -> list[str]:
    """Characters of ``text`` the font cannot draw (spaces are fine; control characters are removed)."""
    return sorted(
        {ch for ch in text if ord(ch) not in coverage and not ch.isspace() and unicodedata.category(ch) != "Cc"}
    )
