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
from growthsim.model.batch import CommunityBatch, check_batchable
from growthsim.model.replay import model_class
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
    scenario: Scenario | list[Scenario],
    columns: list[str],
    replicates: int,
    seed: int,
    first_replicate: int = 0,
    replicate_ids: list[int] | None = None,
) -> dict[str, np.ndarray]:
    """The fast path of the fit: simulated daily ``columns``, each (replicates, days),
    read straight from the models' collectors (no frames, no member-level outputs).

    ``scenario`` may be a list of D plans (parameter sets): replicate ``r`` then runs plan
    ``r mod D`` (see :mod:`growthsim.calibrate.draws`); all must share the horizon.
    ``replicate_ids`` (instead of ``first_replicate .. first_replicate+replicates-1``):
    the replicate indices to run, run ``i`` at plan ``i mod D`` when ``scenario`` is a list
    (an ABC population: one candidate and one random stream per run).

    The runs are stepped together on the batched engine
    (:class:`growthsim.model.batch.CommunityBatch`, ``runner.batch_size`` runs a batch,
    each with its own plan where the plans differ only in member rules, see
    :data:`growthsim.model.batch.PER_REPLICATE`; otherwise one plan a batch). Same results
    as one model after another, bit for bit, at any batch size."""
    plans = scenario if isinstance(scenario, list) else [scenario]
    if replicate_ids is None:
        reps = list(range(first_replicate, first_replicate + replicates))
        run_plans_ = [plans[r % len(plans)] for r in reps]
    else:
        reps = [int(r) for r in replicate_ids]
        run_plans_ = [plans[i % len(plans)] for i in range(len(reps))]
    out: dict[str, list] = {c: [None] * len(reps) for c in columns}
    if not reps:
        return {c: np.zeros((0, plans[0].horizon_days)) for c in columns}
    try:
        check_batchable(plans)
        groups = [list(range(len(reps)))]
    except ValueError:  # plans that cannot share a batch: one batch (or more) per plan
        by_plan: dict[int, list[int]] = {}
        for i, p in enumerate(run_plans_):
            by_plan.setdefault(id(p), []).append(i)
        groups = list(by_plan.values())
    size = runner.batch_size(plans[0], len(reps))
    graph = runner.graph_for(plans[0])
    cls = model_class(plans[0], "exclusive")
    for g in groups:
        for start in range(0, len(g), size):
            idx = g[start : start + size]
            b = CommunityBatch(
                run_plans_[idx[0]],
                seed,
                [reps[i] for i in idx],
                graph=graph,
                plans=[run_plans_[i] for i in idx],
                model_class=cls,
                parallel=runner.use_threads(run_plans_[idx[0]], len(idx)),
            )
            b.run()
            for i, model in zip(idx, b.models):
                mv = model.datacollector.model_vars
                for c in columns:
                    out[c][i] = mv[c] if c in mv else [0.0] * model.plan.horizon_days
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
