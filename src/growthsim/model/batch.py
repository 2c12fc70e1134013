"""``CommunityBatch``: replicates of one plan stepped together, day by day.

The batch builds one :class:`~growthsim.model.community.CommunityModel` per replicate (each
still a ``mesa.Model`` with its own levers, ledger and collector), then lays their member,
group and work arrays end to end in shared arrays (kernels.state) and points every model
at its slice. Each day every model runs its morning (Mesa events: the levers decide), then
:func:`~growthsim.model.community.run_day` runs each member pass once for the whole batch
— one kernel call, numba threads over the replicates (``prange``) — and the levers' hooks
and bookkeeping per model. The rules are the single model's (a single model is a batch of
one over the same kernels), and each replicate's draws are keyed by its own seed, day,
purpose and person, so replicate ``r`` of a batch is identical, bit for bit, to
``CommunityModel(plan, seed, r)`` run alone, whatever the batch size or thread count.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from growthsim.graph import Graph
from growthsim.kernels.state import Groups, concat_records, slice_record
from growthsim.model.community import CommunityModel, DayState, run_day
from growthsim.model.seeding import PLAN_SEED
from growthsim.scenario.schema import Scenario


class CommunityBatch:
    """Replicates ``replicates`` of ``scenario`` under base seed ``seed``, stepped together.

    Args:
        scenario: the plan (validated).
        seed: base seed (default ``scenario.seed``; every model of the batch gets it).
        replicates: replicate indices (default ``range(scenario.replicates)``).
        graph: the plan's market graph (built when omitted; shared by the batch).
        parallel: run the passes with numba threads over the replicates (``False``: the
            serial loop, same results).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        replicates: Iterable[int] | None = None,
        graph: Graph | None = None,
        parallel: bool = True,
    ) -> None:
        reps = list(range(scenario.replicates) if replicates is None else replicates)
        if not reps:
            raise ValueError("a batch needs at least one replicate")
        if seed is None:
            seed = PLAN_SEED  # the plan's seed (None would be a fresh one for a model)
        first = CommunityModel(scenario=scenario, seed=seed, replicate=reps[0], graph=graph)
        self.models = [first] + [
            CommunityModel(scenario=scenario, seed=seed, replicate=r, graph=first.graph) for r in reps[1:]
        ]
        self.plan = first.plan
        self.horizon = first.horizon
        R, n, cap, nc1 = len(reps), first.pop.n, first.g_cap, first.n_cats + 1
        mem = concat_records([m._mem for m in self.models])
        grp = concat_records([m._grp for m in self.models])
        lv = concat_records([m._lv for m in self.models])
        work = concat_records([m._work for m in self.models])
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
            m._batch = self
            # the batch runs the days: the model's own step event (a no-op now) is dropped
            m._default_schedule.stop()
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
            first.rules,
            first.graph,
            parallel=parallel and R > 1,
        )
        self.day = 0

    def step(self) -> None:
        """One day of every replicate: the mornings, then the day's passes."""
        d = self.day
        if d >= self.horizon:
            return
        for m in self.models:
            m.run_until(d + 1)  # the morning's events; then the time of the day's step
        run_day(self.models, self.state, d)
        for m in self.models:
            m.steps += 1
        self.day = d + 1

    def run(self) -> None:
        """Run the whole horizon."""
        while self.day < self.horizon:
            self.step()
