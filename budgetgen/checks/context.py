"""What every rule sees: the input, its positions, the ledger, the figures and the document (its text)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from budgetgen.io.load import LoadedInput
from budgetgen.ledger.aggregates import Figures, compute_figures
from budgetgen.ledger.build import Ledger
from budgetgen.model.types import AmountUnit
from budgetgen.package.document import build_document
from budgetgen.package.facts import TextFacts, build_text_facts
from budgetgen.package.model import Document


@dataclass
class CheckContext:
    """The inputs of the rules, computed once and shared."""

    loaded: LoadedInput
    ledger: Ledger
    profile: str

    def money(self, yuan: Decimal) -> str:
        """An amount as a finding shows it: in the input's own unit, exact, with 万元 beside 元.

        A 1 元 imbalance reads ``-1.00 元（-0.0001 万元）``, never ``-0.00 万元``.
        """
        wan = (yuan / 10000).normalize()
        wan_text = f"{wan:,.2f}" if wan == wan.quantize(Decimal("0.01")) else f"{wan:,f}"
        if self.loaded.input_unit is AmountUnit.WAN:
            return f"{wan_text} 万元"
        return f"{yuan:,.2f} 元（{wan_text} 万元）"

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
    def document(self) -> Document:
        """The package as the renderers print it (text and tables), built once: the text rules read its parts."""
        return build_document(self.ledger, self.profile)
