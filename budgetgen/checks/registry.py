"""The rule catalog: every check is a generator registered here with its code, severity and texts.

A rule is ``def rule_x(ctx) -> Iterator[Finding]`` decorated with ``@rule(...)``; the catalog is
what ``check --list-rules`` and the README print, and a test keeps every rule registered and tested.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
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


class UnknownRuleCode(ValueError):
    """A rule code that names no registered rule: a typo must not switch a check off."""

    def __init__(self, code: str, nearest: tuple[str, ...]) -> None:
        self.code = code
        self.nearest = nearest
        super().__init__(code)

    def message(self) -> str:
        """Plain Chinese: the code as given and the nearest registered ones."""
        text = f"未知的规则代码“{self.code}”"
        if self.nearest:
            text += f"，最接近的有：{'、'.join(self.nearest)}"
        return text + "（用 budgetgen check --list-rules 列出全部规则）"


def nearest_codes(code: str, known: Iterable[str] | None = None) -> tuple[str, ...]:
    """Up to three registered codes closest to a mistyped one (``BG-C1O1`` → ``BG-C101``)."""
    candidates = sorted(RULES if known is None else known)
    typed = code.strip().upper()
    prefix, _, number = typed.rpartition("-")
    lookalike = f"{prefix}-{number.translate(_DIGIT_LOOKALIKES)}" if prefix else typed
    close = [lookalike] if lookalike in candidates else []  # a letter for a digit: O for 0, I or l for 1
    close += difflib.get_close_matches(typed, candidates, n=3, cutoff=0.6)
    return tuple(dict.fromkeys(close))[:3]


_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})  # after the letter of the code


def resolve_codes(codes: Iterable[str], known: Iterable[str] | None = None) -> tuple[str, ...]:
    """Codes as registered: case and surrounding spaces ignored, ``A,B`` split; UnknownRuleCode for any other.

    ``known`` defaults to every registered rule (opt-in rules too). Shared by ``check --select/--ignore``
    and a profile's rule settings, so a typo is an error everywhere rather than a rule silently not run.
    """
    registered = {c.upper(): c for c in (RULES if known is None else known)}
    resolved: list[str] = []
    for given in codes:
        for part in given.split(","):
            code = part.strip()
            if not code:
                continue
            if code.upper() not in registered:
                raise UnknownRuleCode(code, nearest_codes(code, registered.values()))
            resolved.append(registered[code.upper()])
    return tuple(dict.fromkeys(resolved))
