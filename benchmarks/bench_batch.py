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
- ``batch, T threads``: ``run_plans(..., engine="batch")`` with ``numba.set_num_threads(T)``
  (1 thread: the batches' serial loop, what ``run_plans`` uses for batches under
  ``runner.PARALLEL_MIN_PEOPLE`` people; 2 threads: the parallel kernels forced),
  ``--replicates`` replicates in one batch;
- ``reference``: :class:`growthsim.reference.ReferenceModel` (one Mesa agent per person) on
  the same plan and graph, the first ``--reference-days`` days, against the batch's
  simulation time per replicate-day (results and KPIs excluded on both sides);
- ``large batch``: a ``CommunityBatch`` of ``--large-replicates`` (2) replicates of
  ``bench_scale.all_levers_plan(--large-size)`` (10^6 people, every lever), ``--large-days``
  (60) days, the serial loop (``parallel=False``) against the numba threads
  (``parallel=True``, all threads): the size at which ``runner.use_threads`` turns the
  threads on, so the 2-threads-vs-1 target is measured where threads are used (simulation
  only, the batch's build excluded; ``--large-size 0`` skips it).

Configurations are interleaved over ``--repeats`` rounds and the fastest round of each is
kept, so both sides of a ratio see the same machine load; the load average is printed.
Besides wall time the table gives the process's CPU time (all threads): on a machine
shared with other work, the CPU-time ratio of two single-threaded configurations is the
steadier measure of how much work each does (wall time also counts waiting for a core).
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


def pipeline(plan, replicates: int, engine: str) -> int:
    from growthsim.metrics.kpis import kpi_table
    from growthsim.runner import run_plans

    rs = run_plans({"base": plan}, replicates=replicates, engine=engine)
    kpi_table(rs)
    return replicates


def timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of ``fn()``, which returns the unit count to divide by."""
    w, c = time.perf_counter(), time.process_time()
    units = fn()
    return (time.perf_counter() - w) / units, (time.process_time() - c) / units


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--replicates", type=int, default=64)
    ap.add_argument("--serial-replicates", type=int, default=16)
    ap.add_argument("--reference-days", type=int, default=None, help="default: --days")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--large-size", type=int, default=1_000_000)
    ap.add_argument("--large-replicates", type=int, default=2)
    ap.add_argument("--large-days", type=int, default=60)
    args = ap.parse_args(argv)
    args.reference_days = args.reference_days or args.days

    import numba

    from growthsim.reference import ReferenceModel
    from growthsim.runner import batch_size, graph_for, use_threads

    print(f"machine: {machine()}")
    print(f"numba threads available: {numba.config.NUMBA_NUM_THREADS}")
    plan = baseline(args.size, args.days, args.replicates)
    print(
        f"plan: scenarios/baseline.yaml, {args.size:,} people x {args.days} days; batch of "
        f"{args.replicates} replicates, serial path {args.serial_replicates} replicates\n"
    )
    graph_for(plan)
    warm = baseline(2000, 40, 2)
    pipeline(warm, 2, "serial")
    pipeline(warm, 2, "batch")
    threads = [t for t in (1, 2) if t <= numba.config.NUMBA_NUM_THREADS]
    from growthsim.model.batch import CommunityBatch

    large = large_graph = None
    if args.large_size > 0:
        from bench_scale import all_levers_plan

        large = all_levers_plan(args.large_size, horizon=args.large_days)
        large_graph = graph_for(large)
        warm_b = CommunityBatch(large, replicates=range(2), graph=large_graph, parallel=True)
        for _ in range(2):
            warm_b.step()
        del warm_b
    best: dict[str, tuple[float, float]] = {}
    load = []
    names = {t: f"batch, {t} thread{'s' if t > 1 else ''}" for t in threads}
    for _ in range(args.repeats):
        load.append(os.getloadavg()[0])
        cfgs = [("serial", lambda: pipeline(plan, args.serial_replicates, "serial"))]
        for t in threads:

            def run_batch(t=t):
                import growthsim.runner as runner

                numba.set_num_threads(t)
                # 1 thread: the serial loop (what run_plans uses below PARALLEL_MIN_PEOPLE
                # people a batch); 2 threads: the parallel kernels, forced
                default = runner.PARALLEL_MIN_PEOPLE
                runner.PARALLEL_MIN_PEOPLE = default if t == 1 else 0
                try:
                    return pipeline(plan, args.replicates, "batch")
                finally:
                    runner.PARALLEL_MIN_PEOPLE = default

            cfgs.append((names[t], run_batch))
        cfgs.append(("simulation only, batch (run_plans' thread choice)", None))
        cfgs.append(("reference", None))
        for name, fn in cfgs:
            if name == "reference":
                m = ReferenceModel(scenario=plan, replicate=0, graph=graph_for(plan), network=False)
                wall, cpu = timed(lambda m=m: (m.run_until(args.reference_days), args.reference_days)[1])
            elif fn is None:  # the batch's days only (per replicate-day)
                import growthsim.runner as runner

                numba.set_num_threads(max(threads))
                size = batch_size(plan, args.replicates)
                bs = [
                    CommunityBatch(
                        plan,
                        replicates=range(s, min(args.replicates, s + size)),
                        graph=graph_for(plan),
                        parallel=runner.use_threads(plan, size),
                    )
                    for s in range(0, args.replicates, size)
                ]
                wall, cpu = timed(lambda bs=bs: ([b.run() for b in bs], args.replicates * args.days)[1])
            else:
                wall, cpu = timed(fn)
            old = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(old[0], wall), min(old[1], cpu))
            print(f"  {name}: wall {wall * 1e3:.3f} ms, CPU {cpu * 1e3:.3f} ms per unit", flush=True)
        load.append(os.getloadavg()[0])
        if large is not None:
            for par in (False, True):
                numba.set_num_threads(max(threads) if par else 1)
                b = CommunityBatch(large, replicates=range(args.large_replicates), graph=large_graph, parallel=par)
                wall, cpu = timed(lambda b=b: (b.run(), args.large_replicates * args.large_days)[1])
                name = f"large batch, {'parallel' if par else 'serial loop'}"
                old = best.get(name, (float("inf"), float("inf")))
                best[name] = (min(old[0], wall), min(old[1], cpu))
                print(f"  {name}: wall {wall * 1e3:.3f} ms, CPU {cpu * 1e3:.3f} ms per replicate-day", flush=True)
                del b
    numba.set_num_threads(max(threads))
    print(f"\nload average (1 min) during the run: {min(load):.1f} .. {max(load):.1f} on {os.cpu_count()} CPUs\n")
    (ser, ser_c) = best["serial"]
    print(
        "| configuration | wall ms per replicate | replicates/s | vs serial (wall) | CPU ms per replicate | vs serial (CPU) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(f"| serial (one model after another) | {ser * 1e3:.2f} | {1 / ser:.1f} | 1.0x | {ser_c * 1e3:.2f} | 1.0x |")
    for t in threads:
        w, c = best[names[t]]
        print(
            f"| batched ({args.replicates} replicates in batches of {batch_size(plan, args.replicates)}), "
            f"{t} thread{'s' if t > 1 else ''} | {w * 1e3:.2f} | {1 / w:.1f} | "
            f"**{ser / w:.1f}x** | {c * 1e3:.2f} | {ser_c / c:.1f}x |"
        )
    if len(threads) == 2:
        print(f"\n2 threads vs 1 on the same batch (wall): **{best[names[1]][0] / best[names[2]][0]:.2f}x**")
    if large is not None:
        (lw1, lc1), (lw2, lc2) = best["large batch, serial loop"], best["large batch, parallel"]
        print(
            f"\nlarge batch ({args.large_replicates} x {args.large_size:,} people, all levers, "
            f"{args.large_days} days; runner.use_threads: {use_threads(large, args.large_replicates)}): "
            f"serial loop wall {lw1 * 1e3:.2f} ms (CPU {lc1 * 1e3:.2f} ms) per replicate-day, "
            f"{max(threads)} threads wall {lw2 * 1e3:.2f} ms (CPU {lc2 * 1e3:.2f} ms): "
            f"**{lw1 / lw2:.2f}x** wall, CPU {lc2 / lc1:.2f}x the serial loop's"
        )
    ref_w, ref_c = best["reference"]
    sim_w, sim_c = best["simulation only, batch (run_plans' thread choice)"]
    print(
        f"\nper replicate-day: batch (run_plans' thread choice) wall {sim_w * 1e6:.1f} us (CPU {sim_c * 1e6:.1f} us); "
        f"reference wall {ref_w * 1e3:.2f} ms (CPU {ref_c * 1e3:.2f} ms), first {args.reference_days} days: "
        f"**{ref_w / sim_w:.0f}x** wall, {ref_c / sim_c:.0f}x CPU"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
