"""Batched replicates: replicates/s of the batch engine against the one-at-a-time path,
2 threads against 1 on the same batch, and time per replicate-day against the reference
Mesa model — all measured side by side in this run.

Plan: ``scenarios/baseline.yaml`` cut to ``--size`` people (10,000) and ``--days`` days
(180). Each configuration runs the whole pipeline a user of ``growthsim run --replicates
64`` waits for: simulate, collect the results (time series, scalars, cohorts, ledger) and
compute the KPI table.

- ``serial``: ``run_plans(..., engine="serial")`` — one ``CommunityModel`` after another
  (today's one-at-a-time path), ``--serial-replicates`` of them (replicates/s does not
  depend on how many);
- ``batch, T threads``: ``run_plans(..., engine="batch")`` with ``numba.set_num_threads(T)``,
  ``--replicates`` replicates in one batch;
- ``reference``: :class:`growthsim.reference.ReferenceModel` (one Mesa agent per person) on
  the same plan and graph, the first ``--reference-days`` days, against the batch's
  simulation time per replicate-day (results and KPIs excluded on both sides).

Configurations are interleaved over ``--repeats`` rounds and the fastest round of each is
kept, so both sides of a ratio see the same machine load; the load average is printed.
Numba kernels are loaded from the cache and warmed first.

    python benchmarks/bench_batch.py
    python benchmarks/bench_batch.py --replicates 64 --repeats 3

Not a pass/fail test. Targets (issue 14): batch >= 20x serial replicates/s; 2 threads >=
1.7x 1 thread; per replicate-day >= 300x the reference.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_scale import machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def baseline(size: int, days: int, replicates: int):
    from growthsim.scenario.loader import apply_overrides, load_scenario

    sc = load_scenario(os.path.join(ROOT, "scenarios", "baseline.yaml"))
    return apply_overrides(sc, {"market.size": size, "horizon_days": days, "replicates": replicates})


def pipeline(plan, replicates: int, engine: str) -> float:
    from growthsim.metrics.kpis import kpi_table
    from growthsim.runner import run_plans

    t = time.perf_counter()
    rs = run_plans({"base": plan}, replicates=replicates, engine=engine)
    kpi_table(rs)
    return time.perf_counter() - t


def batch_sim(plan, replicates: int) -> float:
    from growthsim.model.batch import CommunityBatch
    from growthsim.runner import graph_for

    b = CommunityBatch(plan, replicates=range(replicates), graph=graph_for(plan))
    t = time.perf_counter()
    b.run()
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--replicates", type=int, default=64)
    ap.add_argument("--serial-replicates", type=int, default=16)
    ap.add_argument("--reference-days", type=int, default=None, help="default: --days")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)
    args.reference_days = args.reference_days or args.days

    import numba

    from growthsim.reference import ReferenceModel
    from growthsim.runner import graph_for

    print(f"machine: {machine()}")
    print(f"numba threads available: {numba.config.NUMBA_NUM_THREADS}")
    plan = baseline(args.size, args.days, args.replicates)
    print(f"plan: scenarios/baseline.yaml, {args.size:,} people x {args.days} days; batch of "
          f"{args.replicates} replicates, serial path {args.serial_replicates} replicates\n")
    graph_for(plan)
    warm = baseline(2000, 40, 2)
    pipeline(warm, 2, "serial")
    pipeline(warm, 2, "batch")
    threads = [t for t in (1, 2) if t <= numba.config.NUMBA_NUM_THREADS]
    best: dict[str, float] = {}
    load = []
    for _ in range(args.repeats):
        load.append(os.getloadavg()[0])
        cfgs = [("serial", lambda: pipeline(plan, args.serial_replicates, "serial") / args.serial_replicates)]
        for t in threads:
            def run_batch(t=t):
                numba.set_num_threads(t)
                return pipeline(plan, args.replicates, "batch") / args.replicates

            def run_sim(t=t):
                numba.set_num_threads(t)
                return batch_sim(plan, args.replicates) / (args.replicates * args.days)

            cfgs.append((f"batch, {t} thread{'s' if t > 1 else ''}", run_batch))
            cfgs.append((f"batch simulation only, {t} thread{'s' if t > 1 else ''} (per replicate-day)", run_sim))

        def run_ref():
            m = ReferenceModel(scenario=plan, replicate=0, graph=graph_for(plan), network=False)
            t0 = time.perf_counter()
            m.run_until(args.reference_days)
            return (time.perf_counter() - t0) / args.reference_days

        cfgs.append(("reference (per replicate-day)", run_ref))
        for name, fn in cfgs:
            dt = fn()
            best[name] = min(best.get(name, float("inf")), dt)
            print(f"  {name}: {dt * 1e3:.3f} ms", flush=True)
        load.append(os.getloadavg()[0])
    numba.set_num_threads(max(threads))
    print(f"\nload average (1 min) during the run: {min(load):.1f} .. {max(load):.1f} on {os.cpu_count()} CPUs\n")
    ser = best["serial"]
    print("| configuration | ms per replicate | replicates/s | vs serial |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| serial (one model after another) | {ser * 1e3:.2f} | {1 / ser:.1f} | 1.0x |")
    for t in threads:
        b = best[f"batch, {t} thread{'s' if t > 1 else ''}"]
        print(f"| batch of {args.replicates}, {t} thread{'s' if t > 1 else ''} | {b * 1e3:.2f} | {1 / b:.1f} | "
              f"**{ser / b:.1f}x** |")
    if len(threads) == 2:
        b1, b2 = best["batch, 1 thread"], best["batch, 2 threads"]
        s1 = best["batch simulation only, 1 thread (per replicate-day)"]
        s2 = best["batch simulation only, 2 threads (per replicate-day)"]
        print(f"\n2 threads vs 1 on the same batch: pipeline **{b1 / b2:.2f}x**, simulation only {s1 / s2:.2f}x")
    ref = best["reference (per replicate-day)"]
    sim = best[f"batch simulation only, {max(threads)} thread{'s' if max(threads) > 1 else ''} (per replicate-day)"]
    print(f"\nper replicate-day: batch ({max(threads)} threads) {sim * 1e6:.1f} us, reference {ref * 1e3:.2f} ms "
          f"(first {args.reference_days} days): **{ref / sim:.0f}x**")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
