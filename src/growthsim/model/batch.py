"""``CommunityBatch``: replicates of one plan stepped together, day by day.

The batch builds one :class:`~growthsim.model.community.CommunityModel` per replicate (each
still a ``mesa.Model`` with its own levers, ledger and collector), then lays their member,
group and work arrays end to end in shared arrays (kernels.state) and points every model
at its slice. Each day the batch runs the mornings of every model on one Mesa schedule
(:mod:`growthsim.model.batch_levers`: the levers decide), then
:func:`~growthsim.model.community.run_day` runs each member pass once for the whole batch
— one kernel call, numba threads over the replicates (``prange``) — and the levers' hooks
and bookkeeping per model. The rules are the single model's (a single model is a batch of
one over the same kernels), and each replicate's draws are keyed by its own seed, day,
purpose and person, so replicate ``r`` of a batch is identical, bit for bit, to
``CommunityModel(plan, seed, r)`` run alone, whatever the batch size or thread count.

``plans=`` gives each replicate a plan of its own (a calibration's candidate parameter
sets, one batch for many of them): the plans may differ only in member rules that each
replicate keeps apart — the propensity distribution (each model draws its own members),
the churn, referral and conversion probabilities, the habit gain and the order value
(:data:`PER_REPLICATE`); everything else (market, graph, groups, levers, horizon, replay)
must be the same. Replicate ``i`` is then identical to ``CommunityModel(plans[i], seed,
replicates[i])`` run alone.

``seeds=`` gives each replicate a base seed of its own (a sweep's runs, each
``simulate(plan, seed=SEED, replicate=0)``): replicate ``i`` is then identical to
``CommunityModel(plans[i], seeds[i], replicates[i])`` run alone.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from growthsim.graph import Graph
from growthsim.kernels.state import Groups, concat_records, empty_members, empty_work, slice_record
from growthsim.model.batch_levers import BatchMornings
from growthsim.model.community import CommunityModel, DayState, run_day
from growthsim.model.seeding import PLAN_SEED
from growthsim.scenario.schema import Scenario

# the plan fields that may differ between the replicates of one batch (see the module
# docstring): read per model (population, levers) or passed per replicate to the kernels
PER_REPLICATE = {
    "members": {
        "propensity": None,  # None: the whole block
        "churn": None,
        "referral": ("invite_prob", "accept_prob", "social_reinforcement"),
        "conversion": ("first_purchase_prob", "repurchase_prob"),
        "engagement": ("habit_gain",),
    },
    "economics": ("order_value", "order_value_sigma", "gross_margin"),
}


def _shared_part(plan: Scenario) -> dict:
    """``plan`` as data without the :data:`PER_REPLICATE` fields."""
    d = plan.model_dump(mode="python")

    def strip(node: dict, spec) -> None:
        for k in spec if isinstance(spec, tuple) else list(spec):
            sub = spec[k] if isinstance(spec, dict) else None
            if sub is None or k not in node or not isinstance(node[k], dict):
                node.pop(k, None)
            else:
                strip(node[k], sub)

    strip(d, PER_REPLICATE)
    return d


def check_batchable(plans: list[Scenario]) -> None:
    """Raise ``ValueError`` unless ``plans`` differ only in :data:`PER_REPLICATE` fields."""
    first = _shared_part(plans[0])
    for i, p in enumerate(plans[1:], 1):
        if p is not plans[0] and _shared_part(p) != first:
            raise ValueError(f"plan {i} of the batch differs from plan 0 outside the per-replicate member rules")


class CommunityBatch:
    """Replicates ``replicates`` of ``scenario`` under base seed ``seed``, stepped together.

    Args:
        scenario: the plan (validated).
        seed: base seed (default ``scenario.seed``; every model of the batch gets it).
        seeds: instead of ``seed``, one base seed per replicate (same length as
            ``replicates``).
        replicates: replicate indices (default ``range(scenario.replicates)``).
        graph: the plan's market graph (built when omitted; shared by the batch).
        parallel: run the passes with numba threads over the replicates (``False``: the
            serial loop, same results).
        plans: one plan per replicate (same length as ``replicates``), differing from
            ``scenario`` only in :data:`PER_REPLICATE` fields (checked: ``ValueError``).
        model_class: the model of each replicate (e.g.
            :class:`growthsim.model.replay.ExclusiveReplayModel`).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        replicates: Iterable[int] | None = None,
        graph: Graph | None = None,
        parallel: bool = True,
        plans: list[Scenario] | None = None,
        model_class: type[CommunityModel] = CommunityModel,
        seeds: Iterable[int] | None = None,
    ) -> None:
        reps = list(range(scenario.replicates) if replicates is None else replicates)
        if not reps:
            raise ValueError("a batch needs at least one replicate")
        if plans is None:
            plans = [scenario] * len(reps)
        else:
            if len(plans) != len(reps):
                raise ValueError("give one plan per replicate")
            check_batchable([scenario, *plans])
        if seeds is None:
            # the plan's seed by default (None would be a fresh one for a model)
            bases: list = [PLAN_SEED if seed is None else seed] * len(reps)
        elif seed is not None:
            raise ValueError("give seed or seeds, not both")
        else:
            bases = [int(x) for x in seeds]
            if len(bases) != len(reps):
                raise ValueError("give one seed per replicate")
        first = model_class(scenario=plans[0], seed=bases[0], replicate=reps[0], graph=graph)
        R, n, cap, nc1 = len(reps), first.pop.n, first.g_cap, first.n_cats + 1
        # the batch's member and work arrays: the first model's copied in, the others built
        # in their slices (no copy; the market's blocks are the same in every replicate)
        mem = empty_members(R * n, np.tile(first.graph.block, R))
        work = empty_work(R * n)
        for a, b in zip(mem, first._mem):
            a[:n] = b
        for a, b in zip(work, first._work):
            a[:n] = b
        self.models = [first] + [
            model_class(
                scenario=p,
                seed=bs,
                replicate=r,
                graph=first.graph,
                _into=(slice_record(mem, i * n, (i + 1) * n), slice_record(work, i * n, (i + 1) * n)),
            )
            for i, (p, r, bs) in enumerate(zip(plans[1:], reps[1:], bases[1:]), 1)
        ]
        self.plan = first.plan
        self.horizon = first.horizon
        grp = concat_records([m._grp for m in self.models])
        lv = concat_records([m._lv for m in self.models])
        counts = np.concatenate([m._counts_table for m in self.models])
        for r, m in enumerate(self.models):
            m._bind(
                slice_record(mem, r * n, (r + 1) * n),
                Groups(
                    grp.size[r * cap : (r + 1) * cap],
                    grp.cat[r * cap : (r + 1) * cap],
                    grp.managed[r * cap : (r + 1) * cap],
                    grp.count[r : r + 1],
                    grp.open_ptr[r * nc1 : (r + 1) * nc1],
                ),
                slice_record(lv, r * cap, (r + 1) * cap),
                slice_record(work, r * n, (r + 1) * n),
                counts[r : r + 1],
            )
        # one Mesa schedule for the batch runs every model's levers (model.batch_levers);
        # the models' own queues (their step event included) are emptied
        self.mornings = BatchMornings(self.models)
        for m in self.models:
            m._batch = self
        self.state = DayState(
            [m.kernel_seed for m in self.models],
            mem,
            grp,
            lv,
            work,
            counts,
            n,
            cap,
            nc1,
            [m.rules for m in self.models],
            first.graph,
            parallel=parallel and R > 1,
        )
        self.day = 0

    def step(self) -> None:
        """One day of every replicate: the mornings, then the day's passes."""
        d = self.day
        if d >= self.horizon:
            return
        self.mornings.run(d)  # the morning's events; then the time of the day's step
        hooks = [m for m in self.models if hasattr(m, "enter_day")]  # e.g. ExclusiveReplayModel
        for m in hooks:
            m.enter_day()
        try:
            run_day(self.models, self.state, d)
        finally:
            for m in hooks:
                m.leave_day()
        for m in self.models:
            m.steps += 1
        self.day = d + 1

    def run(self) -> None:
        """Run the whole horizon."""
        while self.day < self.horizon:
            self.step()
