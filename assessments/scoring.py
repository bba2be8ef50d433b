"""The arithmetic of an assessment: completion, growth, points and grades.

Pure functions over Decimals, so the rules can be read (and tested) apart
from where the numbers come from.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from assessments.choices import ScoringMethod

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def completion_percent(actual, target, *, higher_is_better: bool = True) -> Decimal | None:
    """Actual against target in %, or None without a (positive) target."""
    if actual is None or target is None or Decimal(target) <= 0:
        return None
    actual, target = Decimal(actual), Decimal(target)
    if higher_is_better:
        return round_cents(actual / target * HUNDRED)
    # Lower is better (e.g. a cost): at or under target is full completion.
    if actual <= 0:
        return HUNDRED
    return round_cents(target / actual * HUNDRED)


def change_percent(actual, previous) -> Decimal | None:
    """Change over the previous year in %, or None when the previous year is 0 or unknown."""
    if actual is None or previous is None or Decimal(previous) == 0:
        return None
    return round_cents((Decimal(actual) - Decimal(previous)) / abs(Decimal(previous)) * HUNDRED)


@dataclass(frozen=True)
class ItemScore:
    completion: Decimal | None
    change: Decimal | None
    points: Decimal


def score_item(
    method: str,
    weight,
    cap_percent,
    *,
    actual,
    target,
    previous,
    higher_is_better: bool = True,
) -> ItemScore:
    """Points of one rubric indicator.

    Completion: ``weight × min(completion, cap) ÷ 100`` — no target, no points.
    Growth: ``weight × growth ÷ cap``, between 0 and the weight; from nothing
    to something (previous year 0) earns the full weight.
    """
    weight, cap = Decimal(weight), Decimal(cap_percent)
    completion = completion_percent(actual, target, higher_is_better=higher_is_better)
    change = change_percent(actual, previous)
    if method == ScoringMethod.COMPLETION:
        counted = min(completion, cap) if completion is not None else Decimal(0)
        points = weight * counted / HUNDRED
    elif method == ScoringMethod.GROWTH:
        if change is None:
            grew = actual is not None and Decimal(actual) > 0 and previous is not None
            share = Decimal(1) if grew else Decimal(0)
        else:
            growth = change if higher_is_better else -change
            share = min(max(growth, Decimal(0)) / cap, Decimal(1))
        points = weight * share
    else:
        raise ValueError(f"unknown scoring method {method!r}")
    return ItemScore(completion=completion, change=change, points=round_cents(points))


def grade_for(score, thresholds: Iterable[tuple[str, Decimal]]) -> str:
    """The label of the highest threshold ``score`` reaches; "" below all of them."""
    if score is None:
        return ""
    for label, min_score in sorted(thresholds, key=lambda item: item[1], reverse=True):
        if Decimal(score) >= Decimal(min_score):
            return label
    return ""
