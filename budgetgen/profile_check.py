"""A profile checked whole before a run starts: its settings, the rule codes it names, its tables and templates.

Above the stages on purpose: the rule codes are the checks' and the tables and templates the package's,
which the profile settings (read by the ledger) must not import. Every run calls ``verify_profile``
first (``budgetgen.run``, ``batch``), so a broken profile fails before any work, located.
"""

from __future__ import annotations

from typing import Any

from budgetgen.diagnostics import Diagnostic, InputError, Location
from budgetgen.profiles import ProfileSettings, ProfileSource, load_profile, profile_data, profile_source


def verify_profile(name: str) -> ProfileSettings:
    """The settings of a profile, once its rule codes exist and its tables and templates read (else located errors)."""
    settings = load_profile(name)
    data, positions, file = profile_data(name)
    _check_rule_codes(data, positions, str(file))
    _check_files(name, profile_source(name))
    return settings


def _check_files(name: str, source: ProfileSource) -> None:
    """Read the tables and parse the templates up front, so a broken file fails before any work, located."""
    from budgetgen.package.spec import load_tables_spec

    load_tables_spec(name)
    if source.user:
        from budgetgen.package.sandbox import parse_templates

        parse_templates(name)


def _check_rule_codes(data: Any, positions: Any, file: str) -> None:
    """Every rule code a profile names exists (case-insensitively); else a located error with the nearest codes."""
    from budgetgen.checks import rule_catalog
    from budgetgen.checks.registry import nearest_codes

    known = [info.code for info in rule_catalog()]

    raw = data.get("checks") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        return
    problems = []
    places: list[tuple[str, tuple[int, int]]] = []
    for key in ("disabled", "enabled"):
        for i, code in enumerate(raw.get(key) or []):
            places.append((str(code), positions.values.get(("checks", key, i), (1, 1))))
    for code in raw.get("rules") or {}:
        places.append((str(code), positions.keys.get(("checks", "rules", code), (1, 1))))
    for code, (line, column) in places:
        if code.strip().upper() not in known:
            near = nearest_codes(code, known)
            hint = f"（最接近：{'、'.join(near)}）" if near else ""
            problems.append(Diagnostic("BG-E030", f"未知的规则代码“{code}”{hint}", Location(file, line, column)))
    if problems:
        raise InputError(problems)
