"""Build time and memory of the market graph builders.

Each (model, n) is built in a fresh child process so the peak-RSS figure belongs to that
build alone: the child imports growthsim, warms the numba kernels on a tiny graph, notes
its peak resident set, builds the graph (cache off) and reports the build's wall time and
the rise of the peak RSS.

    python benchmarks/bench_graph.py                 # 1,000,000 people, mean degree 20
    python benchmarks/bench_graph.py --n 200000 --models watts_strogatz sbm
    python benchmarks/bench_graph.py --n 100000 --networkx   # networkx path, as a baseline

Not a pass/fail test: it prints a table (peak bytes per person: the build's rise of the
peak RSS over the market size, what a 5*10^7 market's build needs scaled up).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

MODELS = ["well_mixed", "erdos_renyi", "watts_strogatz", "powerlaw_cluster", "sbm"]

_CHILD = r"""
import json, resource, sys, time
from growthsim.graph import build_graph
from growthsim.scenario.schema import GraphSpec
model, n, mean_degree, blocks, threshold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
spec = GraphSpec(model=model, mean_degree=mean_degree, blocks=blocks)
build_graph(spec, 2000, 0, numpy_threshold=100, cache=False)  # compile/load numba kernels
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
g = build_graph(spec, n, 1, numpy_threshold=threshold, cache=False)
dt = time.perf_counter() - t
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"model": model, "n": n, "seconds": dt, "edges": g.edge_count,
                  "mean_degree": g.mean_degree, "max_degree": int(g.degree().max()),
                  "rss_mb": (after - before) / 1024}))
"""


def run_one(model: str, n: int, mean_degree: float, blocks: int, threshold: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, model, str(n), str(mean_degree), str(blocks), str(threshold)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="people in the market")
    ap.add_argument("--mean-degree", type=float, default=20.0)
    ap.add_argument("--blocks", type=int, default=10, help="blocks (used by sbm)")
    ap.add_argument("--models", nargs="+", default=MODELS)
    ap.add_argument("--networkx", action="store_true", help="force the networkx generators (any n)")
    args = ap.parse_args(argv)
    threshold = 10**9 if args.networkx else 0
    path = "networkx" if args.networkx else "numpy"
    print(
        f"{'model':<18}{'path':<10}{'n':>11}{'seconds':>9}{'edges':>12}"
        f"{'mean deg':>9}{'max deg':>9}{'peak RSS +MB':>14}{'B/person':>10}{'M edges/s':>11}"
    )
    for model in args.models:
        r = run_one(model, args.n, args.mean_degree, args.blocks, threshold)
        print(
            f"{r['model']:<18}{path:<10}{r['n']:>11,}{r['seconds']:>9.2f}{r['edges']:>12,}"
            f"{r['mean_degree']:>9.2f}{r['max_degree']:>9,}{r['rss_mb']:>14.0f}"
            f"{r['rss_mb'] * 2**20 / r['n']:>10.0f}{r['edges'] / r['seconds'] / 1e6:>11.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
