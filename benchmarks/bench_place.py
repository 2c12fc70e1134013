"""Member placement: ``place_members`` (cursor lists and lazy heaps) vs the first-fit scan
it replaced (``tests/helpers/placement.py``, compiled with numba), side by side in this
process, on a state like a large market's day: ``G`` ordinary groups near their target
of 150 (churn has left most a few members short) and ``1.5 G`` joiners to place (a
10^7-person market of the all-levers plan has ~20,000-60,000 groups). Each figure is the
best of ``--repeats`` calls on a fresh copy of the state (thread CPU time); both must put
everyone in the same group.

    python benchmarks/bench_place.py
    python benchmarks/bench_place.py --groups 2000 20000 60000 --repeats 3

Not a pass/fail test: prints a table (target: placement linear in the joiners).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import typing

import numpy as np


def state(G: int, n: int, seed: int):
    from growthsim.kernels.state import Groups
    from growthsim.population import Population

    rng = np.random.default_rng(seed)
    cap = 3 * G
    size = np.zeros(cap, np.int32)
    size[:G] = 150 - rng.binomial(3, 0.3, G)
    cat = np.full(cap, -1, np.int32)
    cat[:G] = 0
    grp = Groups(size, cat, np.zeros(cap, np.uint8), np.array([G], np.int64), np.full(2, G - 1, np.int64))
    return Population.empty(n, np.zeros(n, np.int32)).record(), grp


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--groups", type=int, nargs="+", default=[2_000, 20_000, 60_000])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
    from numba import njit

    from growthsim.kernels import daily as K
    from growthsim.kernels.state import Rules
    from helpers.placement import place_scan

    scan = njit(cache=False)(place_scan)
    hints = typing.get_type_hints(Rules)
    fields = {f: (0 if hints[f] is int else 0.0) for f in Rules._fields}
    fields.update(target=150, max_size=500, max_groups=10**9, vip_cat=1)
    rules = Rules(**fields)

    def run_scan(ids, cats, mem, grp):
        return scan(ids, cats, mem.group, mem.eng, mem.interest, *grp, rules)

    def run_new(ids, cats, mem, grp):
        return K.place_members(ids, cats, mem, grp, rules)

    print(f"{'groups':>8}{'joiners':>9}{'scan ms':>10}{'new ms':>9}{'scan / new':>12}{'new ns/joiner':>15}  same")
    prev = None
    for G in args.groups:
        m = 3 * G // 2
        ids, cats = np.arange(m, dtype=np.int64), np.zeros(m, np.int64)
        best, groups = {}, {}
        for name, fn in (("scan", run_scan), ("new", run_new)):
            fn(ids[:1], cats[:1], *state(G, m, 1))  # compile
            for _ in range(args.repeats):
                mem, grp = state(G, m, 1)
                t = time.thread_time()
                fn(ids, cats, mem, grp)
                best[name] = min(best.get(name, 1e9), time.thread_time() - t)
            groups[name] = mem.group.copy()
        same = np.array_equal(groups["scan"], groups["new"])
        print(
            f"{G:>8,}{m:>9,}{1e3 * best['scan']:>10.1f}{1e3 * best['new']:>9.2f}"
            f"{best['scan'] / max(best['new'], 1e-9):>11.0f}x{1e9 * best['new'] / m:>15.0f}  {same}"
        )
        if prev is not None:
            k = G / prev[0]
            print(
                f"{'':>8}x{k:g} groups and joiners: scan x{best['scan'] / prev[1]:.1f}, new x{best['new'] / prev[2]:.1f}"
            )
        prev = (G, best["scan"], best["new"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
