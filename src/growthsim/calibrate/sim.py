"""Simulating a plan against a history: replayed joins, replicates, horizon changes.

Replayed joins are *exclusive* here (``replay="exclusive"`` of
:func:`growthsim.runner.simulate`, see :mod:`growthsim.model.replay`): on the days covered
by ``scenario.replay`` the observed joins are the only joins; from the day after, the
model's own acquisition takes over.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from growthsim import runner
from growthsim.errors import ScenarioError
from growthsim.results import RunResult
from growthsim.scenario.loader import apply_overrides
from growthsim.scenario.schema import Scenario


def simulate(scenario: Scenario, seed: int | None = None, replicate: int = 0) -> RunResult:
    """One replicate, :func:`growthsim.runner.simulate` with exclusive replayed joins."""
    return runner.simulate(scenario, seed, replicate, replay="exclusive")


def run_timeseries(scenario: Scenario, replicates: int, seed: int, first_replicate: int = 0) -> pd.DataFrame:
    """Timeseries of replicates ``first_replicate .. first_replicate+replicates-1`` stacked,
    with a ``replicate`` column (common random numbers: the same (seed, r) for any plan)."""
    frames = []
    for r in range(first_replicate, first_replicate + replicates):
        t = simulate(scenario, seed, r).timeseries
        t.insert(0, "replicate", r)
        frames.append(t)
    return pd.concat(frames, ignore_index=True)


def run_columns(
    scenario: Scenario | list[Scenario], columns: list[str], replicates: int, seed: int, first_replicate: int = 0
) -> dict[str, np.ndarray]:
    """The fast path of the fit: simulated daily ``columns``, each (replicates, days),
    read straight from the model's collector (no frames, no member-level outputs).

    ``scenario`` may be a list of D plans (parameter sets): replicate ``r`` then runs plan
    ``r mod D`` (see :mod:`growthsim.calibrate.draws`); all must share the horizon."""
    plans = scenario if isinstance(scenario, list) else [scenario]
    out: dict[str, list] = {c: [] for c in columns}
    for r in range(first_replicate, first_replicate + replicates):
        scenario = plans[r % len(plans)]
        model = runner.build_model(scenario, seed, r, replay="exclusive")
        model.run()
        mv = model.datacollector.model_vars
        for c in columns:
            out[c].append(mv[c] if c in mv else [0.0] * scenario.horizon_days)
    return {c: np.asarray(v, dtype=float) for c, v in out.items()}


def with_horizon(scenario: Scenario, days: int) -> Scenario:
    """The plan over ``days`` days; if a lever is scheduled past that day (which the schema
    refuses) the plan keeps its longer horizon (callers only read the first ``days``)."""
    if days == scenario.horizon_days:
        return scenario
    try:
        return apply_overrides(scenario, {"horizon_days": int(days)})
    except ScenarioError:
        if days < scenario.horizon_days:
            return scenario
        raise


def with_replay(scenario: Scenario, daily_joins: list[int] | None) -> Scenario:
    """The plan with observed joins replayed from day 0 (``None``: no replay)."""
    data = scenario.model_dump(mode="json")
    data["replay"] = None if daily_joins is None else {"daily_joins": [int(x) for x in daily_joins], "start_day": 0}
    return Scenario.model_validate(data)


def quantiles(values: np.ndarray, qs=(0.1, 0.5, 0.9)) -> np.ndarray:
    """Quantiles over replicates (axis 0)."""
    return np.quantile(values, qs, axis=0)
