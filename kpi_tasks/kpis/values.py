"""Numbers as Vietnamese users write them, and the arithmetic of rates and targets.

Rates are compared exactly (numerator × 100 against target × denominator in fractions), so that 9/10
meets a 90% target even though 9 / 10 × 100 is 90.00000000000001 in floating point.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction

# "1.234.567" (thousands with dots), "65,54" (decimal comma), "1234.5", "1,234,567" are all accepted.
_THOUSANDS_DOT = re.compile(r"-?\d{1,3}(\.\d{3})+")
_THOUSANDS_COMMA = re.compile(r"-?\d{1,3}(,\d{3})+")
MAX_FIGURE = 10**15  # more than any count or amount in đồng a district reports, and exact in a float


class NotANumber(ValueError):
    """The text is not a number."""


def parse_number(raw: object) -> Decimal | None:
    """A cell or form value as a Decimal; None when blank; NotANumber when it is text."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise NotANumber(str(raw))
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise NotANumber(str(raw))
        return Decimal(repr(raw))
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
    if text.endswith("%"):
        text = text[:-1]
    if not text:
        return None
    if _THOUSANDS_DOT.fullmatch(text):
        text = text.replace(".", "")
    elif _THOUSANDS_COMMA.fullmatch(text) and text.count(",") > 1:
        text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise NotANumber(str(raw)) from exc
    if not number.is_finite():
        raise NotANumber(str(raw))
    return number


def actual_fraction(formula: str, numerator: int | None, denominator: int | None,
                    value: float | None) -> Fraction | None:
    """The exact actual figure (a percentage for a ratio)."""
    if formula == "ratio":
        if numerator is None or not denominator:
            return None
        return Fraction(numerator * 100, denominator)
    if value is None:
        return None
    return Fraction(Decimal(repr(float(value))))


def target_fraction(target: float) -> Fraction:
    """A target as the exact decimal it was written as (90.1 is 901/10, not the float nearest to it)."""
    return Fraction(Decimal(repr(float(target))))


# Whether an actual figure meets the goal, by the target's direction ("below" for any other, as before).
_MEETS = {"at_least": operator.ge, "above": operator.gt, "at_most": operator.le, "below": operator.lt}


def _holds(direction: str, comparison: int) -> bool:
    """Whether an actual figure that compares to the goal as `comparison` (-1, 0, 1) meets it."""
    return _MEETS.get(direction, operator.lt)(comparison, 0)


def is_met(direction: str, actual: Fraction | None, target: float | None) -> bool | None:
    """Whether `actual` satisfies the target; None when either is missing."""
    if actual is None or target is None:
        return None
    goal = target_fraction(target)
    return _holds(direction, (actual > goal) - (actual < goal))


def ratio_is_met(direction: str, numerator: int | None, denominator: int | None, goal: Fraction) -> bool | None:
    """`is_met` of a ratio's actual figure (numerator × 100 ÷ denominator) against `goal` (`target_fraction`),
    compared as whole numbers, without a Fraction per unit: a province judges 2,000 units for each KPI."""
    if numerator is None or not denominator:
        return None
    if denominator < 0:  # never recorded; the general rule keeps the sign right
        return is_met(direction, actual_fraction("ratio", numerator, denominator, None), float(goal))
    return _MEETS.get(direction, operator.lt)(numerator * 100 * goal.denominator, goal.numerator * denominator)


def ratios_met(direction: str, goal: Fraction, figures: Iterable[tuple[int | None, int | None]]) -> tuple[int, int]:
    """(judged, met) of (numerator, denominator) figures against one goal: how many `ratio_is_met` judges, and
    finds met. One loop of whole-number comparisons: a province's dashboard judges 8,000 (unit, KPI) pairs."""
    meets = _MEETS.get(direction, operator.lt)
    scale, wanted = 100 * goal.denominator, goal.numerator
    judged = met = 0
    for numerator, denominator in figures:
        if numerator is None or not denominator:
            continue
        judged += 1
        if denominator < 0:
            met += bool(ratio_is_met(direction, numerator, denominator, goal))
        else:
            met += meets(numerator * scale, wanted * denominator)
    return judged, met
