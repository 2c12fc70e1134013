"""Cost of group life (fatigue, ads, self-organisation, offline events, group health) per
simulated day, against the same engine with the group-life hooks switched off, in the
same run.

Cases (each a CommunityBatch of 4 replicates, the best of 3 timings after a warm-up):

- ``baseline``: ``scenarios/baseline.yaml``, where group life only counts the warning
  levels (no promotions above the tolerance, no ad posters, no self-organisation);
- ``interest``: ``scenarios/interest_community.yaml`` (self-organisation, ~300 groups);
- ``launch``: ``scenarios/launch_100_groups.yaml`` (ad posters, meet-ups, member admins).

"off" replaces the hooks by no-ops (no extra hours, no pressure, no counters), so its
results differ; it measures what the mechanisms cost, not a plan. Run:
``nice -n 10 .venv/bin/python benchmarks/bench_group_life.py``.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from growthsim.model import social
from growthsim.model.batch import CommunityBatch
from growthsim.scenario import ScenarioFile
from growthsim.scenario.loader import apply_overrides

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def hooks_off():
    saved = (social.GroupLife.before_levels, social.GroupLife.after_levels, social.GroupLife.collect)
    social.GroupLife.before_levels = lambda self: np.zeros(self.model.g_cap)  # type: ignore[method-assign]
    social.GroupLife.after_levels = lambda self, G: None  # type: ignore[method-assign]
    social.GroupLife.collect = lambda self, row, ix: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        social.GroupLife.before_levels, social.GroupLife.after_levels, social.GroupLife.collect = saved


def timed(plan, graph) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        b = CommunityBatch(plan, replicates=range(4), graph=graph)
        b.run()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    print(f"{'case':10s} {'off s':>8s} {'on s':>8s} {'on/off':>7s}")
    for name, f in (("baseline", "baseline"), ("interest", "interest_community"), ("launch", "launch_100_groups")):
        plan = apply_overrides(ScenarioFile(ROOT / "scenarios" / f"{f}.yaml").plans()["base"], {"replicates": 4})
        warm = CommunityBatch(plan, replicates=range(1))
        warm.run()
        g = warm.models[0].graph
        with hooks_off():
            off = timed(plan, g)
        on = timed(plan, g)
        print(f"{name:10s} {off:8.2f} {on:8.2f} {on / off:7.2f}")


if __name__ == "__main__":
    main()
