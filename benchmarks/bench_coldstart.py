"""Cold start: process start to the first simulated day, with and without the numba cache.

Each case launches a fresh Python process that imports growthsim, builds a 10,000-person
plan with every lever on (``bench_scale.all_levers_plan``) and its graph, and runs day 0.
The parent measures the wall time from launching the process to its exit; the child
reports its own import / build / first-day split.

* **no cache**: ``NUMBA_CACHE_DIR`` points at a fresh empty temporary folder, so every
  kernel is compiled in the process (a first run after installing);
* **cache**: the same folder again, now holding the compiled kernels the first case wrote
  (every later run);
* **repo cache**: the default cache location (``__pycache__`` beside the sources), as
  users get it.

    python benchmarks/bench_coldstart.py [--repeats 3]
    python benchmarks/bench_coldstart.py --baseline-src /path/to/older/checkout/src

``--baseline-src``: also run every case with that ``src`` folder first on ``PYTHONPATH``
(an older checkout of the project), interleaved with this one, and print the ratio of the
times to the first day (this tree / baseline): a regression check under the same load.

Not a pass/fail test: prints a table (median over repeats for the cached cases).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import growthsim
from growthsim.graph import build_graph
from growthsim.model.community import CommunityModel
from bench_scale import all_levers_plan
t1 = time.perf_counter()
plan = all_levers_plan(10_000, 365, 20.0)
g = build_graph(plan.market.graph, plan.market.size, plan.seed, cache=False)
m = CommunityModel(plan, graph=g)
t2 = time.perf_counter()
m.run_until(1)
t3 = time.perf_counter()
m.run_until(2)
t4 = time.perf_counter()
assert len(m.timeseries()) == 2
print(json.dumps({"import_s": t1 - t0, "build_s": t2 - t1, "day0_s": t3 - t2, "day1_s": t4 - t3}))
"""


def launch(env: dict[str, str]) -> dict:
    here = os.path.dirname(os.path.abspath(__file__))
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", _CHILD, here], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        raise SystemExit("cold-start child failed")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    return out


def main(argv: list[str] | None = None) -> int:
    from bench_scale import machine

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline-src", default=None, help="an older checkout's src folder to compare against")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}\n")
    if args.baseline_src:
        return compare(args.baseline_src, args.repeats)
    rows = []
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        rows.append(("no cache (fresh NUMBA_CACHE_DIR)", [launch(env)]))
        rows.append(("cache (same NUMBA_CACHE_DIR, filled)", [launch(env) for _ in range(args.repeats)]))
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    launch(env)  # make sure the default cache is filled
    rows.append(("repo cache (default __pycache__)", [launch(env) for _ in range(args.repeats)]))

    print(
        "| case | process start -> end of day 0 (s) | import (s) | plan + graph + model (s) | day 0 (s) | day 1 (s) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    med = {}
    for name, runs in rows:
        m = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        med[name] = m
        # the child's day-1 time is after the first day: subtract it from the process wall time
        first_day = m["wall_s"] - m["day1_s"]
        print(
            f"| {name} | {first_day:.2f} | {m['import_s']:.2f} | {m['build_s']:.2f} | "
            f"{m['day0_s']:.3f} | {m['day1_s']:.4f} |"
        )
    a = med[rows[0][0]]
    b = med[rows[1][0]]
    print(
        f"\nthe numba cache saves {(a['wall_s'] - b['wall_s']):.1f} s per process start "
        f"({(a['wall_s'] - a['day1_s']) / (b['wall_s'] - b['day1_s']):.1f}x faster to the first day)"
    )
    return 0


def compare(baseline_src: str, repeats: int) -> int:
    """Each case for this tree and for ``baseline_src``, interleaved; medians and ratios."""
    here_src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    trees = {"this tree": here_src, "baseline": os.path.abspath(baseline_src)}
    res: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        for tree, src in trees.items():  # separate caches: each tree compiles its own kernels
            env = {**os.environ, "NUMBA_CACHE_DIR": os.path.join(cache, tree.replace(" ", "_")), "PYTHONPATH": src}
            res[("no cache", tree)] = [launch(env)]
        for _ in range(repeats):
            for tree, src in trees.items():
                env = {**os.environ, "NUMBA_CACHE_DIR": os.path.join(cache, tree.replace(" ", "_")), "PYTHONPATH": src}
                res.setdefault(("cache filled", tree), []).append(launch(env))
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print("| case | this tree: to end of day 0 (s) | baseline (s) | this / baseline |")
    print("|---|---:|---:|---:|")
    for case in ("no cache", "cache filled"):
        t = [statistics.median(r["wall_s"] - r["day1_s"] for r in res[(case, tree)]) for tree in trees]
        print(f"| {case} | {t[0]:.2f} | {t[1]:.2f} | **{t[0] / t[1]:.2f}** |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
