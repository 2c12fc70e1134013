"""The budget ledger: one place where every payment of a run is recorded.

Fixed costs (salaries, stipends, tools, devices) are always paid. Discretionary spending
(channel spend, campaign rewards, KOL fees, lecture costs, sale discounts) is granted only
up to what the total budget and the current 30-day month's cap leave; the first day a
request is cut is reported as ``exhausted_day``. The sum of all entries is the reported
cost, by construction and by test.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd

FIXED_CATEGORIES = ("staff", "volunteer_admins", "tools", "devices")

MONTH_DAYS = 30


class Ledger:
    """Daily payments by category, with an optional total budget and monthly cap.

    Args:
        horizon: days in the run.
        total: total money available over the horizon (None: unlimited). Fixed costs count
            against it but are paid even past it.
        monthly_cap: money per 30-day month (None: unlimited), same rule.
    """

    def __init__(self, horizon: int, total: float | None = None, monthly_cap: float | None = None):
        self.horizon = horizon
        self.total = total
        self.monthly_cap = monthly_cap
        self.by_category: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(horizon))
        self.spent = 0.0
        self.month_spent: dict[int, float] = defaultdict(float)
        self.exhausted_day: int | None = None
        self.blocked_days: set[int] = set()

    def _record(self, day: int, category: str, amount: float) -> None:
        if amount <= 0:
            return
        self.by_category[category][day] += amount
        self.spent += amount
        self.month_spent[day // MONTH_DAYS] += amount

    def pay_fixed(self, day: int, category: str, amount: float) -> None:
        """Pay a fixed cost in full (fixed costs keep groups running)."""
        if amount < 0 or not math.isfinite(amount):
            raise ValueError(f"payment must be a non-negative amount, got {amount}")
        self._record(day, category, amount)

    def available(self, day: int) -> float:
        """Discretionary money still available today."""
        room = math.inf
        if self.total is not None:
            room = min(room, self.total - self.spent)
        if self.monthly_cap is not None:
            room = min(room, self.monthly_cap - self.month_spent[day // MONTH_DAYS])
        return max(0.0, room)

    def request(self, day: int, category: str, amount: float) -> float:
        """Spend up to ``amount`` at discretion; return what was granted."""
        if amount < 0 or not math.isfinite(amount):
            raise ValueError(f"payment must be a non-negative amount, got {amount}")
        if amount == 0:
            return 0.0
        granted = min(amount, self.available(day))
        if granted < amount - 1e-9:
            self.blocked_days.add(day)
            if self.exhausted_day is None:
                self.exhausted_day = day
        self._record(day, category, granted)
        return granted

    def daily_total(self) -> np.ndarray:
        out = np.zeros(self.horizon)
        for arr in self.by_category.values():
            out += arr
        return out

    def frame(self) -> pd.DataFrame:
        """Every non-zero (day, category) payment."""
        rows = []
        for cat in sorted(self.by_category):
            arr = self.by_category[cat]
            for day in np.nonzero(arr)[0]:
                rows.append((int(day), cat, float(arr[day])))
        return pd.DataFrame(rows, columns=["day", "category", "amount"])
