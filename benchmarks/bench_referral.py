"""The referral pass alone, on a synthetic day of a large market: this checkout's
``referral_pass`` against an older checkout's (``--baseline-src OLD/src``), the two
alternating on copies of one state, thread CPU time (steadier than wall time on a shared
machine).

State: a Watts–Strogatz graph of mean degree 20 (the numpy builder), 30% of people
members, 3.65% of people active today (sorted ids, the all-levers plan's mean at 10^6),
engagement uniform, invitation probability 0.03 times engagement, acceptance 0.2, no
room limit. Both versions must return the same counts.

With ``--chunked``, this checkout's claim-then-commit form
(:func:`growthsim.kernels.huge.referral`, chunks of ``huge.CHUNK`` active members) runs
too, at each ``--threads`` count (wall time, the pass being on threads), against the plain
pass measured the same way in the same process; its counts must be the plain pass's.

    python benchmarks/bench_referral.py --n 1000000 10000000 --baseline-src ../old/src
    NUMBA_NUM_THREADS=2 python benchmarks/bench_referral.py --n 10000000 --chunked --threads 1 2

Not a pass/fail test: prints ns per active member and the ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time

import numpy as np


def _load(path: str, name: str):
    spec = importlib.util.spec_from_file_location(name, os.path.join(path, "growthsim", "kernels", "daily.py"))
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[name] = mod  # numba's cache finds the module again by this name
    spec.loader.exec_module(mod)
    return mod


def run(mod, state, rules):
    """One call of ``mod.referral_pass`` on a copy of ``state``: (thread CPU s, counts)."""
    indptr, indices, mem0, g_ref, active = state
    n = mem0.status.shape[0]
    mem = type(mem0)(*[a.copy() for a in mem0])
    new_ids, acc = np.zeros(n, np.int64), np.zeros(n, np.int64)
    t = time.thread_time()
    out = mod.referral_pass(
        indptr, indices, mem, g_ref, active, new_ids, 0, acc, 0.03, 0.2, rules, 10**9, np.uint64(5), 7
    )
    return time.thread_time() - t, out


def run_chunked(state, rules, chunk: int):
    """One call of ``huge.referral`` (``chunk`` 0: the plain pass) on a copy of ``state``:
    (wall s, counts)."""
    from growthsim.kernels import huge

    indptr, indices, mem0, g_ref, active = state
    n = mem0.status.shape[0]
    mem = type(mem0)(*[a.copy() for a in mem0])
    new_ids, acc, pis = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n)
    t = time.perf_counter()
    out = huge.referral(
        indptr, indices, mem, g_ref, active, new_ids, 0, acc, 0.03, 0.2, rules, 10**9, np.uint64(5), 7, pis, chunk
    )
    return time.perf_counter() - t, out[:4]


def chunked_rows(state, rules, threads: list[int], repeats: int) -> None:
    import numba

    from growthsim.kernels import huge

    m = state[4].shape[0]
    plain = None
    for t in threads:
        numba.set_num_threads(t)
        run_chunked(state, rules, huge.CHUNK)  # compile
        best = {0: 1e9, huge.CHUNK: 1e9}
        outs = {}
        for _ in range(repeats):
            for ch in best:
                s, outs[ch] = run_chunked(state, rules, ch)
                best[ch] = min(best[ch], s)
        plain = plain or best[0]
        same = outs[0] == outs[huge.CHUNK]
        print(
            f"  {t} thread(s): plain pass {1e9 * best[0] / m:.0f} ns/active, chunked (claim-then-commit, "
            f"chunks of {huge.CHUNK:,}) {1e9 * best[huge.CHUNK] / m:.0f} ns/active, "
            f"plain at {threads[0]} thread / chunked {plain / best[huge.CHUNK]:.2f}x, same counts: {same}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--baseline-src", help="an older checkout's src folder (its kernels/daily.py)")
    ap.add_argument("--repeats", type=int, default=6)
    ap.add_argument("--chunked", action="store_true", help="also the chunked pass (kernels.huge) on threads")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="numba threads for --chunked")
    args = ap.parse_args(argv)
    if args.baseline_src:
        # the older module is compiled under another name: keep its numba cache apart
        os.environ.setdefault(
            "NUMBA_CACHE_DIR", os.path.join(os.path.abspath(args.baseline_src), ".bench_referral_cache")
        )
    from growthsim.graph.core import csr_from_edges
    from growthsim.graph.generators import ws_numpy
    from growthsim.kernels import daily as new
    from growthsim.kernels.state import Rules
    from growthsim.population import Population

    mods = {"this": new}
    if args.baseline_src:
        mods = {"baseline": _load(args.baseline_src, "baseline_daily"), "this": new}
    import typing

    hints = typing.get_type_hints(Rules)
    fields = {f: (0 if hints[f] is int else 0.0) for f in Rules._fields}
    fields.update(target=150, max_size=500, max_groups=10**9, vip_cat=1)
    rules = Rules(**fields)
    print(f"{'n':>12}{'active':>10}" + "".join(f"{k + ' ns/active':>22}" for k in mods) + f"{'ratio':>8}  same")
    for n in args.n:
        indptr, indices = csr_from_edges(n, *ws_numpy(n, 20, 0.1, np.random.default_rng(0)))
        rng = np.random.default_rng(1)
        mem0 = Population.empty(n, np.zeros(n, np.int32)).record()
        members = rng.random(n) < 0.3
        mem0.status[:] = np.where(members, 1, 0).astype(np.int8)
        mem0.eng[:] = rng.random(n).astype(np.float32)
        mem0.group[:] = np.where(members, rng.integers(0, 1000, n), -1)
        active = np.sort(rng.choice(np.flatnonzero(members), size=int(0.0365 * n), replace=False)).astype(np.int64)
        state = (indptr, indices, mem0, np.ones(1000), active)

        best, outs = {}, {}
        for mod in mods.values():
            run(mod, state, rules)  # compile
        for _ in range(args.repeats):
            for name, mod in mods.items():
                t, outs[name] = run(mod, state, rules)
                best[name] = min(best.get(name, 1e9), t)
        m = active.shape[0]
        ratio = best["baseline"] / best["this"] if "baseline" in best else float("nan")
        same = len({tuple(o) for o in outs.values()}) == 1
        print(f"{n:>12,}{m:>10,}" + "".join(f"{1e9 * best[k] / m:>22.0f}" for k in mods) + f"{ratio:>7.2f}x  {same}")
        if args.chunked:
            chunked_rows(state, rules, args.threads, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
