"""Where a batch's time goes: ``run_plans`` + ``kpi_table`` on 64 replicates of the
baseline plan (10,000 people x 180 days, batches of ``runner.batch_size``), with timers
wrapped around the kernels, the per-model hooks, the mornings, the results and the KPI
table (no profiler, so the figures are close to an unprofiled run; the wrappers add a
few per cent). Prints ms per replicate and us per replicate-day, fastest of
``--repeats`` runs. Sections nest: ``run_day`` holds the kernels, the group preparation
(which holds the ``group_levels`` kernel) and the group health.

    python benchmarks/profile_batch.py --threads 1 --repeats 2
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_batch import baseline, pipeline  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--replicates", type=int, default=64)
    args = ap.parse_args(argv)

    import numba

    import growthsim.runner as RN
    from growthsim.kernels import batch as KB
    from growthsim.metrics import health as H
    from growthsim.metrics import kpis as KP
    from growthsim.model import batch as MB
    from growthsim.model import community as C
    from growthsim.model import social as S
    from growthsim.results import RunSet

    numba.set_num_threads(args.threads)
    acc: dict[str, float] = collections.defaultdict(float)

    def wrap(obj, name: str, key: str) -> None:
        f = getattr(obj, name)

        def timed(*a, **k):
            t = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                acc[key] += time.perf_counter() - t

        setattr(obj, name, timed)

    for k in ("channel", "plain_joins", "activity", "wellmixed", "referral", "conversion", "churn", "place"):
        for ns in (KB.parallel, KB.serial):
            if hasattr(ns, k):
                wrap(ns, k, "kernel " + k)
    wrap(C.K, "group_levels", "kernel group_levels (in group preparation)")
    if hasattr(C, "prepare_groups"):  # the batch's group preparation (model.grouplevels)
        from growthsim.kernels import groups as KG

        for ns in (KG.parallel, KG.serial):
            wrap(ns, "levels", "kernel group_levels (in group preparation)")
        wrap(C, "prepare_groups", "group preparation (levers' and group life's numpy)")
    else:
        wrap(C.CommunityModel, "_prepare_groups", "group preparation (levers' and group life's numpy)")
    wrap(S.GroupLife, "after_activity", "group life after activity, per model")
    if hasattr(H, "HealthBatch"):
        wrap(H.HealthBatch, "after_activity", "group health after activity, the batch")
    if hasattr(H, "HealthBatch") and hasattr(H.HealthBatch, "after_activity_kernel"):  # an older tree's name
        wrap(H.HealthBatch, "after_activity_kernel", "group health after activity, the batch")
    if importlib.util.find_spec("growthsim.kernels.groups") is not None:
        from growthsim.kernels import groups as KG2

        if hasattr(KG2.serial, "health_morning"):
            for ns in (KG2.parallel, KG2.serial):
                wrap(ns, "health_morning", "kernel group health morning (in group preparation)")
    wrap(C.CommunityModel, "run_until", "mornings (Mesa events, standing orders)")
    try:  # the batch's one Mesa schedule for its models' levers (model.batch_levers)
        from growthsim.model import batch_levers as BL

        wrap(BL.BatchMornings, "run", "mornings (Mesa events, standing orders)")
    except ImportError:  # an older tree: every model runs its own mornings (run_until)
        pass
    wrap(C, "run_day", "run_day (all of the day after the mornings)")
    MB.run_day = C.run_day
    wrap(RN, "result_of", "results: RunResult per model")
    wrap(C.CommunityModel, "scalars", "results: scalars (in RunResult)")
    wrap(RunSet, "from_results", "results: RunSet.from_results")
    wrap(MB.CommunityBatch, "__init__", "batch build")

    plan = baseline(10_000, 180, args.replicates)
    RN.graph_for(plan)
    pipeline(baseline(2000, 40, 2), 2, "batch")
    pipeline(plan, 8, "batch")
    best: dict[str, float] | None = None
    for _ in range(args.repeats):
        acc.clear()
        t0 = time.perf_counter()
        rs = RN.run_plans({"base": plan}, replicates=args.replicates)
        t1 = time.perf_counter()
        KP.kpi_table(rs)
        acc["KPI table"] = time.perf_counter() - t1
        acc["TOTAL"] = time.perf_counter() - t0
        if best is None or acc["TOTAL"] < best["TOTAL"]:
            best = dict(acc)
    assert best is not None
    R, rd = args.replicates, args.replicates * 180
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {numba.get_num_threads()} thread(s)")
    print("| section | ms per replicate | us per replicate-day |\n| --- | ---: | ---: |")
    for k, v in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"| {k} | {v / R * 1e3:.2f} | {v / rd * 1e6:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
