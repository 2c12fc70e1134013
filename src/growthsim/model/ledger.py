"""The budget ledger: one place where every payment of a run is recorded.

Fixed costs (salaries, stipends, tools, devices) are always paid. Discretionary spending
(channel spend, campaign rewards, KOL fees, lecture costs, sale discounts) is granted only
up to what the total budget and the current 30-day month's cap leave; the first day a
request is cut (or a lever stands idle for lack of money) is reported as
``exhausted_day``. The sum of all entries is the reported cost, by construction and by test.

Invariants (tested with hypothesis in ``tests/test_ledger.py``):

- the sum of all entries equals ``spent`` equals ``fixed_spent + discretionary_spent``;
- discretionary spending never exceeds ``total``, and within one 30-day month (days
  ``30k .. 30k+29``) never exceeds ``monthly_cap``; fixed costs count against both limits
  (they shrink what is left) but are always paid in full.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd

FIXED_CATEGORIES = ("staff", "volunteer_admins", "tools", "devices")

MONTH_DAYS = 30

EPS = 1e-9  # money below this is treated as zero (floating-point slack)


class Ledger:
    """Daily payments by category, with an optional total budget and monthly cap.

    Args:
        horizon: days in the run (payments are on days ``0 .. horizon-1``).
        total: total money available over the horizon (None: unlimited). Fixed costs count
            against it but are paid even past it.
        monthly_cap: money per 30-day month (None: unlimited), same rule.
    """

    def __init__(self, horizon: int, total: float | None = None, monthly_cap: float | None = None):
        self.horizon = int(horizon)
        self.total = total
        self.monthly_cap = monthly_cap
        self.by_category: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(self.horizon))
        self.spent = 0.0
        self.fixed_spent = 0.0
        self.discretionary_spent = 0.0
        self.month_spent: dict[int, float] = defaultdict(float)
        self.month_discretionary: dict[int, float] = defaultdict(float)
        self.exhausted_day: int | None = None
        self.blocked_days: set[int] = set()
        # 1.0 on the blocked days (the series' budget_blocked; a batch stacks these rows)
        self.blocked_flags = np.zeros(self.horizon, dtype=np.float64)

    # ------------------------------------------------------------------ internals
    def _check(self, day: int, amount: float) -> None:
        if not 0 <= day < self.horizon:
            raise ValueError(f"payment day must be in 0..{self.horizon - 1}, got {day}")
        if amount < 0 or not math.isfinite(amount):
            raise ValueError(f"payment must be a non-negative amount, got {amount}")

    def _record(self, day: int, category: str, amount: float, fixed: bool) -> None:
        if amount <= 0:
            return
        self.by_category[category][day] += amount
        self.spent += amount
        self.month_spent[day // MONTH_DAYS] += amount
        if fixed:
            self.fixed_spent += amount
        else:
            self.discretionary_spent += amount
            self.month_discretionary[day // MONTH_DAYS] += amount

    # ------------------------------------------------------------------ public API
    def pay_fixed(self, day: int, category: str, amount: float) -> None:
        """Pay a fixed cost in full (fixed costs keep groups running)."""
        self._check(day, amount)
        self._record(day, category, amount, fixed=True)

    @staticmethod
    def pay_fixed_all(ledgers: list["Ledger"], day: int, category: str, amount: float) -> None:
        """:meth:`pay_fixed` of the same fixed cost in each of ``ledgers`` (the replicates
        of a batch, one horizon): checked once, recorded in each as :meth:`pay_fixed` does."""
        if not ledgers:
            return
        ledgers[0]._check(day, amount)
        if amount <= 0:
            return
        month = day // MONTH_DAYS
        for lg in ledgers:
            lg.by_category[category][day] += amount
            lg.spent += amount
            lg.month_spent[month] += amount
            lg.fixed_spent += amount

    def available(self, day: int) -> float:
        """Discretionary money still available on ``day`` (money, >= 0)."""
        room = math.inf
        if self.total is not None:
            room = min(room, self.total - self.spent)
        if self.monthly_cap is not None:
            room = min(room, self.monthly_cap - self.month_spent[day // MONTH_DAYS])
        return room if room > EPS else 0.0

    def mark_blocked(self, day: int) -> None:
        """Record that discretionary spending was refused (or a lever stood idle) on ``day``."""
        self.blocked_days.add(day)
        if 0 <= day < self.horizon:
            self.blocked_flags[day] = 1.0
        if self.exhausted_day is None or day < self.exhausted_day:
            self.exhausted_day = day

    def request(self, day: int, category: str, amount: float) -> float:
        """Spend up to ``amount`` at discretion; return what was granted (money)."""
        self._check(day, amount)
        if amount == 0:
            return 0.0
        granted = min(amount, self.available(day))
        if granted < amount - EPS:
            self.mark_blocked(day)
        self._record(day, category, granted, fixed=False)
        return granted

    def affordable_units(self, day: int, unit_cost: float) -> int:
        """Whole units of ``unit_cost`` (> 0) the discretionary money left on ``day`` covers
        (a large number when the plan sets no limit)."""
        # the small relative slack keeps 0.3 / 0.1 at 3 units
        units = self.available(day) / unit_cost * (1.0 + 1e-12) + 1e-9
        return 1 << 62 if units >= 2.0**62 else int(math.floor(units))

    def request_units(self, day: int, category: str, unit_cost: float, n: int) -> int:
        """Spend on up to ``n`` whole units of ``unit_cost`` each (rewards, prizes, posts,
        lectures): a unit is paid in full or not at all. Returns the units granted."""
        self._check(day, unit_cost)
        n = int(n)
        if n < 0:
            raise ValueError(f"number of units must be non-negative, got {n}")
        if n == 0:
            return 0
        if unit_cost == 0:
            return n
        k = min(n, self.affordable_units(day, unit_cost))
        if k < n:
            self.mark_blocked(day)
        self._record(day, category, k * unit_cost, fixed=False)
        return k

    def daily_total(self) -> np.ndarray:
        """Money spent on each day, all categories (length ``horizon``)."""
        out = np.zeros(self.horizon)
        for arr in self.by_category.values():
            out += arr
        return out

    def frame(self) -> pd.DataFrame:
        """Every non-zero (day, category) payment: columns ``day, category, amount``."""
        cats = sorted(self.by_category)
        days = [np.nonzero(self.by_category[c])[0] for c in cats]
        n = sum(len(d) for d in days)
        if n == 0:
            return pd.DataFrame([], columns=["day", "category", "amount"])
        category = np.empty(n, dtype=object)
        at = 0
        for c, d in zip(cats, days):
            category[at : at + len(d)] = c
            at += len(d)
        return pd.DataFrame(
            {
                "day": np.concatenate(days).astype(np.int64),
                "category": category,
                "amount": np.concatenate([self.by_category[c][d] for c, d in zip(cats, days)]),
            }
        )
