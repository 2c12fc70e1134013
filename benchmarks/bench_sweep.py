"""Sweep throughput (runs per second) in this process, with 1 and with 2 local Dask workers.

The workload is a grid over the invite reward and the part-time admin count of the
baseline plan (scenarios/baseline.yaml), shortened with ``--horizon`` and shrunk with
``--market`` so the benchmark finishes in about a minute on a laptop. Every
configuration runs the same runs (same seeds), and the script checks that they give
identical results. Throughput counts only the runs: the local cluster's start-up and
each worker's warm-up (numba kernels loaded from cache, one tiny run) are reported
separately.

    python benchmarks/bench_sweep.py [--runs 96] [--horizon 180] [--market 30000]

Prints the machine, library versions, runs/s per configuration and the ratio 2w/1w.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import platform
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
    a = ap.parse_args()
    exp = experiment(a.runs, a.horizon, a.market)

    print(f"machine: {platform.node()} | {cpu_model()} | {os.cpu_count()} cores | {platform.platform()}")
    vers = {p: md.version(p) for p in ("growthsim", "numpy", "numba", "pandas", "dask", "distributed", "SALib")}
    print(f"python {platform.python_version()} | " + " | ".join(f"{k} {v}" for k, v in vers.items()))
    print(f"workload: baseline plan, market {a.market}, horizon {a.horizon} days, "
          f"{len(exp.factor_names)} factors, grid of 24 points x {exp.spec.replicates} replicates")

    # numba kernels loaded in this process as each Dask worker does at start (the
    # market graph is built inside the timed runs, once per process, as on the workers)
    _warmup(RunSpec(base=exp.base, factor_names=exp.factor_names, kpis=[], series=[]))
    rows = []
    ref = None
    for label, workers in (("in-process", 0), ("1 worker", 1), ("2 workers", 2)):
        t0 = time.perf_counter()
        df = run_sweep(exp, workers=workers)
        total = time.perf_counter() - t0
        o = df.attrs["outcome"]
        if ref is None:
            ref = df
        else:
            pd.testing.assert_frame_equal(df, ref)  # same results whatever the worker count
        rows.append((label, o.n_runs, o.wall_s, o.runs_per_s, total - o.wall_s, o.failed))
        print(f"{label:>11}: {o.n_runs} runs in {o.wall_s:6.2f} s = {o.runs_per_s:6.2f} runs/s "
              f"(+{total - o.wall_s:4.1f} s start-up and warm-up), {o.failed} failed", flush=True)
    r1 = rows[1][3]
    r2 = rows[2][3]
    print(f"ratio 2 workers / 1 worker: {r2 / r1:.2f}x  "
          f"(1 worker vs in-process: {r1 / rows[0][3]:.2f}x); results identical across configurations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
