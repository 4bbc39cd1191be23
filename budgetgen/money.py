"""Money and display rounding: the one place where 元 become displayed 万元 and percentages.

Amounts live as ``Decimal`` 元 everywhere. What a reader sees is 万元 with two decimals, and a
displayed whole must equal the sum of its displayed parts; so displayed figures are never rounded
one by one but allocated from their displayed whole by largest remainder (Hamilton's method).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")
YUAN_PER_WAN = Decimal(10000)
HUNDRED = Decimal(100)


def to_wan(yuan: Decimal) -> Decimal:
    """Exact 万元 value of an amount in 元 (no rounding)."""
    return yuan / YUAN_PER_WAN


def round_cent(value: Decimal) -> Decimal:
    """Round half up to two decimals, as Chinese financial statements do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round_wan(yuan: Decimal) -> Decimal:
    """A single amount in 元 shown in 万元: only for figures that are not part of a displayed sum."""
    return round_cent(to_wan(yuan))


def allocate(whole: Decimal, exact: Sequence[Decimal], exact_whole: Decimal | None = None) -> list[Decimal]:
    """Split a displayed whole (two decimals) into displayed parts that add up to it exactly.

    ``exact`` are the parts' unrounded values in the same unit as ``whole``. Each part gets its
    floor to the cent; the cents still missing go to the parts with the largest remainders (ties:
    the earlier part). When ``exact_whole`` says the parts cover only some of the whole, the rest
    is allocated as one more part that is not returned, so the shown parts add up to less.
    """
    values = list(exact)
    if exact_whole is not None and exact_whole != sum(values, ZERO):
        values.append(exact_whole - sum(values, ZERO))
    if not values:
        return []
    floors = [value.quantize(CENT, rounding=ROUND_FLOOR) for value in values]
    remainders = [value - low for value, low in zip(values, floors, strict=True)]
    missing = int((whole - sum(floors, ZERO)) / CENT)
    order = sorted(range(len(values)), key=lambda i: (-remainders[i], i))
    result = list(floors)
    step = CENT if missing >= 0 else -CENT
    if missing < 0:
        order.reverse()
    for turn in range(abs(missing)):
        result[order[turn % len(order)]] += step
    return result[: len(exact)]


def shares(parts: Sequence[Decimal]) -> list[Decimal]:
    """Percentages (two decimals) of each part in their sum, adding up to exactly 100.00.

    Computed from the exact amounts, not from rounded ones (29.34 on 137.33 in 万元 is 21.37%
    when the 元 say so). All parts zero gives all zero.
    """
    total = sum(parts, ZERO)
    if total == ZERO:
        return [ZERO.quantize(CENT) for _ in parts]
    return allocate(HUNDRED.quantize(CENT), [part * HUNDRED / total for part in parts])


def percent_change(current: Decimal, previous: Decimal) -> Decimal | None:
    """Change on last year in percent, two decimals, from exact amounts; None when last year is 0."""
    if previous == ZERO:
        return None
    return round_cent((current - previous) * HUNDRED / previous)


@dataclass
class Node:
    """One figure of a displayed hierarchy: its key, its amount in 元 and the figures it totals."""

    key: Hashable
    amount: Decimal
    children: list[Node] = field(default_factory=list)
    _by_key: dict[Hashable, Node] = field(default_factory=dict, repr=False, compare=False)

    def child(self, key: Hashable) -> Node:
        """The child with this key, created empty at the end when absent (a dict: a scan was n² in projects)."""
        node = self._by_key.get(key)
        if node is None:
            node = self._by_key[key] = Node(key, ZERO)
            self.children.append(node)
        return node


def round_tree(root: Node) -> dict[Hashable, Decimal]:
    """Displayed 万元 of every node, each node's children allocated from its displayed value.

    The root is rounded half up; below it no figure is rounded on its own, so every displayed
    total equals the sum of its displayed parts at every level. Keys must be unique in the tree.
    """
    shown: dict[Hashable, Decimal] = {root.key: round_wan(root.amount)}
    stack = [root]
    while stack:
        node = stack.pop()
        if not node.children:
            continue
        parts = allocate(shown[node.key], [to_wan(child.amount) for child in node.children], to_wan(node.amount))
        for child, value in zip(node.children, parts, strict=True):
            shown[child.key] = value
            stack.append(child)
    return shown


def tree_from_paths(root_key: Hashable, amounts: Iterable[tuple[Sequence[Hashable], Decimal]]) -> Node:
    """Build a tree from (path of keys below the root, amount) pairs, summing amounts upwards."""
    root = Node(root_key, ZERO)
    for path, amount in amounts:
        root.amount += amount
        node = root
        for key in path:
            node = node.child(key)
            node.amount += amount
    return root


def format_wan(value: Decimal, separators: bool = True) -> str:
    """A displayed 万元 value as text: two decimals, thousands separators by default."""
    return f"{value:,.2f}" if separators else f"{value:.2f}"


def format_wan_short(value: Decimal) -> str:
    """万元 as some layouts write it in sentences: two decimals at most, trailing zeros dropped, no separators.

    837.60 → ``837.6``, 3.00 → ``3``, 0 → ``0``.
    """
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
