"""Text rules: every comparison has its reason, no 【待填写】 marker is left, last year's figures exist."""

from __future__ import annotations

import json
from collections.abc import Iterator

from budgetgen.checks.context import CheckContext
from budgetgen.checks.registry import Finding, rule
from budgetgen.diagnostics import Severity
from budgetgen.package.model import Section
from budgetgen.package.text import merged_texts

THREE_PUBLIC_ITEMS = ("reception", "vehicles", "overseas")


def _texts_path(ctx: CheckContext) -> tuple[str | int, ...]:
    return ("units", 0, "texts")


@rule(
    "BG-C140", Severity.ERROR, "“三公”经费变化未说明原因", "a “三公” item changed on last year without a stated reason"
)
def three_public_change_has_reason(ctx: CheckContext) -> Iterator[Finding]:
    """A “三公” item that rises or falls needs its reason in the text."""
    facts = ctx.text_facts
    reasons = merged_texts(ctx.ledger).three_public
    names = ctx.ledger.settings.three_public_names
    for key in THREE_PUBLIC_ITEMS:
        change = facts.three_public_changes[key]
        if change.known and change.direction != "持平" and not getattr(reasons, f"{key}_reason"):
            yield Finding(
                f"{getattr(names, key)}比上年{change.direction}，请在 texts.three_public.{key}_reason 说明原因",
                _texts_path(ctx),
            )


def _markers(sections: tuple[Section, ...]) -> Iterator[str]:
    for section in sections:
        for paragraph in section.paragraphs:
            yield from paragraph.missing
        yield from _markers(section.children)


@rule("BG-C141", Severity.ERROR, "说明中有待填写内容", "the generated text still has a 【待填写】 marker")
def no_missing_text(ctx: CheckContext) -> Iterator[Finding]:
    """Every sentence the unit must write is written (the text shows 【待填写：…】 where it is not)."""
    covered = {f"{getattr(ctx.ledger.settings.three_public_names, k)}变化原因" for k in THREE_PUBLIC_ITEMS}
    for label in dict.fromkeys(_markers(ctx.sections)):
        if label not in covered:
            yield Finding(f"说明中仍有【待填写：{label}】", _texts_path(ctx))


@rule("BG-C150", Severity.WARNING, "缺少上年数", "last year's figures needed for the comparisons are missing")
def last_year_present(ctx: CheckContext) -> Iterator[Finding]:
    """The text compares with last year: 收支总数, “三公” and (for 行政/参公 units) 机关运行经费."""
    kinds = set(ctx.ledger.settings.running_cost.unit_kinds)
    for u, unit in enumerate(ctx.ledger.budget.units):
        last = unit.last_year
        missing = []
        if last.total is None:
            missing.append("收支预算总数（total）")
        if last.three_public is None:
            missing.append("“三公”经费（three_public）")
        if unit.kind in kinds and last.running_cost is None:
            missing.append(f"{ctx.ledger.settings.running_cost.name}（running_cost）")
        if missing:
            yield Finding(f"单位 {unit.code} 缺少上年数：{'、'.join(missing)}", ("units", u, "last_year"))


def _strings(value: object, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, (*path, key)) if isinstance(key, str) and not key.isdigit() else iter(())
            yield from _strings(item, (*path, key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i))


@rule(
    "BG-C160",
    Severity.ERROR,
    "字体无法显示的字符",
    "text with characters the PDF font cannot draw (emoji, rare characters)",
)
def characters_in_font(ctx: CheckContext) -> Iterator[Finding]:
    """Every character of the input's text must exist in the PDF's font, or the PDF shows empty boxes."""
    from budgetgen.render.fonts import font_coverage, undrawable

    coverage = font_coverage(ctx.ledger.settings.pdf_font)
    if coverage is None:
        return
    data = ctx.loaded.budget.model_dump(mode="json")
    used = set(json.dumps(data, ensure_ascii=False))  # every character once, at C speed (an 8 MB input: 0.2 s)
    missing = set(undrawable("".join(sorted(used)), coverage))
    if not missing:
        return
    for path, text in _strings(data, ()):
        if missing.isdisjoint(text):
            continue
        bad = undrawable(text, coverage)
        listed = "、".join(f"“{ch}”(U+{ord(ch):04X})" for ch in bad[:5])
        yield Finding(
            f"字体“{ctx.ledger.settings.pdf_font}”中没有这些字符：{listed}，PDF 中会显示为空框；请改用常用字", path
        )
