"""What every rule sees: the input, its positions, the ledger, the figures and the generated text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from budgetgen.io.load import LoadedInput
from budgetgen.ledger.aggregates import Figures, compute_figures
from budgetgen.ledger.build import Ledger
from budgetgen.package.facts import TextFacts, build_text_facts
from budgetgen.package.model import Section


@dataclass
class CheckContext:
    """The inputs of the rules, computed once and shared."""

    loaded: LoadedInput
    ledger: Ledger
    profile: str

    @cached_property
    def figures(self) -> Figures:
        """The key figures of the whole budget."""
        return compute_figures(self.ledger)

    def unit_figures(self, code: str) -> Figures:
        """The key figures of one unit."""
        return compute_figures(self.ledger, [code])

    @cached_property
    def text_facts(self) -> TextFacts:
        """The figures the explanatory text speaks of."""
        return build_text_facts(self.ledger)

    @cached_property
    def sections(self) -> tuple[Section, ...]:
        """The explanatory text, as the package prints it (the renderers reuse it)."""
        from budgetgen.package.text import render_text

        return render_text(self.ledger, self.profile, self.text_facts)
