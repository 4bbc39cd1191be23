"""The rule catalog: every check is a generator registered here with its code, severity and texts.

A rule is ``def rule_x(ctx) -> Iterator[Finding]`` decorated with ``@rule(...)``; the catalog is
what ``check --list-rules`` and the README print, and a test keeps every rule registered and tested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from budgetgen.checks.context import CheckContext
from budgetgen.diagnostics import Path, Severity


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule found: a Chinese message and the input path it is about."""

    message: str
    path: Path
    hints: tuple[str, ...] = ()
    at_key: bool = False


RuleFunction = Callable[[CheckContext], Iterator[Finding]]


@dataclass(frozen=True)
class RuleInfo:
    """A registered rule."""

    code: str
    severity: Severity
    title: str
    description: str
    function: RuleFunction
    opt_in: bool = False  # runs only where a profile lists it in checks.enabled


RULES: dict[str, RuleInfo] = {}


def rule(
    code: str, severity: Severity, title: str, description: str, opt_in: bool = False
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a check under a stable code (``opt_in``: only for the profiles that enable it)."""

    def register(function: RuleFunction) -> RuleFunction:
        if code in RULES:
            raise ValueError(f"duplicate rule code {code}")
        RULES[code] = RuleInfo(code, severity, title, description, function, opt_in)
        return function

    return register
