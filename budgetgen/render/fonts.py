"""Moved to ``budgetgen.fonts`` (a base module: the checks read it too); kept for branches merged after the move."""

from budgetgen.fonts import font_coverage, undrawable

__all__ = ["font_coverage", "undrawable"]
