"""Names and words the whole package shares (the tables, the text, the record forms and the templates):
the organisation's name, the package's kind, the level, 一、二… numbering, the 【待填写】 marker, the texts.

A leaf of ``package/``: it reads the ledger only, so the modules that use these words need not import
one another (they used to, in a circle).
"""

from __future__ import annotations

from budgetgen.ledger.build import Ledger
from budgetgen.model.budget import Texts, ThreePublicTexts

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 13 → 十三, 28 → 二十八 (for 一、二、… numbering)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CHINESE_DIGITS[tens] if tens > 1 else "") + "十" + (CHINESE_DIGITS[ones] if ones else "")


def organisation_name(ledger: Ledger) -> str:
    """The name a package is published under: the unit's for one unit, else the department's."""
    units = ledger.budget.units
    return units[0].name if len(units) == 1 else ledger.budget.department.name


def package_kind(ledger: Ledger) -> str:
    """As the input states it (``department.package_kind``); else 单位预算 for one unit, 部门预算 for several."""
    stated = ledger.budget.department.package_kind
    if stated is not None:
        return stated.value
    return "单位预算" if len(ledger.budget.units) == 1 else "部门预算"


def level_word(ledger: Ledger) -> str:
    """市级 / 县级 … as the input states ``department.level``; 本级 when it does not (never a guess)."""
    level = ledger.budget.department.level
    return level.word if level is not None else "本级"


def missing(label: str) -> str:
    """The visible marker for a sentence the unit has not written yet (``check`` reports it)."""
    return f"【待填写：{label}】"


def merged_texts(ledger: Ledger) -> Texts:
    """The texts a package speaks with: each sentence from the first unit that wrote it.

    A department's package takes its 职能 and 重点工作 from its first unit (the department itself
    by convention) and the purpose of each 项 from whichever unit uses it.
    """
    units = ledger.budget.units
    purposes: dict[str, str] = {}
    for unit in units:
        for code, text in unit.texts.function_purposes.items():
            purposes.setdefault(code, text)
    values = {
        name: next((getattr(u.texts, name) for u in units if getattr(u.texts, name)), None)
        for name in Texts.model_fields
        if name not in ("function_purposes", "three_public")
    }
    three = {
        name: next((getattr(u.texts.three_public, name) for u in units if getattr(u.texts.three_public, name)), None)
        for name in ThreePublicTexts.model_fields
    }
    return Texts(**values, function_purposes=purposes, three_public=ThreePublicTexts(**three))
