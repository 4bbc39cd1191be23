"""The explanatory text: a profile's Jinja2 template, fed with the text facts, parsed into sections.

The template decides the wording (a new province is a new template); the figures come from
``package.facts``. Templates are rendered with autoescaping on and emit only ``h1``-``h3``, ``p``
and ``strong`` (and ``<p data-table="key">`` where a table of the profile goes); the parser below
turns that into ``Section`` objects that any renderer can walk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from budgetgen.ledger.build import Ledger
from budgetgen.model.budget import Assets
from budgetgen.package.facts import TextFacts, build_text_facts
from budgetgen.package.model import Paragraph, Section
from budgetgen.package.sandbox import environment, render_profile_template
from budgetgen.package.sentences import marked, placed
from budgetgen.package.words import level_word, merged_texts, missing, organisation_name, package_kind

MISSING = re.compile(r"【待填写：([^】]*)】")


@dataclass
class _Node:
    title: str
    level: int
    anchor: str = ""
    paragraphs: list[Paragraph] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)

    def freeze(self) -> Section:
        return Section(
            self.title, self.level, tuple(self.paragraphs), tuple(c.freeze() for c in self.children), self.anchor
        )


class _Parser(HTMLParser):
    """Reads the h1-h3 / p / strong output of a text template into a section tree."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.roots: list[_Node] = []
        self.stack: list[_Node] = []
        self.tag: str | None = None
        self.anchor = ""
        self.text = ""
        self.strong = ""
        self.in_strong = False
        self.table: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "p"):
            self.tag, self.text, self.strong = tag, "", ""
            self.anchor = dict(attrs).get("id") or ""
            self.table = dict(attrs).get("data-table")
        elif tag == "strong":
            self.in_strong = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "strong":
            self.in_strong = False
            return
        if tag != self.tag:
            return
        text = " ".join(self.text.split()) if tag != "p" else self.text.strip()
        if tag == "p":
            if self.table and self.stack:  # <p data-table="key">: the tables of that key go here
                self.stack[-1].paragraphs.append(Paragraph("", table=self.table))
            elif text and self.stack:
                found = tuple(MISSING.findall(text))
                self.stack[-1].paragraphs.append(Paragraph(text, found, self.strong or None))
        else:
            level = int(tag[1])
            node = _Node(text, level, self.anchor)
            while self.stack and self.stack[-1].level >= level:
                self.stack.pop()
            (self.stack[-1].children if self.stack else self.roots).append(node)
            self.stack.append(node)
        self.tag = None

    def handle_data(self, data: str) -> None:
        if self.tag is not None:
            self.text += data
            if self.in_strong:
                self.strong += data


def parse_sections(markup: str) -> tuple[Section, ...]:
    """Sections from the restricted HTML a text template produces."""
    parser = _Parser()
    parser.feed(markup)
    parser.close()
    return tuple(node.freeze() for node in parser.roots)


def render_text(ledger: Ledger, profile: str, facts: TextFacts | None = None) -> tuple[Section, ...]:
    """The explanatory text of the package (parts 一 to 三) as sections."""
    from budgetgen.package.views import record_context

    f = facts or build_text_facts(ledger)
    budget = ledger.budget
    units = budget.units
    catalog = ledger.catalog
    settings = ledger.settings
    assets = units[0].assets if len(units) == 1 else _sum_assets(ledger)
    official = assets.official_vehicles if assets.official_vehicles is not None else assets.vehicles
    stated = stated_facts(ledger)

    def explanation(code: str) -> str:
        entry = catalog.functions.get(code)
        if entry and entry.explanation:
            return entry.explanation
        return f"反映{catalog.function_name(code[:5])}方面{catalog.function_name(code)}的支出。"

    markup = render_profile_template(
        environment(profile),
        "text.html.j2",
        f=f,
        org=organisation_name(ledger),
        department=budget.department,
        units=units,
        texts=marked(merged_texts(ledger)),
        year=budget.budget_year,
        last_year=budget.budget_year - 1,
        kind=package_kind(ledger),
        level=level_word(ledger),
        assets=assets,
        official_vehicles=official if stated["vehicles"] else missing("公务用车数"),
        vehicles=assets.vehicles if stated["vehicles"] else missing("车辆数"),
        procurement_stated=stated["procurement"],
        stated=stated,
        names=settings.three_public_names.model_dump(),
        running_cost_name=settings.running_cost.name,
        fn=catalog.function_name,
        explanation=explanation,
        records=record_context(ledger, list(ledger.displayed()), {}, None, None),
    )
    return parse_sections(placed(markup))


def stated_facts(ledger: Ledger) -> dict[str, bool]:
    """Whether the input states the facts a text would otherwise print as a claim from a default.

    ``车辆 0 辆`` or ``无政府采购预算安排`` is a claim: printed only where some unit states it (a
    count of vehicles; a procurement list, even an empty one, or a sentence about procurement).
    """
    units = ledger.budget.units
    return {
        "vehicles": any({"vehicles", "official_vehicles"} & u.assets.model_fields_set for u in units),
        "large_equipment": any("large_equipment" in u.assets.model_fields_set for u in units),
        "planned": any({"planned_vehicles", "planned_large_equipment"} & u.assets.model_fields_set for u in units),
        "procurement": any("procurement" in u.model_fields_set or u.texts.procurement for u in units),
    }


def _sum_assets(ledger: Ledger) -> Assets:
    units = ledger.budget.units
    return Assets(
        vehicles=sum(u.assets.vehicles for u in units),
        official_vehicles=sum(
            u.assets.official_vehicles if u.assets.official_vehicles is not None else u.assets.vehicles for u in units
        ),
        large_equipment=sum(u.assets.large_equipment for u in units),
        planned_vehicles=sum(u.assets.planned_vehicles for u in units),
        planned_large_equipment=sum(u.assets.planned_large_equipment for u in units),
    )
