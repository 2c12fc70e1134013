"""Running plans: one replicate, many replicates, several plans with common random numbers.

Many replicates run batched by default (``engine="batch"``): the replicates of a plan are
stepped together in :class:`growthsim.model.batch.CommunityBatch` es, each member pass one
kernel call for the batch with numba threads over the replicates. ``engine="serial"``
runs one :class:`CommunityModel` after another (the path the batch is measured against);
both give the same results, bit for bit."""

from __future__ import annotations

from collections.abc import Callable

from growthsim.graph import build_graph
from growthsim.model.batch import CommunityBatch
from growthsim.model.community import CommunityModel, seed_sequence
from growthsim.model.replay import ReplayRule, model_class
from growthsim.results import RunResult, RunSet
from growthsim.scenario.schema import Scenario

__all__ = [
    "build_model",
    "simulate",
    "run_replicates",
    "run_plans",
    "seed_sequence",
    "graph_for",
    "ENGINES",
    "batch_size",
]

ENGINES = ("batch", "serial")
# member arrays of one batch stay under ~8 MiB: a pass runs over every replicate of the
# batch before the next pass, so a batch that fits the cache keeps its arrays there from
# pass to pass (10,000 people: 7 replicates a batch, 1.3x less CPU than one at a time;
# 32 a batch was slower again, streaming from memory)
BATCH_BYTES = 8 << 20
BYTES_PER_PERSON = 110  # population (~60 bytes) + work lists (40 bytes) + slack, per replicate
# numba threads over a batch's replicates pay only on large batches: on 2 cores, batches of 7
# and 32 replicates of the baseline plan (30,000 people) ran 1.4-1.5x slower and 0.92-1.08x
# with 2 threads than with the serial loop (benchmarks/README.md, 2026-12-02), so a batch
# uses the threads only from this many people in all (same results either way)
PARALLEL_MIN_PEOPLE = 1_000_000


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
    return result_of(model)


def result_of(model: CommunityModel, *_: object) -> RunResult:
    """The :class:`RunResult` of a model that has run its horizon."""
    return RunResult.from_model(model)


def batch_size(scenario: Scenario, replicates: int) -> int:
    """Replicates per batch: as many as keep their member arrays under ``BATCH_BYTES``
    (at least one; same results whatever the batch size)."""
    per = max(1, scenario.market.size * BYTES_PER_PERSON)
    return max(1, min(int(replicates), BATCH_BYTES // per))


def use_threads(scenario: Scenario, replicates: int) -> bool:
    """Whether a batch of ``replicates`` of ``scenario`` runs its passes on numba threads
    (from :data:`PARALLEL_MIN_PEOPLE` people in all; same results either way)."""
    return replicates > 1 and replicates * scenario.market.size >= PARALLEL_MIN_PEOPLE


def run_replicates(
    scenario: Scenario,
    replicates: int | None = None,
    seed: int | None = None,
    on_done: Callable[[], None] | None = None,
    engine: str = "batch",
    batch: int | None = None,
) -> list[RunResult]:
    """Replicates 0..R-1 of one plan under base seed ``seed``.

    ``engine``: ``"batch"`` (replicates stepped together, ``batch`` replicates at a time,
    default :func:`batch_size`; numba threads over them from :data:`PARALLEL_MIN_PEOPLE`
    people in a batch) or ``"serial"`` (one model after
    another). Same results either way."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    R = scenario.replicates if replicates is None else int(replicates)
    seed = scenario.seed if seed is None else int(seed)
    out = []
    if engine == "serial":
        for r in range(R):
            out.append(simulate(scenario, seed, r))
            if on_done:
                on_done()
        return out
    size = batch_size(scenario, R) if batch is None else max(1, int(batch))
    graph = graph_for(scenario)
    for start in range(0, R, size):
        reps = range(start, min(R, start + size))
        b = CommunityBatch(scenario, seed, reps, graph=graph, parallel=use_threads(scenario, len(reps)))
        b.run()
        for m in b.models:
            out.append(result_of(m))
            if on_done:
                on_done()
    return out


def run_plans(
    plans: dict[str, Scenario],
    replicates: int | None = None,
    seed: int | None = None,
    progress: bool = False,
    engine: str = "batch",
) -> RunSet:
    """Run several plans with common random numbers: replicate r of every plan uses the
    same base seed and child r, so paired differences are due to the plans.

    ``replicates`` and ``seed`` default to the first plan's values; ``engine`` as in
    :func:`run_replicates` (``"serial"``: the one-at-a-time path)."""
    first = next(iter(plans.values()))
    R = first.replicates if replicates is None else int(replicates)
    seed = first.seed if seed is None else int(seed)
    bar = None
    if progress:
        from growthsim.i18n import _
        from growthsim.progress import progress_bar

        bar = progress_bar(R * len(plans), desc=_("runs"), unit="run")
    results = {}
    try:
        for label, plan in plans.items():
            results[label] = run_replicates(
                plan, R, seed, on_done=(lambda: bar.update(1)) if bar else None, engine=engine
            )
    finally:
        if bar is not None:
            bar.close()
    return RunSet.from_results(plans, results)
