"""The one-replicate path against an older checkout: CPU time of one ``CommunityModel`` run
(``scenarios/baseline.yaml`` at ``--size`` people x ``--days`` days), this tree and
``--baseline-src`` alternating in fresh processes, best of ``--runs`` runs per process.

    python benchmarks/bench_single.py --baseline-src ../older-checkout/src [--rounds 3]

CPU time, not wall time: on a shared machine it is the steadier measure of the work done.
Not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

_CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from bench_batch import baseline
from growthsim.model.community import CommunityModel
from growthsim.runner import graph_for
plan = baseline(int(sys.argv[2]), int(sys.argv[3]), 1)
g = graph_for(plan)
CommunityModel(plan, graph=g).run()
best = 1e9
for r in range(int(sys.argv[4])):
    m = CommunityModel(plan, graph=g, replicate=r)
    c = time.process_time(); m.run(); best = min(best, time.process_time() - c)
print(best)
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-src", required=True)
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    trees = {"this tree": os.path.join(os.path.dirname(HERE), "src"), "baseline": os.path.abspath(args.baseline_src)}
    best = {k: float("inf") for k in trees}
    for _ in range(args.rounds):
        for name, src in trees.items():
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, HERE, str(args.size), str(args.days), str(args.runs)],
                env={**os.environ, "PYTHONPATH": src},
                capture_output=True,
                text=True,
                check=True,
            )
            t = float(out.stdout.strip().splitlines()[-1])
            best[name] = min(best[name], t)
            print(f"  {name}: {t * 1e3:.1f} ms CPU a run", flush=True)
    print(f"\nload average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"one replicate, {args.size:,} people x {args.days} days, best CPU ms a run: this tree "
        f"{best['this tree'] * 1e3:.1f}, baseline {best['baseline'] * 1e3:.1f}: "
        f"**{best['this tree'] / best['baseline']:.2f}x** the baseline's time"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
