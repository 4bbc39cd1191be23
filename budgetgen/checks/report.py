"""Findings as text, JSON, JUnit XML or GitHub Actions annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from budgetgen.checks.registry import RuleInfo
from budgetgen.diagnostics import Diagnostic, Severity


def as_text(findings: Sequence[Diagnostic]) -> str:
    """One located line per finding, then a count."""
    errors = sum(1 for d in findings if d.severity is Severity.ERROR)
    lines = [str(d) for d in findings]
    lines.append(
        f"检查完成：{errors} 个错误，{len(findings) - errors} 个警告。" if findings else "检查完成：没有发现问题。"
    )
    return "\n".join(lines)


def as_json(findings: Sequence[Diagnostic]) -> str:
    """``{"findings": [...], "errors": n, "warnings": n}``."""
    errors = sum(1 for d in findings if d.severity is Severity.ERROR)
    payload = {"findings": [d.as_dict() for d in findings], "errors": errors, "warnings": len(findings) - errors}
    return json.dumps(payload, ensure_ascii=False, indent=2)


def as_junit(findings: Sequence[Diagnostic], rules: Sequence[RuleInfo], name: str) -> str:
    """One test case per rule; each finding of an error rule is a failure (warnings are system-out)."""
    by_code: dict[str, list[Diagnostic]] = {}
    for d in findings:
        by_code.setdefault(d.code, []).append(d)
    # a rule's severity is the profile's: judge by the findings, not by the catalog's default
    failures = sum(1 for r in rules if any(d.severity is Severity.ERROR for d in by_code.get(r.code, [])))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuite name={quoteattr(name)} tests="{len(rules)}" failures="{failures}" errors="0">',
    ]
    for r in rules:
        out.append(f'  <testcase classname="budgetgen.check" name={quoteattr(f"{r.code} {r.title}")}>')
        for d in by_code.get(r.code, []):
            tag = "failure" if d.severity is Severity.ERROR else "system-out"
            if tag == "failure":
                out.append(f"    <failure message={quoteattr(d.message)}>{escape(str(d))}</failure>")
            else:
                out.append(f"    <system-out>{escape(str(d))}</system-out>")
        out.append("  </testcase>")
    out.append("</testsuite>")
    return "\n".join(out)


def as_github(findings: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands: each finding annotates its file and line."""

    def clean(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    lines = []
    for d in findings:
        level = "error" if d.severity is Severity.ERROR else "warning"
        place = f"file={clean(d.location.file)}"
        if d.location.line is not None:
            place += f",line={d.location.line}"
        if d.location.column is not None:
            place += f",col={d.location.column}"
        lines.append(f"::{level} {place},title={d.code}::{clean(d.message)}")
    return "\n".join(lines)


def rules_markdown(rules: Sequence[RuleInfo]) -> str:
    """The rule catalog as the Markdown table the README carries (a test keeps them equal)."""
    from budgetgen.diagnostics import RULES as INPUT_RULES

    lines = ["| code | severity | 规则 | what it checks |", "| --- | --- | --- | --- |"]
    lines += [f"| {r.code} | {r.severity.value} | {r.title} | {r.description} |" for r in rules]
    lines += [
        f"| {r.code} | {'input (exit 2)' if r.severity is Severity.ERROR else 'notice'} | {r.title} | {r.description} |"
        for r in INPUT_RULES.values()
    ]
    return "\n".join(lines)
