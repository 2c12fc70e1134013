"""Sweep throughput (runs per second) in this process, with 1 and with 2 local Dask workers,
on the batched engine and run by run.

The workload is a grid over the invite reward and the part-time admin count of the
baseline plan (scenarios/baseline.yaml); ``--horizon`` and ``--market`` shrink it.
Every configuration runs the same runs (same seeds), and the script checks that they
give identical results. Throughput counts only the runs: the local cluster's start-up
and each worker's warm-up (numba kernels loaded from cache, one tiny run, the market
graph built once per worker) are reported separately.

Engines (``run_sweep(engine=...)``): ``batch`` steps a task's runs that share a plan
together (``growthsim.experiments.batched``), ``serial`` runs one model after another (the
path before it, kept for this comparison); both give the same table, which is checked.

    python benchmarks/bench_sweep.py [--runs 96] [--horizon 180] [--market 30000] [--repeat 3]
                                     [--workers 0,1,2] [--engines serial,batch]

Prints the machine, library versions, the load average, runs/s per configuration (best and
median of the repeats, configurations interleaved), batched / run by run at each worker
count and 2 workers / 1 worker for each engine.
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
    ap.add_argument("--workers", default="0,1,2", help="worker counts to measure (0: in this process)")
    ap.add_argument("--engines", default="serial,batch", help="engines to measure: serial, batch")
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
    names = {0: "in-process", 1: "1 worker"}
    engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    counts = [int(w) for w in a.workers.split(",") if w.strip()]
    configs = [(f"{names.get(w, f'{w} workers')} {e}", w, e) for w in counts for e in engines]
    rates: dict[str, list[float]] = {label: [] for label, _, _ in configs}
    cpu: dict[str, list[float]] = {label: [] for label, _, _ in configs}  # this process's CPU s a run
    loads = [os.getloadavg()[0]]
    ref = None
    # configurations interleaved, repeated: other load on the machine hits all of them
    for rep in range(a.repeat):
        for label, workers, engine in configs:
            t0, c0 = time.perf_counter(), time.process_time()
            df = run_sweep(exp, workers=workers, engine=engine)
            total = time.perf_counter() - t0
            cpu[label].append((time.process_time() - c0) / len(df))
            o = df.attrs["outcome"]
            if ref is None:
                ref = df
            else:
                pd.testing.assert_frame_equal(df, ref, check_exact=True)  # same results everywhere
            rates[label].append(o.runs_per_s)
            loads.append(os.getloadavg()[0])
            print(
                f"  [{rep + 1}/{a.repeat}] {label:>18}: {o.n_runs} runs in {o.wall_s:6.2f} s = "
                f"{o.runs_per_s:6.2f} runs/s (+{total - o.wall_s:4.1f} s cluster start-up and "
                f"warm-up), {o.failed} failed, this process's CPU {1000 * cpu[label][-1]:.0f} ms a run, "
                f"load {loads[-1]:.1f}",
                flush=True,
            )
    print(f"load average (1 min) during the run: {min(loads):.1f} to {max(loads):.1f} on {os.cpu_count()} cores")
    best = {k: max(v) for k, v in rates.items()}
    med = {k: statistics.median(v) for k, v in rates.items()}
    for label, _, _ in configs:
        print(
            f"{label:>19}: best {best[label]:6.2f} runs/s, median {med[label]:6.2f} runs/s"
            + (f", CPU {1000 * min(cpu[label]):.0f} ms a run (least)" if label.startswith("in-process") else "")
        )

    def ratio(x: str, y: str, what: str) -> None:
        if x in best and y in best:
            print(
                f"{what}: {best[x] / best[y]:.2f}x best-of-{a.repeat}, {med[x] / med[y]:.2f}x median "
                f"({x.strip()} / {y.strip()})"
            )

    for w in counts:
        n = names.get(w, f"{w} workers")
        ratio(f"{n} batch", f"{n} serial", f"batched / run by run, {n}")
    if "in-process batch" in cpu and "in-process serial" in cpu:
        c = min(cpu["in-process serial"]) / min(cpu["in-process batch"])
        print(f"batched / run by run in this process, CPU time: {c:.2f}x less CPU a run (least of each)")
    for e in engines:
        ratio(f"2 workers {e}", f"1 worker {e}", f"2 workers / 1 worker, {e}")
    ratio("2 workers batch", "1 worker serial", "2 workers batched / 1 worker run by run")
    print("results identical across configurations (checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
