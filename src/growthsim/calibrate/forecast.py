"""Forecasts from a calibrated scenario: the history replayed, then the plan going on.

The simplest honest approach: each plan is simulated from day 0 over the history's days
plus the forecast days, with the observed joins replayed over the history days (when the
calibrated scenario has a ``replay`` block; see :mod:`growthsim.calibrate.sim`) and every
lever of the plan acting on its own schedule; only the days after the history are
reported. Variants share common random numbers with the base plan, so their differences
are due to the plans; a variant whose changes start after the history has the same
simulated history as the base plan.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from growthsim.calibrate.history import simulated_periods
from growthsim.calibrate.sim import simulate, with_horizon
from growthsim.errors import UserError
from growthsim.results import RunSet
from growthsim.scenario.schema import Scenario

FORECAST_SERIES = ("members", "active_members", "purchases", "revenue")


def forecast(plans: dict[str, Scenario], history_days: int, days: int, period_days: int = 1,
             replicates: int | None = None, seed: int | None = None, progress=None) -> RunSet:
    """Simulate each plan over ``history_days`` + ``days`` (rounded up to whole periods).

    Args:
        plans: label -> calibrated plan (day 0 = the history's first day).
        history_days: days of history; the forecast starts on that day.
        days: days to forecast (>= 1).
        period_days: 1 or 7 (weekly histories forecast whole weeks).
        replicates, seed: default the first plan's.
    """
    if days < 1:
        raise UserError(f"--days must be at least 1, found {days}")
    first = next(iter(plans.values()))
    R = first.replicates if replicates is None else int(replicates)
    seed = first.seed if seed is None else int(seed)
    total = history_days + math.ceil(days / period_days) * period_days
    if total > 3650:
        raise UserError(f"history ({history_days} days) + forecast ({days} days) exceeds the 3650-day limit of a scenario")
    results = {}
    for label, plan in plans.items():
        p = with_horizon(plan, total)
        runs = []
        for r in range(R):
            runs.append(simulate(p, seed, r))
            if progress:
                progress()
        results[label] = runs
    return RunSet.from_results({k: with_horizon(v, total) for k, v in plans.items()}, results)


def forecast_bands(runset: RunSet, history_days: int, days: int, period_days: int = 1,
                   series: tuple[str, ...] = FORECAST_SERIES) -> tuple[dict[str, dict[str, np.ndarray]], pd.DataFrame]:
    """Per series and plan the P10 / P50 / P90 of the forecast periods, and a tidy table
    ``variant, period, first_day, series, mean, p10, p50, p90``."""
    n = math.ceil(days / period_days)
    bands: dict[str, dict[str, np.ndarray]] = {s: {} for s in series}
    rows = []
    ts = runset.timeseries
    for label in runset.plans:
        t = ts[ts["variant"] == label]
        sims = simulated_periods(t, list(series), period_days, n, start_day=history_days)
        for s in series:
            q = np.quantile(sims[s], [0.1, 0.5, 0.9], axis=0)
            bands[s][label] = q
            mean = sims[s].mean(axis=0)
            for i in range(n):
                rows.append((label, i, history_days + i * period_days, s, float(mean[i]),
                             float(q[0, i]), float(q[1, i]), float(q[2, i])))
    table = pd.DataFrame(rows, columns=["variant", "period", "first_day", "series", "mean", "p10", "p50", "p90"])
    return bands, table


def end_summary(table: pd.DataFrame) -> dict[str, Any]:
    """P10 / P50 / P90 of the last forecast period, per plan and series."""
    out: dict[str, Any] = {}
    for label, t in table.groupby("variant", sort=False):
        last = t[t["period"] == t["period"].max()]
        out[label] = {
            s: {k: float(last.loc[last["series"] == s, k].iloc[0]) for k in ("p10", "p50", "p90")}
            for s in last["series"].unique()
        }
    return out
