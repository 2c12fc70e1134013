"""A batch's mornings and build against an older checkout: CPU time of the mornings (the
levers' Mesa events and standing orders) and of building the batch, per replicate-day, for
one ``CommunityBatch`` of ``--replicates`` replicates of ``scenarios/baseline.yaml`` at
``--size`` people x ``--days`` days; this tree and ``--baseline-src`` alternating in fresh
processes, best of ``--runs`` batches per process.

    python benchmarks/bench_mornings.py --baseline-src ../older-checkout/src [--rounds 2]

The mornings are timed around ``BatchMornings.run`` (the batch's one Mesa schedule) in a
tree that has it, around each model's ``run_until`` in one that does not (every model ran
its own mornings). CPU time, not wall time: on a shared machine it is the steadier measure
of the work done. Not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from bench_batch import baseline
import growthsim.model.batch as MB
from growthsim.model import community as C
from growthsim.runner import graph_for
acc = {"mornings": 0.0, "build": 0.0}
def wrap(obj, name, key):
    f = getattr(obj, name)
    def timed(*a, **k):
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            acc[key] += time.process_time() - t
    setattr(obj, name, timed)
try:
    from growthsim.model import batch_levers as BL
    wrap(BL.BatchMornings, "run", "mornings")
except ImportError:  # an older tree: each model runs its own mornings
    wrap(C.CommunityModel, "run_until", "mornings")
wrap(MB.CommunityBatch, "__init__", "build")
size, days, R, runs = (int(x) for x in sys.argv[2:6])
plan = baseline(size, days, R)
g = graph_for(plan)
MB.CommunityBatch(baseline(2000, 20, 2), replicates=range(2)).run()  # warm the kernels
best = {k: float("inf") for k in acc}
for _ in range(runs):
    for k in acc:
        acc[k] = 0.0
    MB.CommunityBatch(plan, replicates=range(R), graph=g).run()
    best = {k: min(best[k], acc[k] / (R * days)) for k in acc}
print(json.dumps(best))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-src", required=True)
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--replicates", type=int, default=7, help="one batch (7: runner.batch_size at 10,000 people)")
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args(argv)
    trees = {"this tree": os.path.join(os.path.dirname(HERE), "src"), "baseline": os.path.abspath(args.baseline_src)}
    best = {k: {"mornings": float("inf"), "build": float("inf")} for k in trees}
    loads = []
    for _ in range(args.rounds):
        for name, src in trees.items():
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _CHILD,
                    HERE,
                    str(args.size),
                    str(args.days),
                    str(args.replicates),
                    str(args.runs),
                ],
                env={**os.environ, "PYTHONPATH": src},
                capture_output=True,
                text=True,
                check=True,
            )
            t = json.loads(out.stdout.strip().splitlines()[-1])
            best[name] = {k: min(best[name][k], t[k]) for k in t}
            loads.append(os.getloadavg()[0])
            print(
                f"  {name}: mornings {t['mornings'] * 1e6:.1f}, build {t['build'] * 1e6:.1f} CPU us per replicate-day",
                flush=True,
            )
    print(f"\nload average (1 min) during the run: {min(loads):.1f} .. {max(loads):.1f} on {os.cpu_count()} CPUs")
    print(f"batch of {args.replicates}, {args.size:,} people x {args.days} days, best CPU us per replicate-day:")
    print("| part | baseline | this tree | baseline / this tree |\n| --- | ---: | ---: | ---: |")
    for k in ("mornings", "build"):
        a, b = best["baseline"][k], best["this tree"][k]
        print(f"| {k} | {a * 1e6:.1f} | {b * 1e6:.1f} | **{a / b:.2f}x** |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
