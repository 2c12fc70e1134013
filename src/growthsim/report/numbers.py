"""Numbers as a planner reads them, in the active language.

Counts of people, orders and groups are whole numbers (a mean of 3.8 people is "~4");
money carries its unit ("12,300 CNY", in Chinese "12,300 元"); shares are percentages;
negative numbers take a real minus sign, and ranges read well when their ends are
negative ("−85.7% to −70.3%", never "-85.7%–-70.3%").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, TypeGuard

from growthsim.i18n import _, get_language

if TYPE_CHECKING:
    from growthsim.report.calendar import Calendar

MINUS = "\u2212"
WHOLE_UNITS = ("people", "orders", "invites", "groups")
"""KPI units that count whole things."""


def _finite(x: float | None) -> TypeGuard[float]:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(float(x))


def number(x: float | None, decimals: int = 0, signed: bool = False) -> str:
    """``1234.5`` -> ``1,235``; a real minus sign; ``+`` when ``signed`` and positive."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "∞" if x > 0 else MINUS + "∞"
    text = f"{abs(x):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text  # no "−0"
    if x < 0:
        return MINUS + text
    return ("+" + text) if signed and x > 0 else text


def count(x: float | None, signed: bool = False) -> str:
    """A whole number of things (people, orders, groups)."""
    return number(x, 0, signed)


def currency_unit(currency: str | None) -> str:
    """``CNY`` / ``RMB`` -> 元 in Chinese; otherwise the currency code as given."""
    if not currency:
        return ""
    if get_language() == "zh" and currency.upper() in ("CNY", "RMB"):
        return "元"
    return currency


def money(x: float | None, currency: str | None = None, signed: bool = False, unit: bool = True) -> str:
    """``12300`` -> ``12,300 CNY``; under 100 in absolute value with 2 decimals."""
    if not _finite(x):
        return number(x)
    decimals = 0 if abs(float(x)) >= 100 else 2
    text = number(float(x), decimals, signed)
    cur = currency_unit(currency) if unit else ""
    if not cur:
        return text
    return f"{text}{cur}" if cur == "元" else f"{text} {cur}"


def share(x: float | None, signed: bool = False) -> str:
    """``0.123`` -> ``12.3%``."""
    if not _finite(x):
        return number(x)
    return number(float(x) * 100, 1, signed) + "%"


def span(lo: str, hi: str) -> str:
    """Two formatted ends as a range: "−85.7% to −70.3%" / "−85.7% 至 −70.3%"."""
    return _("{low} to {high}").format(low=lo, high=hi)


def day_word(day: float | None, dates: Calendar | None = None) -> str:
    """``day 41`` or, with a calendar, its date."""
    if not _finite(day):
        return "–"
    if dates is not None:
        return dates.label(int(round(float(day))))
    return _("day {n}").format(n=number(day))
