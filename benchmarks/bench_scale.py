"""One replicate of a year at scale: wall time, peak memory, kernel throughput, phase shares.

For each market size (default 10^5 and 10^6 people, Watts–Strogatz graph of mean degree
20) a fresh child process builds the graph, builds a ``CommunityModel`` of a plan with every
lever on (two channels, five campaign kinds, staff, volunteer admins, external and
internal KOLs, VIP groups) and runs 365 days. The child reports

* wall time of the graph build, the model build and the 365-day run (numba kernels loaded
  from the cache and warmed on a tiny plan first, so no compilation is timed);
* peak resident memory (``resource.getrusage``) after each stage and the bytes held by
  the population arrays and the graph;
* the share of a day's time spent in each phase, timed by wrapping the kernel functions of
  ``growthsim.kernels.daily`` (which ``CommunityModel.step`` looks up at call time) and
  the model's ``_prepare_groups`` and ``DataCollector.collect``; "mornings + glue" is
  the rest (Mesa event scheduling, the levers' scheduled actions, Python between passes);
* referral throughput: edges of active members covered per second of ``referral_pass``
  (the pass draws only the invited neighbours, so these are edges covered, not each read),
  and members visited per second by the activity and churn passes (which visit the roster
  of placed members, not the whole market);
* each member pass's bytes against this machine's memory bandwidth, measured first in the
  parent (:func:`bandwidth`: a STREAM-style triad, one thread, arrays far larger than the
  caches, and the rate of independent random 64-byte line reads). A pass's byte bound is
  the bytes of the cache lines it must touch (:func:`lines_touched`: for each array it
  reads or writes, the expected distinct 64-byte lines that its visits, spread over the
  array, fall on; written lines count twice) divided by the stream bandwidth; the table
  gives the bytes/s achieved (those bytes over the pass's time) and the time over the
  bound. The visit counts come from each day's roster, active members and invitations
  (neighbours drawn: invitations over the day's share of outsiders, an estimate).

* threads: each size runs once per ``--threads`` count (default 1 and 2), each in its own
  child with ``NUMBA_NUM_THREADS`` set; from ``growthsim.kernels.huge.CHUNKED_MIN_PEOPLE``
  people one replicate's member passes run in chunks on those threads (the results are
  the same at any count: the children's time series are compared byte for byte). The
  bandwidth is measured at each thread count too (the triad on that many threads), and a
  last table puts the counts side by side: wall, peak RSS, each phase and the ratio.

The timing wrappers add one Python call per kernel call (~0.1 µs, a handful per day).

    python benchmarks/bench_scale.py                       # 10^5 and 10^6, 1 and 2 threads
    python benchmarks/bench_scale.py --sizes 100000 --days 180
    python benchmarks/bench_scale.py --sizes 10000000       # the 10^7 target (~3 GB a child)
    python benchmarks/bench_scale.py --sizes 10000000 --threads 2   # one thread count only
    python benchmarks/bench_scale.py --sizes 50000000 --memory-only 2   # peak memory only

Not a pass/fail test: prints a table (targets: 10^6 x 365 in 20 s and 2 GB; 10^7 x 365
in 30 s and 3 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections import defaultdict

TARGET_SECONDS = 20.0
TARGET_GB = 2.0
TARGET_7_SECONDS = 30.0
TARGET_7_GB = 3.0


def all_levers_plan(
    n: int, horizon: int = 365, mean_degree: float = 20.0, graph: str = "watts_strogatz", seed: int = 1
):
    """A plan with every lever on, scaled to a market of ``n`` people (the staff, reach and
    budgets grow with ``n`` so that the community stays comparable across sizes)."""
    from growthsim.scenario import Scenario

    s = n / 100_000
    return Scenario.model_validate(
        {
            "name": f"bench-{n}",
            "seed": seed,
            "horizon_days": horizon,
            "replicates": 1,
            "market": {"size": n, "graph": {"model": graph, "mean_degree": mean_degree}},
            "members": {
                "initial": max(20, n // 200),
                "organic_join_prob": 0.0001,
                "referral": {"invite_prob": 0.01, "accept_prob": 0.2},
            },
            "groups": {"target_size": 150, "vip": {"enabled": True, "start_day": 60}},
            "staff": {
                "admin": {"count": max(1, round(15 * s)), "groups_each": 3, "salary_per_month": 6000},
                "part_time_admin": {
                    "count": max(1, round(10 * s)),
                    "groups_each": 2,
                    "hours_per_day": 1,
                    "salary_per_month": 2000,
                },
            },
            "volunteer_admins": {"enabled": True, "start_day": 45, "max_total": max(2, round(20 * s))},
            "kols": {
                "expert": {"kind": "external", "schedule": {"per_week": 2}, "cost_per_post": 800},
                "insiders": {"kind": "internal", "count": 5, "schedule": {"per_week": 3}},
            },
            "campaigns": {
                "invite_reward": {"start_day": 14, "end_day": 120},
                "checkin_cashback": {"start_day": 30, "end_day": 200},
                "lottery": {"schedule": {"every_days": 30}},
                "flash_sale": {"schedule": {"start_day": 20, "every_days": 45}, "duration_days": 2},
                "lecture": {"schedule": {"start_day": 7, "every_days": 14}, "cost_per_event": 300},
            },
            "channels": {
                "ads": {
                    "daily_budget": 800 * s,
                    "max_reach": 3000 * s,
                    "half_saturation_spend": 500 * s,
                    "join_rate": 0.05,
                    "end_day": 180,
                },
                "content": {"kind": "content", "base_reach": 600 * s, "max_reach": 0, "join_rate": 0.03},
            },
        }
    )


PHASES = [
    "prepare groups",
    "acquisition",
    "activity",
    "referral",
    "conversion",
    "churn",
    "placement",
    "collect",
    "mornings + glue",
]


class Profiler:
    """Wraps the day's kernels with timers; ``seconds[phase]`` accumulates wall time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.edge_visits = 0
        self._undo: list[tuple[object, str, object]] = []

    def _wrap(self, owner, name: str, phase) -> None:
        fn = getattr(owner, name, None)
        if fn is None:  # not used by this version of the engine
            return
        seconds = self.seconds

        def timed(*args, **kwargs):
            t = time.perf_counter()
            out = fn(*args, **kwargs)
            seconds[phase(args) if callable(phase) else phase] += time.perf_counter() - t
            return out

        self._undo.append((owner, name, fn))
        setattr(owner, name, timed)

    def install(self, model) -> None:
        from growthsim.kernels import batch as KB
        from growthsim.kernels import daily as K

        # the day runs the batch wrappers (one replicate: kernels.batch.serial), looked up
        # on their namespace at each call; the one-replicate kernels below are still
        # called directly by older engines and by the model's own placement (VIP moves)
        for ns in (KB.serial, KB.parallel):
            for name, phase in (
                ("channel", "acquisition"),
                ("plain_joins", "acquisition"),
                ("activity", "activity"),
                ("referral", "referral"),
                ("wellmixed", "referral"),
                ("conversion", "conversion"),
                ("churn", "churn"),
                ("place", "placement"),
            ):
                self._wrap(ns, name, phase)
        for name in ("channel_pass", "replay_pass", "organic_pass"):
            self._wrap(K, name, "acquisition")
        for name in ("invite_weights", "referral_pass", "wellmixed_referral_pass", "credit_wellmixed_referrers"):
            self._wrap(K, name, "referral")
        self._wrap(K, "activity_pass", "activity")
        self._wrap(K, "conversion_pass", "conversion")
        self._wrap(K, "churn_pass", "churn")
        self._wrap(K, "place_members", "placement")
        self._wrap(K, "roster_add", "placement")
        self._wrap(model, "_prepare_groups", "prepare groups")
        self._wrap(model.datacollector, "collect", "collect")

    def uninstall(self) -> None:
        for owner, name, fn in reversed(self._undo):
            setattr(owner, name, fn)
        self._undo.clear()


_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from bench_scale import Profiler, all_levers_plan
from growthsim.graph import build_graph
from growthsim.model.community import CommunityModel

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

n, days, degree, graph = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
warm = all_levers_plan(3000, 120, 10.0, graph)
CommunityModel(warm, graph=build_graph(warm.market.graph, 3000, 1, cache=False)).run()
plan = all_levers_plan(n, days, degree, graph)
out = {"n": n, "days": days, "rss_start_mb": rss_mb()}
t = time.perf_counter()
g = build_graph(plan.market.graph, n, plan.seed, cache=False)
out["graph_s"] = time.perf_counter() - t
out["edges"] = g.edge_count
out["graph_mb"] = (g.indptr.nbytes + g.indices.nbytes + g.block.nbytes) / 2**20
out["rss_graph_mb"] = rss_mb()
t = time.perf_counter()
m = CommunityModel(plan, graph=g)
out["model_s"] = time.perf_counter() - t
out["pop_mb"] = m.pop.nbytes() / 2**20
out["rss_model_mb"] = rss_mb()
prof = Profiler()
prof.install(m)
deg = g.degree()
visits = 0
member_visits = 0
day_s = []
rosters = []
actives = []
step = m._user_step  # Mesa runs the model's step through this attribute
def counted_step():
    global visits, member_visits
    member_visits += int(getattr(m, "n_roster", n))
    rosters.append(int(getattr(m, "n_roster", n)))
    t0 = time.perf_counter()
    step()
    day_s.append(time.perf_counter() - t0)
    if m.counters:
        k = int(m.counters["active"])
        actives.append(k)
        visits += int(deg[m._active[:k]].sum())
m._user_step = counted_step
t = time.perf_counter()
m.run()
out["run_s"] = time.perf_counter() - t
prof.uninstall()
out["rss_run_mb"] = rss_mb()
out["phases"] = dict(prof.seconds)
out["steps_s"] = sum(day_s)
out["edge_visits"] = visits
out["member_visits"] = member_visits
ts = m.timeseries()
out["members_end"] = int(ts["members"].iloc[-1])
out["members_max"] = int(ts["members"].max())
out["active_mean"] = float(ts["active"].mean())
out["members_ever"] = int(m.scalars()["members_ever"])
out["rosters"] = rosters
out["actives"] = actives
joined = int(plan.members.initial) + ts["new_members"].cumsum().to_numpy()
out["outsider_share"] = np.maximum(1.0 - (joined - ts["new_members"].to_numpy()) / n, 1e-9).tolist()
out["invites"] = ts["invites_sent"].astype(int).tolist()
out["orders"] = int(ts["purchases"].sum())
out["new_members"] = int(ts["new_members"].sum())
out["indices_bytes"] = int(g.indices.nbytes)
import hashlib, numba
out["ts_sha256"] = hashlib.sha256(ts.to_numpy().tobytes()).hexdigest()
out["threads"] = numba.get_num_threads()
from growthsim.kernels.state import C_CHUNK
out["chunk"] = int(m._counts[C_CHUNK])
print(json.dumps(out))
"""


LINE = 64  # bytes per cache line


def bandwidth(mb: int = 256, repeats: int = 5, threads: int = 1) -> dict:
    """This machine's memory bandwidth on ``threads`` numba threads (the triad; the random
    line reads on one thread): a STREAM triad ``a = b + s c`` over
    float64 arrays of ``mb`` MB each (24 bytes moved per element, the STREAM convention:
    no write-allocate), and the rate of independent random 64-byte line reads (a gather
    of one float64 per line at random lines of a ``mb`` MB array, the pattern of a pass
    that visits scattered people). Best of ``repeats``. Returns bytes/s."""
    import numba
    import numpy as np
    from numba import njit, prange

    @njit(cache=False, parallel=True)
    def triad(a, b, c, s):
        for i in prange(a.shape[0]):
            a[i] = b[i] + s * c[i]

    @njit(cache=False)
    def gather(x, idx):
        t = 0.0
        for k in range(idx.shape[0]):
            t += x[idx[k]]
        return t

    numba.set_num_threads(threads)
    n = mb * 2**20 // 8
    b = np.random.default_rng(0).random(n)
    c = b[::-1].copy()
    a = np.empty_like(b)
    triad(a[:10], b[:10], c[:10], 0.5)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        triad(a, b, c, 0.5)
        best = min(best, time.perf_counter() - t)
    stream = 24 * n / best
    idx = np.random.default_rng(1).integers(0, n // 8, size=n // 16) * 8
    gather(b, idx[:10])
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        gather(b, idx)
        best = min(best, time.perf_counter() - t)
    return {"stream": stream, "random_lines": LINE * idx.shape[0] / best}


def lines_touched(array_bytes: float, itemsize: int, visits: float) -> float:
    """Expected bytes of distinct cache lines that ``visits`` accesses, spread uniformly
    over an array of ``array_bytes`` (elements of ``itemsize``), fall on: ``L (1 -
    exp(-v / L))`` lines of an ``L``-line array (about ``v`` lines when sparse, all ``L``
    when every element is read)."""
    import math

    L = max(1.0, array_bytes / LINE)
    if visits <= 0:
        return 0.0
    return LINE * L * -math.expm1(-visits / L)


def pass_bytes(r: dict) -> dict[str, float]:
    """The bytes of the lines each member pass must touch over the run (see the module
    docstring): the member fields it reads (x1) and writes (x2) at the people it visits,
    and its dense id lists. Per day: activity and churn visit the roster (placed
    members), activity's active branch, referral and conversion the active members,
    referral's neighbour reads the drawn neighbours."""
    n = r["n"]
    tot = {"activity": 0.0, "referral": 0.0, "churn": 0.0, "conversion": 0.0}
    for v, a, inv, out in zip(r["rosters"], r["actives"], r["invites"], r["outsider_share"]):

        def f(size, visits, rw=1):
            return rw * lines_touched(n * size, size, visits)

        # activity: status, group, prop r; eng, interest, streak rw (roster); the active
        # branch: join_day r; early, score, points, last_active, last_seen, active_days rw;
        # the roster read, the active list written
        tot["activity"] += f(1, v) + 2 * f(4, v) + f(4, v) + 3 * f(4, v, 2)
        tot["activity"] += f(4, a) + f(8, a, 2) + 5 * f(4, a, 2) + 8 * v + 16 * a
        # referral: eng, group, boost and the row bounds of each active member, the
        # active list; a drawn neighbour's entry in indices and their status
        drawn = inv / out
        tot["referral"] += 3 * f(4, a) + f(8, a) + 8 * a
        tot["referral"] += lines_touched(r["indices_bytes"], 4, drawn) + f(1, drawn)
        # churn: status, last_seen, score, tier rw; group, active_days, eng, vip,
        # accepted, purchases, paying, last_active r; the roster read and rewritten
        tot["churn"] += f(1, v, 2) + f(4, v, 2) + f(4, v, 2) + f(1, v, 2)
        tot["churn"] += 4 * f(4, v) + f(4, v) + f(1, v) * 2 + f(4, v) + 16 * v
        # conversion: eng, paying, vip of the active members, the active list
        tot["conversion"] += f(4, a) + 2 * f(1, a) + 8 * a
    return tot


_MEM_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from bench_scale import all_levers_plan
from growthsim.graph import build_graph
from growthsim.model.community import CommunityModel

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

n, days, degree, graph = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
warm = all_levers_plan(3000, 365, 10.0, graph)
CommunityModel(warm, graph=build_graph(warm.market.graph, 3000, 1, cache=False)).run()
out = {"n": n, "days": days, "rss_start_mb": rss_mb()}
plan = all_levers_plan(n, 365, degree, graph)
t = time.perf_counter()
g = build_graph(plan.market.graph, n, plan.seed, cache=False)
out["graph_s"] = time.perf_counter() - t
out["rss_graph_mb"] = rss_mb()
m = CommunityModel(plan, graph=g)
out["rss_model_mb"] = rss_mb()
t = time.perf_counter()
for _ in range(days):
    m.step()
out["days_s"] = time.perf_counter() - t
out["rss_run_mb"] = rss_mb()
print(json.dumps(out))
"""


def memory_size(n: int, days: int, degree: float, graph: str) -> dict:
    """Peak memory of a market of ``n`` people: graph, model and the first ``days`` days
    of the 365-day plan (arrays are sized by the market, so the peak is reached early)."""
    here = os.path.dirname(os.path.abspath(__file__))
    res = subprocess.run(
        [sys.executable, "-c", _MEM_CHILD, here, str(n), str(days), str(degree), graph], capture_output=True, text=True
    )
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        raise SystemExit(f"memory child for n={n} failed")
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_size(n: int, days: int, degree: float, graph: str, threads: int | None = None) -> dict:
    """One child's run of ``n`` people (``threads``: its ``NUMBA_NUM_THREADS``)."""
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ)
    if threads is not None:
        env["NUMBA_NUM_THREADS"] = str(threads)
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, here, str(n), str(days), str(degree), graph],
        capture_output=True,
        text=True,
        env=env,
    )
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        raise SystemExit(f"benchmark child for n={n} failed")
    return json.loads(res.stdout.strip().splitlines()[-1])


def machine() -> str:
    import mesa
    import numba
    import numpy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs; Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"numba {numba.__version__}, mesa {mesa.__version__}; NUMBA_NUM_THREADS="
        f"{os.environ.get('NUMBA_NUM_THREADS', 'default')}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--mean-degree", type=float, default=20.0)
    ap.add_argument("--graph", default="watts_strogatz")
    ap.add_argument(
        "--repeats", type=int, default=1, help="child processes per size; the one with the fastest run is reported"
    )
    ap.add_argument("--json", help="also write the raw figures to this file")
    ap.add_argument("--bandwidth-mb", type=int, default=256, help="array size of the bandwidth measurement")
    ap.add_argument(
        "--threads", type=int, nargs="+", default=[1, 2], help="numba thread counts, one child each (default 1 2)"
    )
    ap.add_argument(
        "--memory-only",
        type=int,
        metavar="DAYS",
        help="only the peak memory: graph, model and the first DAYS days of each size (e.g. 5*10^7)",
    )
    args = ap.parse_args(argv)
    if args.memory_only is not None:
        for n in args.sizes:
            r = memory_size(n, args.memory_only, args.mean_degree, args.graph)
            per = 2**20 / n
            print(
                f"n = {n:,}: peak RSS start {r['rss_start_mb']:.0f} MB, after graph {r['rss_graph_mb']:.0f} MB "
                f"({r['graph_s']:.1f} s), after model {r['rss_model_mb']:.0f} MB, after {r['days']} days "
                f"{r['rss_run_mb']:.0f} MB ({r['days_s']:.1f} s); above start: graph build "
                f"{(r['rss_graph_mb'] - r['rss_start_mb']) * per:.0f} B a person, all "
                f"{(r['rss_run_mb'] - r['rss_start_mb']) * per:.0f} B a person"
            )
        return 0
    print(f"machine: {machine()}")
    bws = {t: measure_bandwidth(args.bandwidth_mb, t) for t in args.threads}
    for t, bw in bws.items():
        print(
            f"memory bandwidth ({t} thread{'s' if t > 1 else ''}): stream triad {bw['stream'] / 1e9:.1f} GB/s, "
            f"random 64-byte lines (1 thread) {bw['random_lines'] / 1e9:.2f} GB/s "
            f"({bw['random_lines'] / LINE / 1e6:.0f} M lines/s)"
        )
    try:
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    except OSError:
        pass
    print(f"plan: all levers on, graph {args.graph} mean degree {args.mean_degree:g}, {args.days} days\n")
    rows = []
    for n in args.sizes:
        by_t = {}
        for t in args.threads:
            runs = [run_size(n, args.days, args.mean_degree, args.graph, t) for _ in range(args.repeats)]
            r = min(runs, key=lambda x: x["run_s"])
            if args.repeats > 1:
                print(
                    f"n = {n:,}, {t} thread(s): {args.repeats} runs of {args.days} days: "
                    + ", ".join(f"{x['run_s']:.2f} s" for x in runs)
                    + " (fastest below)"
                )
            report(r, bws[t], args.days)
            rows.append(r)
            by_t[t] = r
        if len(by_t) > 1:
            side_by_side(n, by_t, args.days)
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump({"machine": machine(), "bandwidth": bws, "rows": rows}, f, indent=1)
        os.replace(args.json + ".tmp", args.json)
    return 0


def measure_bandwidth(mb: int, threads: int) -> dict:
    """:func:`bandwidth` in a child process (the parent's peak memory would be inherited
    by the benchmark children: ru_maxrss survives fork + exec)."""
    res = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys; sys.path.insert(0, sys.argv[1]); from bench_scale import bandwidth; "
            "print(json.dumps(bandwidth(int(sys.argv[2]), threads=int(sys.argv[3]))))",
            os.path.dirname(os.path.abspath(__file__)),
            str(mb),
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NUMBA_NUM_THREADS": str(max(threads, 1))},
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def report(r: dict, bw: dict, days: int) -> None:
    """One child's figures: sizes, times, memory, phases, throughput, bytes against the
    bandwidth measured at the child's thread count."""
    n = r["n"]
    chunked = f"member passes in chunks of {r['chunk']:,}" if r.get("chunk") else "member passes not chunked"
    print(f"n = {n:,}, {r.get('threads', '?')} numba thread(s), {chunked}:")
    print(
        f"  edges {r['edges']:,}; members at end {r['members_end']:,} "
        f"(max {r['members_max']:,}, ever {r['members_ever']:,}), mean active/day {r['active_mean']:,.0f}"
    )
    from growthsim.graph import NUMPY_THRESHOLD

    path = "numpy" if n > NUMPY_THRESHOLD else "networkx"
    print(
        f"  graph build {r['graph_s']:.2f} s ({path}) | model build {r['model_s']:.2f} s | "
        f"{days} days {r['run_s']:.2f} s ({1000 * r['run_s'] / days:.2f} ms/day) | "
        f"total {r['graph_s'] + r['model_s'] + r['run_s']:.2f} s"
    )
    print(
        f"  peak RSS: start {r['rss_start_mb']:.0f} MB, after graph {r['rss_graph_mb']:.0f} MB, "
        f"after model {r['rss_model_mb']:.0f} MB, after run {r['rss_run_mb']:.0f} MB "
        f"(graph arrays {r['graph_mb']:.0f} MB, population arrays {r['pop_mb']:.0f} MB)"
    )
    ph = phases(r)
    print(f"  {'phase':<16}{'seconds':>9}{'share':>8}{'ms/day':>9}")
    for name in PHASES:
        v = ph.get(name, 0.0)
        print(f"  {name:<16}{v:9.2f}{100 * v / r['run_s']:7.1f}%{1000 * v / days:9.2f}")
    ref = r["phases"].get("referral", 0.0)
    if ref > 0:
        print(
            f"  referral: {r['edge_visits']:,} edges of active members covered, "
            f"{r['edge_visits'] / ref / 1e6:.1f} M edges/s"
        )
    scans = r["member_visits"]
    for name in ("activity", "churn"):
        v = r["phases"].get(name, 0.0)
        if v > 0:
            print(f"  {name}: {scans:,} member visits, {scans / v / 1e6:.0f} M members/s")
    by_pass = pass_bytes(r)
    print(
        f"  {'pass':<12}{'GB touched':>11}{'GB/s':>8}{'of stream':>10}"
        f"{'bound s':>9}{'time / bound':>13}{'ns per visit':>13}"
    )
    visits_of = {
        "activity": sum(r["rosters"]),
        "churn": sum(r["rosters"]),
        "referral": sum(r["actives"]),
        "conversion": sum(r["actives"]),
    }
    for name, b in by_pass.items():
        t = r["phases"].get(name, 0.0)
        if t <= 0 or b <= 0:
            continue
        bound = b / bw["stream"]
        print(
            f"  {name:<12}{b / 1e9:11.2f}{b / t / 1e9:8.2f}{100 * b / t / bw['stream']:9.0f}%"
            f"{bound:9.3f}{t / bound:12.1f}x{1e9 * t / max(1, visits_of[name]):13.1f}"
        )
    r["bandwidth"] = bw
    r["pass_bytes"] = by_pass
    total = r["graph_s"] + r["model_s"] + r["run_s"]
    if n >= 10_000_000:
        print(
            f"  target {TARGET_7_SECONDS:.0f} s / {TARGET_7_GB:.0f} GB for 10^7 x 365: run {r['run_s']:.1f} s "
            f"(with graph and model build {total:.1f} s), peak RSS {r['rss_run_mb'] / 1024:.2f} GB"
        )
    elif n >= 1_000_000:
        print(
            f"  target {TARGET_SECONDS:.0f} s / {TARGET_GB:.0f} GB for 10^6 x 365: run {r['run_s']:.1f} s "
            f"(with graph and model build {total:.1f} s), peak RSS {r['rss_run_mb'] / 1024:.2f} GB"
        )
    print()


def phases(r: dict) -> dict[str, float]:
    """The phase seconds of a child, "mornings + glue" the rest of the run."""
    ph = dict(r["phases"])
    ph["mornings + glue"] = max(0.0, r["run_s"] - sum(ph.values()))
    return ph


def side_by_side(n: int, by_t: dict[int, dict], days: int) -> None:
    """The thread counts of one size side by side: seconds, the first count's time over
    each's (the speed-up), and whether the time series are the same bytes."""
    ts = list(by_t)
    base = by_t[ts[0]]
    same = len({r["ts_sha256"] for r in by_t.values()}) == 1
    print(f"n = {n:,} x {days} days, threads side by side (ratio: {ts[0]} thread(s) / t threads):")
    head = "".join(f"{str(t) + ' thr s':>11}" + (f"{'ratio':>7}" if t != ts[0] else "") for t in ts)
    print(f"  {'':<16}{head}")

    def line(label: str, get) -> None:
        cells = ""
        for t in ts:
            v = get(by_t[t])
            cells += f"{v:11.2f}"
            if t != ts[0]:
                cells += f"{get(base) / v if v > 0 else float('nan'):6.2f}x"
        print(f"  {label:<16}{cells}")

    line(f"{days} days", lambda r: r["run_s"])
    for name in PHASES:
        line(name, lambda r, name=name: phases(r).get(name, 0.0))
    print(
        "  peak RSS GB     "
        + "".join(f"{by_t[t]['rss_run_mb'] / 1024:11.2f}" + ("       " if t != ts[0] else "") for t in ts)
    )
    print(f"  time series identical at {', '.join(map(str, ts))} threads: {same}\n")


if __name__ == "__main__":
    sys.exit(main())
