"""Sweep throughput (runs per second) in this process, with 1 and with 2 local Dask workers.

The workload is a grid over the invite reward and the part-time admin count of the
baseline plan (scenarios/baseline.yaml); ``--horizon`` and ``--market`` shrink it.
Every configuration runs the same runs (same seeds), and the script checks that they
give identical results. Throughput counts only the runs: the local cluster's start-up
and each worker's warm-up (numba kernels loaded from cache, one tiny run, the market
graph built once per worker) are reported separately.

    python benchmarks/bench_sweep.py [--runs 96] [--horizon 180] [--market 30000] [--repeat 3]

Prints the machine, library versions, runs/s per configuration (best and median of the
repeats, configurations interleaved) and the ratio 2w/1w.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

from growthsim.experiments.schema import experiment_from_dict
from growthsim.experiments.sweep import RunSpec, _warmup, run_sweep

ROOT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def experiment(runs: int, horizon: int, market: int):  # noqa: ANN201
    rewards = [0, 4, 8, 12, 16, 20]
    admins = [1, 3, 5, 8]
    reps = max(1, round(runs / (len(rewards) * len(admins))))
    return experiment_from_dict(
        {
            "name": "bench_sweep",
            "scenario": str(ROOT / "scenarios" / "baseline.yaml"),
            "overrides": {"horizon_days": horizon, "market.size": market},
            "factors": {
                "campaigns.invite_reward.reward": {"values": rewards},
                "staff.part_time_admin.count": {"values": admins},
            },
            "design": {"type": "grid"},
            "replicates": reps,
            "outputs": {"kpis": ["members_final", "paying", "revenue", "cost", "roi"]},
            "seed": 1,
        }
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=96, help="runs per configuration (rounded to the grid)")
    ap.add_argument("--horizon", type=int, default=180, help="days per run")
    ap.add_argument("--market", type=int, default=30000, help="people in the market")
    ap.add_argument("--repeat", type=int, default=3, help="measurements per configuration")
    a = ap.parse_args()
    exp = experiment(a.runs, a.horizon, a.market)

    print(
        f"machine: {platform.node()} | {cpu_model()} | {os.cpu_count()} cores | {platform.platform()} "
        f"| load average before: {os.getloadavg()[0]:.2f} (1 min)"
    )
    vers = {p: md.version(p) for p in ("growthsim", "numpy", "numba", "pandas", "dask", "distributed", "SALib")}
    print(f"python {platform.python_version()} | " + " | ".join(f"{k} {v}" for k, v in vers.items()))
    print(
        f"workload: baseline plan, market {a.market}, horizon {a.horizon} days, "
        f"{len(exp.factor_names)} factors, grid of 24 points x {exp.spec.replicates} replicates"
    )

    # numba kernels loaded and the market graph built in this process, as each Dask
    # worker does when it starts (reported there as start-up and warm-up)
    _warmup(RunSpec(base=exp.base, factor_names=exp.factor_names, kpis=[], series=[]))
    configs = (("in-process", 0), ("1 worker", 1), ("2 workers", 2))
    rates: dict[str, list[float]] = {label: [] for label, _ in configs}
    ref = None
    # configurations interleaved, repeated: other load on the machine hits all of them
    for rep in range(a.repeat):
        for label, workers in configs:
            t0 = time.perf_counter()
            df = run_sweep(exp, workers=workers)
            total = time.perf_counter() - t0
            o = df.attrs["outcome"]
            if ref is None:
                ref = df
            else:
                pd.testing.assert_frame_equal(df, ref)  # same results whatever the worker count
            rates[label].append(o.runs_per_s)
            print(
                f"  [{rep + 1}/{a.repeat}] {label:>10}: {o.n_runs} runs in {o.wall_s:6.2f} s = "
                f"{o.runs_per_s:6.2f} runs/s (+{total - o.wall_s:4.1f} s cluster start-up and "
                f"warm-up), {o.failed} failed",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()[0]:.2f} (1 min)")
    best = {k: max(v) for k, v in rates.items()}
    med = {k: statistics.median(v) for k, v in rates.items()}
    for label, _ in configs:
        print(f"{label:>11}: best {best[label]:6.2f} runs/s, median {med[label]:6.2f} runs/s")
    print(
        f"ratio 2 workers / 1 worker: {best['2 workers'] / best['1 worker']:.2f}x best-of-{a.repeat}, "
        f"{med['2 workers'] / med['1 worker']:.2f}x median; results identical across configurations"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
