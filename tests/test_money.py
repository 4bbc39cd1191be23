"""Display rounding: displayed parts always add up to the displayed whole, shares to 100.00."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from budgetgen.money import (
    CENT,
    Node,
    allocate,
    percent_change,
    round_tree,
    round_wan,
    shares,
    to_wan,
    tree_from_paths,
)

# amounts in 元 with cents, up to 10 billion 元
yuan = st.integers(min_value=0, max_value=10**12).map(lambda cents: Decimal(cents) / 100)


def test_reference_001_rounding_flaw_is_not_reproduced() -> None:
    # 30101 基本工资 233.90 万元 with detail rows that, rounded one by one, give 3.02 + 230.87 = 233.89
    parts = [Decimal("30230"), Decimal("2308750")]
    whole = round_wan(sum(parts, Decimal(0)))
    assert whole == Decimal("233.90")
    shown = allocate(whole, [to_wan(p) for p in parts])
    assert sum(shown) == whole
    assert shown == [Decimal("3.02"), Decimal("230.88")]


def test_largest_remainder_gives_the_cent_to_the_largest_remainder() -> None:
    assert allocate(Decimal("1.00"), [Decimal("0.333"), Decimal("0.333"), Decimal("0.334")]) == [
        Decimal("0.33"),
        Decimal("0.33"),
        Decimal("0.34"),
    ]


def test_ties_go_to_the_earlier_part() -> None:
    assert allocate(Decimal("0.01"), [Decimal("0.005"), Decimal("0.005")]) == [Decimal("0.01"), Decimal("0.00")]


def test_round_half_up() -> None:
    assert round_wan(Decimal("5")) == Decimal("0.00")
    assert round_wan(Decimal("50")) == Decimal("0.01")
    assert round_wan(Decimal("11833800")) == Decimal("1183.38")


@given(st.lists(yuan, min_size=1, max_size=40))
def test_displayed_parts_sum_to_displayed_whole(parts: list[Decimal]) -> None:
    whole = round_wan(sum(parts, Decimal(0)))
    shown = allocate(whole, [to_wan(p) for p in parts])
    assert sum(shown, Decimal(0)) == whole
    for part, value in zip(parts, shown, strict=True):
        assert value == value.quantize(CENT)
        # no part moves by a cent or more from its exact value
        assert abs(value - to_wan(part)) < CENT


@given(st.lists(yuan, min_size=1, max_size=30))
def test_shares_add_to_exactly_100(parts: list[Decimal]) -> None:
    result = shares(parts)
    if sum(parts) == 0:
        assert all(r == 0 for r in result)
    else:
        assert sum(result) == Decimal("100.00")
        assert all(r >= 0 for r in result)


def test_shares_are_computed_from_exact_amounts() -> None:
    # reference 001: 社会保障和就业 / 卫生健康 / 住房保障 as in the published text
    assert shares([Decimal("10728700"), Decimal("303200"), Decimal("801900")]) == [
        Decimal("90.66"),
        Decimal("2.56"),
        Decimal("6.78"),
    ]


def test_percent_change_from_yuan_not_from_rounded_wan() -> None:
    # 机关运行经费 166.67 on 137.33 万元: 21.37% from the 元 (21.36% from the rounded 万元)
    assert percent_change(Decimal("1666700"), Decimal("1373260")) == Decimal("21.37")
    assert percent_change(Decimal("1"), Decimal("0")) is None


paths = st.lists(
    st.tuples(st.lists(st.sampled_from("abcd"), min_size=1, max_size=3).map(tuple), yuan),
    min_size=1,
    max_size=40,
)


@given(paths)
def test_every_displayed_total_is_the_sum_of_its_displayed_children(
    items: list[tuple[tuple[str, ...], Decimal]],
) -> None:
    # keys are whole paths so that they are unique in the tree
    tree = tree_from_paths((), [(tuple(path[: i + 1] for i in range(len(path))), amount) for path, amount in items])
    shown = round_tree(tree)
    stack: list[Node] = [tree]
    while stack:
        node = stack.pop()
        if node.children:
            covered = sum((c.amount for c in node.children), Decimal(0))
            if covered == node.amount:
                assert sum(shown[c.key] for c in node.children) == shown[node.key]
        stack.extend(node.children)
    assert shown[()] == round_wan(tree.amount)
