"""Time per simulated day: the engine (numba kernels over arrays) against the reference
model (one Mesa agent per person, plain Python), same rules, same plan, same graph.

The plan is ``bench_scale.all_levers_plan`` (every lever on; Watts–Strogatz graph, mean
degree 20 by default) for markets of 1,000 / 10,000 / 100,000 people. Both models run the
same first ``--days`` days on the same prebuilt graph in this process, one after the other;
model construction is timed separately from the days. Engine kernels are loaded from the
numba cache and warmed on a tiny plan first.

Where the reference would take longer than ``--budget`` seconds for the full ``--days``
(estimated from its measured cost per member-day at the previous size), it runs only the
first days that fit the budget and the full figure is extrapolated from its measured cost
per member-day (members in the community summed over the days, taken from the engine's
run of the same plan): such rows are marked "extrapolated".

    python benchmarks/bench_engine.py
    python benchmarks/bench_engine.py --sizes 1000 10000 --days 60

Times are the fastest of ``--repeats`` runs (other processes may share the machine).

Not a pass/fail test: prints a table; the target is engine >= 100x the reference at 10,000.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_scale import all_levers_plan, machine  # noqa: E402


def _timed_run(model, days: int) -> float:
    t = time.perf_counter()
    model.run_until(days)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--mean-degree", type=float, default=20.0)
    ap.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs per model and size, fastest kept (the machine may be shared); the "
        "reference repeats only while its run is estimated under 60 s",
    )
    ap.add_argument(
        "--budget",
        type=float,
        default=600.0,
        help="seconds the reference may spend on one size (else: partial + extrapolated)",
    )
    args = ap.parse_args(argv)

    from growthsim.graph import build_graph
    from growthsim.model.community import CommunityModel
    from growthsim.reference import ReferenceModel

    print(f"machine: {machine()}")
    print(
        f"plan: bench_scale.all_levers_plan, watts_strogatz mean degree {args.mean_degree:g}, first {args.days} days\n"
    )
    warm = all_levers_plan(3000, 120, 10.0)
    CommunityModel(warm, graph=build_graph(warm.market.graph, 3000, 1, cache=False)).run()

    rows = []
    cost_per_member_day = None
    for n in args.sizes:
        plan = all_levers_plan(n, max(args.days, 365), args.mean_degree)  # runs the first --days
        g = build_graph(plan.market.graph, n, plan.seed, cache=False)
        eng_build = eng_run = float("inf")
        for _ in range(args.repeats):
            t = time.perf_counter()
            eng = CommunityModel(plan, seed=1, graph=g)
            eng_build = min(eng_build, time.perf_counter() - t)
            eng_run = min(eng_run, _timed_run(eng, args.days))
        members = eng.timeseries()["members"].to_numpy()
        member_days = float(members.sum())
        eng_day = eng_run / args.days

        days_ref = args.days
        if cost_per_member_day is not None:
            est = cost_per_member_day * member_days
            if est > args.budget:  # run the first days only
                cum = members.cumsum() * cost_per_member_day
                days_ref = max(5, int((cum <= 0.5 * args.budget).sum()))
        reps = 1
        if cost_per_member_day is not None and cost_per_member_day * member_days < 60.0:
            reps = args.repeats
        elif cost_per_member_day is None:
            reps = args.repeats
        ref_build = ref_run = float("inf")
        for _ in range(reps):
            t = time.perf_counter()
            ref = ReferenceModel(plan, seed=1, graph=g)
            ref_build = min(ref_build, time.perf_counter() - t)
            ref_run = min(ref_run, _timed_run(ref, days_ref))
        ref_members = ref.timeseries()["members"].to_numpy()
        cost_per_member_day = ref_run / max(1.0, float(ref_members.sum()))
        partial = days_ref < args.days
        if partial:
            ref_day = cost_per_member_day * member_days / args.days
            eng_part_run = min(_timed_run(CommunityModel(plan, seed=1, graph=g), days_ref) for _ in range(args.repeats))
        else:
            ref_day = ref_run / args.days
        rows.append((n, eng_build, eng_day, ref_build, ref_day, partial, days_ref, cost_per_member_day, reps))
        print(
            f"n = {n:>7,}: members at day {args.days}: {int(members[-1]):,} (mean {members.mean():,.0f}); "
            f"engine {1e3 * eng_day:8.3f} ms/day (build {eng_build:.2f} s); reference "
            f"{1e3 * ref_day:9.2f} ms/day (build {ref_build:.2f} s)"
            + (
                f" [measured {days_ref} days: {1e3 * ref_run / days_ref:.1f} ms/day vs engine "
                f"{1e3 * eng_part_run / days_ref:.3f} ms/day on the same days, ratio "
                f"{ref_run / eng_part_run:.0f}x]"
                if partial
                else ""
            )
        )
        del ref, eng

    print()
    print("| people | engine ms/day | reference ms/day | reference / engine | reference µs per member-day | note |")
    print("|---:|---:|---:|---:|---:|---|")
    for n, _eb, ed, _rb, rd, partial, dref, cpm, reps in rows:
        note = f"reference: first {dref} days measured, {args.days} extrapolated" if partial else "measured"
        note += f"; fastest of {args.repeats} engine / {reps} reference runs"
        print(f"| {n:,} | {1e3 * ed:.3f} | {1e3 * rd:.1f} | {rd / ed:.0f}x | {1e6 * cpm:.2f} | {note} |")
    for a, b in zip(rows, rows[1:]):
        d_eng, d_ref = b[2] - a[2], b[4] - a[4]
        if d_eng > 0:
            print(
                f"marginal cost {a[0]:,} -> {b[0]:,} people: engine +{1e3 * d_eng:.3f} ms/day, "
                f"reference +{1e3 * d_ref:.1f} ms/day ({d_ref / d_eng:.0f}x)"
            )
    print()
    print(
        "model construction (s): "
        + "; ".join(f"{n:,}: engine {eb:.2f}, reference {rb:.2f}" for n, eb, ed, rb, rd, *_ in rows)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
