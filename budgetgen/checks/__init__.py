"""Checks: 勾稽关系 and plausibility rules over a loaded budget, each finding located in the input."""

from __future__ import annotations

from collections.abc import Iterable

from budgetgen.checks import (  # noqa: F401
    balance,
    classification,
    contributions,
    performance,
    required,
    review,
    texts,
    years,
)
from budgetgen.checks.context import CheckContext
from budgetgen.checks.registry import RULES, RuleInfo
from budgetgen.diagnostics import Diagnostic, Severity


def run_checks(ctx: CheckContext, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Diagnostic]:
    """Every finding of every registered rule (or the selected ones), in input order.

    The profile says which rules apply and at which severity (``checks.rules``, ``disabled``,
    ``enabled`` for opt-in rules); ``select`` / ``ignore`` narrow that further.
    """
    chosen = set(select)
    settings = ctx.ledger.settings.checks
    skipped = set(ignore)
    found: list[Diagnostic] = []
    for code, info in sorted(RULES.items()):
        level = settings.severity(code, info.severity.value, info.opt_in)
        if (chosen and code not in chosen) or code in skipped or level is None:
            continue
        severity = Severity(level)
        for finding in info.function(ctx):
            location = ctx.loaded.locate(finding.path, finding.at_key)
            found.append(Diagnostic(code, finding.message, location, severity, finding.hints))
    found.sort(key=lambda d: (d.location.line or 0, d.location.column or 0, d.code))
    return found


def rule_catalog() -> list[RuleInfo]:
    """All rules in code order."""
    return [RULES[code] for code in sorted(RULES)]


def has_errors(findings: Iterable[Diagnostic], strict: bool = False) -> bool:
    """Whether findings fail a check: errors always, warnings too when strict."""
    return any(d.severity is Severity.ERROR or strict for d in findings)


__all__ = ["CheckContext", "has_errors", "rule_catalog", "run_checks"]
