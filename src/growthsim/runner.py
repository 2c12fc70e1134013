"""Running plans: one replicate, many replicates, several plans with common random numbers."""

from __future__ import annotations

import sys
from collections.abc import Callable

from growthsim.graph import build_graph
from growthsim.model.community import CommunityModel, seed_sequence
from growthsim.model.replay import ReplayRule, model_class
from growthsim.results import RunResult, RunSet
from growthsim.scenario.schema import Scenario

__all__ = ["build_model", "simulate", "run_replicates", "run_plans", "seed_sequence", "graph_for"]


def graph_for(scenario: Scenario):
    """The market graph of a plan (built once per spec in a process, then cached)."""
    spec = scenario.market.graph
    return build_graph(spec, scenario.market.size, spec.seed if spec.seed is not None else scenario.seed)


def build_model(
    scenario: Scenario, seed: int | None = None, replicate: int = 0, replay: ReplayRule = "added"
) -> CommunityModel:
    """The model of one replicate of a plan, ready to run (the market graph from the
    process's cache); ``replay`` is the rule for replayed joins (see
    :mod:`growthsim.model.replay`)."""
    seed = scenario.seed if seed is None else int(seed)
    cls = model_class(scenario, replay)
    return cls(scenario=scenario, seed=seed, replicate=replicate, graph=graph_for(scenario))


def simulate(
    scenario: Scenario, seed: int | None = None, replicate: int = 0, replay: ReplayRule = "added"
) -> RunResult:
    """Run one replicate of a plan over its horizon.

    Args:
        scenario: the resolved plan.
        seed: base seed (default ``scenario.seed``); ``growthsim run --seed SEED``.
        replicate: which child of the base seed to use (0 for a single run).
        replay: the rule for the plan's replayed joins: ``"added"`` (on top of the model's
            own joins; ``growthsim run``) or ``"exclusive"`` (the only joins on the
            replayed days; ``growthsim calibrate`` / ``forecast``).
    """
    model = build_model(scenario, seed, replicate, replay)
    model.run()
    return RunResult.from_model(model)


def run_replicates(
    scenario: Scenario,
    replicates: int | None = None,
    seed: int | None = None,
    on_done: Callable[[], None] | None = None,
) -> list[RunResult]:
    """Replicates 0..R-1 of one plan under base seed ``seed``."""
    R = scenario.replicates if replicates is None else int(replicates)
    out = []
    for r in range(R):
        out.append(simulate(scenario, seed, r))
        if on_done:
            on_done()
    return out


def run_plans(
    plans: dict[str, Scenario],
    replicates: int | None = None,
    seed: int | None = None,
    progress: bool = False,
) -> RunSet:
    """Run several plans with common random numbers: replicate r of every plan uses the
    same base seed and child r, so paired differences are due to the plans.

    ``replicates`` and ``seed`` default to the first plan's values."""
    first = next(iter(plans.values()))
    R = first.replicates if replicates is None else int(replicates)
    seed = first.seed if seed is None else int(seed)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=R * len(plans), desc="runs", unit="run", file=sys.stderr,
                   disable=None, mininterval=0.5, leave=False)
    results = {}
    try:
        for label, plan in plans.items():
            results[label] = run_replicates(plan, R, seed, on_done=(lambda: bar.update(1)) if bar else None)
    finally:
        if bar is not None:
            bar.close()
    return RunSet.from_results(plans, results)
