"""Every fact is rounded once; each figure is a sum of displayed facts, so totals always add up."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from budgetgen.ledger.display import displayed_amounts
from budgetgen.ledger.facts import ExpenditureKind, Fact, Origin
from budgetgen.model.types import FundSource, SubSource
from budgetgen.money import CENT, round_wan, to_wan

facts = st.lists(
    st.builds(
        Fact,
        unit=st.sampled_from(["801001", "801002"]),
        function=st.sampled_from(["2080101", "2080505", "2101101"]),
        econ=st.sampled_from(["30101", "30201", "3010102"]),
        kind=st.sampled_from(list(ExpenditureKind)),
        source=st.just(FundSource.GENERAL_PUBLIC_BUDGET),
        sub_source=st.just(SubSource.CURRENT),
        amount=st.integers(min_value=1, max_value=10**10).map(lambda cents: Decimal(cents) / 100),
        origin=st.just(Origin.STATED),
        path=st.just(()),
    ),
    min_size=1,
    max_size=60,
)


@given(facts)
def test_displayed_facts_add_up_to_the_rounded_total_and_stay_within_a_cent(items: list[Fact]) -> None:
    shown = displayed_amounts(items)
    assert sum(shown, Decimal(0)) == round_wan(sum((f.amount for f in items), Decimal(0)))
    for fact, value in zip(items, shown, strict=True):
        assert abs(value - to_wan(fact.amount)) < CENT


@given(facts)
def test_each_unit_and_kind_is_within_a_cent_of_its_exact_amount(items: list[Fact]) -> None:
    shown = displayed_amounts(items)
    for unit in {f.unit for f in items}:
        for basic in (True, False):
            group = [(f, v) for f, v in zip(items, shown, strict=True) if f.unit == unit and f.kind.is_basic == basic]
            exact = to_wan(sum((f.amount for f, _ in group), Decimal(0)))
            assert abs(sum((v for _, v in group), Decimal(0)) - exact) < CENT
