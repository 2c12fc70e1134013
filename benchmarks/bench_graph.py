"""Build time and memory of the market graph builders.

Each (model, n) is built in a fresh child process so the peak-RSS figure belongs to that
build alone: the child imports growthsim, warms the numba kernels on a tiny graph, notes
its peak resident set, builds the graph (cache off) and reports the build's wall time and
the rise of the peak RSS.

    python benchmarks/bench_graph.py                 # 1,000,000 people, mean degree 20
    python benchmarks/bench_graph.py --n 200000 --models watts_strogatz sbm
    python benchmarks/bench_graph.py --n 100000 --networkx   # networkx path, as a baseline
    python benchmarks/bench_graph.py --compare       # numpy vs networkx, 1,000 / 10,000 / 100,000

Not a pass/fail test: it prints a table (peak bytes per person: the build's rise of the
peak RSS over the market size, what a 5*10^7 market's build needs scaled up).

``--compare`` builds each model with the numpy samplers (what ``build_graph`` uses) and
with the networkx generators (``build_graph(..., reference=True)``), side by side in one
run at each of ``--sizes``: CPU seconds per build (median of repeats in one child, the
two paths' children alternating), the networkx / numpy ratio and million edges a second.
networkx's sbm walks all n^2/2 pairs, so it is skipped above ``--sbm-nx-max`` people.
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
reference, reps = sys.argv[6] == "1", int(sys.argv[7])
spec = GraphSpec(model=model, mean_degree=mean_degree, blocks=blocks)
build_graph(spec, 2000, 0, numpy_threshold=100, reference=reference, cache=False)  # compile/load numba kernels
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
walls, cpus = [], []
for r in range(reps):
    t, c = time.perf_counter(), time.process_time()
    g = build_graph(spec, n, 1 + r, numpy_threshold=threshold, reference=reference, cache=False)
    walls.append(time.perf_counter() - t)
    cpus.append(time.process_time() - c)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
walls.sort()
cpus.sort()
print(json.dumps({"model": model, "n": n, "seconds": walls[reps // 2], "cpu": cpus[reps // 2],
                  "edges": g.edge_count, "mean_degree": g.mean_degree, "max_degree": int(g.degree().max()),
                  "rss_mb": (after - before) / 1024}))
"""


def run_one(
    model: str, n: int, mean_degree: float, blocks: int, threshold: int, reference: bool = False, reps: int = 1
) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            model,
            str(n),
            str(mean_degree),
            str(blocks),
            str(threshold),
            "1" if reference else "0",
            str(reps),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


COMPARED = ["erdos_renyi", "watts_strogatz", "sbm"]


def compare(sizes: list[int], models: list[str], mean_degree: float, blocks: int, sbm_nx_max: int) -> None:
    """numpy samplers vs networkx generators, side by side (see the module docstring)."""
    print(
        f"{'model':<16}{'n':>9}{'edges':>11}{'numpy s':>10}{'networkx s':>12}{'nx/numpy':>10}"
        f"{'numpy Me/s':>12}{'nx Me/s':>9}"
    )
    for model in models:
        for n in sizes:
            reps = max(3, min(25, 300_000 // n))
            skip_nx = model == "sbm" and n > sbm_nx_max
            got: dict[bool, dict] = {}
            for reference in (False, True) if not skip_nx else (False,):
                got[reference] = run_one(model, n, mean_degree, blocks, 0, reference, reps)
            a = got[False]
            line = f"{model:<16}{n:>9,}{a['edges']:>11,}{a['cpu']:>10.4f}"
            if skip_nx:
                line += f"{'(skipped)':>12}{'':>10}{a['edges'] / a['cpu'] / 1e6:>12.2f}{'':>9}"
            else:
                b = got[True]
                line += (
                    f"{b['cpu']:>12.4f}{b['cpu'] / a['cpu']:>9.1f}x"
                    f"{a['edges'] / a['cpu'] / 1e6:>12.2f}{b['edges'] / b['cpu'] / 1e6:>9.2f}"
                )
            print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="people in the market")
    ap.add_argument("--mean-degree", type=float, default=20.0)
    ap.add_argument("--blocks", type=int, default=10, help="blocks (used by sbm)")
    ap.add_argument("--models", nargs="+", default=MODELS)
    ap.add_argument("--networkx", action="store_true", help="force the networkx generators (any n)")
    ap.add_argument("--compare", action="store_true", help="numpy vs networkx side by side at --sizes")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="market sizes of --compare")
    ap.add_argument("--sbm-nx-max", type=int, default=20_000, help="largest market networkx's sbm builds in --compare")
    args = ap.parse_args(argv)
    if args.compare:
        models = [m for m in args.models if m in COMPARED] if args.models != MODELS else COMPARED
        compare(args.sizes, models, args.mean_degree, args.blocks, args.sbm_nx_max)
        return 0
    threshold = 10**9 if args.networkx else 0
    path = "networkx" if args.networkx else "numpy"
    print(
        f"{'model':<18}{'path':<10}{'n':>11}{'seconds':>9}{'edges':>12}"
        f"{'mean deg':>9}{'max deg':>9}{'peak RSS +MB':>14}{'B/person':>10}{'M edges/s':>11}"
    )
    for model in args.models:
        r = run_one(model, args.n, args.mean_degree, args.blocks, threshold, reference=args.networkx)
        print(
            f"{r['model']:<18}{path:<10}{r['n']:>11,}{r['seconds']:>9.2f}{r['edges']:>12,}"
            f"{r['mean_degree']:>9.2f}{r['max_degree']:>9,}{r['rss_mb']:>14.0f}"
            f"{r['rss_mb'] * 2**20 / r['n']:>10.0f}{r['edges'] / r['seconds'] / 1e6:>11.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
