"""Running every point x replicate of an experiment, locally or on a Dask cluster.

Execution: runs are grouped into small batches (runs that share a graph spec stay
together, so a worker builds each market graph once, and so do points whose plans a
``CommunityBatch`` can hold together); each batch is one Dask task, whose runs that share
a plan are stepped together (:mod:`growthsim.experiments.batched`; ``engine="serial"``:
one run after another, the same table bit for bit). By
default a ``dask.distributed.LocalCluster`` with one single-threaded worker process per
core is started; ``scheduler="tcp://host:8786"`` uses an existing cluster unchanged;
``workers=0`` runs everything in this process (no Dask).

Output folder (written atomically, file by file)::

    OUT/manifest.json     the experiment, its fingerprint, design size, outputs
    OUT/design.parquet    one row per point: point + factor values
    OUT/parts/            results-<run>.parquet / series-<run>.parquet, one pair per
                          finished batch (the checkpoint; a killed sweep keeps them)
    OUT/results.parquet   one row per run (see :func:`run_sweep`)
    OUT/series.parquet    one row per run x day, when daily series were requested
    OUT/summary.json      counts of runs, failures, wall time, throughput

``resume=OUT`` reads the parts already there and runs only the missing runs: a run is
done when a results part holding it exists; parts are never half written, and the final
table drops any duplicate, so no run is lost or counted twice.

Reproducing one run: row ``seed`` = S and the point's factor values V give
``simulate(apply_overrides(plan, V), seed=S, replicate=0)``, i.e.
``growthsim run scenario.yaml --seed S --replicates 1`` with V set in the file.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from growthsim.errors import UserError, located
from growthsim.experiments.design import DesignTable, expand, expected_points, run_table
from growthsim.experiments.schema import HARD_MAX_RUNS, Experiment, load_experiment
from growthsim.i18n import _
from growthsim.io import atomic_write_bytes
from growthsim.metrics.kpis import replicate_kpis
from growthsim.scenario import apply_overrides

RunFn = Callable[..., Any]  # (scenario, seed=int, replicate=int) -> RunResult


class SweepError(UserError):
    """A sweep that cannot start or resume as asked."""


# --------------------------------------------------------------------------- one run


def default_run_fn(scenario: Any, seed: int, replicate: int = 0) -> Any:
    """``growthsim.runner.simulate`` (imported lazily so workers import it themselves)."""
    from growthsim.runner import simulate

    return simulate(scenario, seed=seed, replicate=replicate)


def compute_kpis(result: Any) -> dict[str, float]:
    """KPIs of one run: :func:`growthsim.metrics.kpis.replicate_kpis` as floats."""
    k = replicate_kpis(result.timeseries, result.scalars, result.cohorts, result.scenario, ledger=result.ledger)
    return {str(n): _as_float(v) for n, v in dict(k).items()}


def _as_float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


ENGINES = ("batch", "serial")


@dataclass
class RunSpec:
    """What every task needs besides its runs (shipped to each worker once).

    ``engine``: ``"batch"`` runs a task's runs that share a plan (or plans differing only
    in per-replicate member rules) stepped together in a
    :class:`growthsim.model.batch.CommunityBatch`, their KPIs computed at once (see
    :mod:`growthsim.experiments.batched`); ``"serial"`` runs one model after another.
    Same rows either way, bit for bit. A custom ``run_fn`` always runs one run at a time.
    ``extra_kpi_fn``: more figures of one run, added after its KPIs (either engine)."""

    base: Any
    factor_names: list[str]
    kpis: list[str]
    series: list[str]
    run_fn: RunFn = default_run_fn
    kpi_fn: Callable[[Any], dict[str, float]] | None = None  # default: compute_kpis
    extra_kpi_fn: Callable[[Any], dict[str, float]] | None = None
    engine: str = "batch"


Task = tuple[int, int, int, int, dict[str, Any]]  # run, point, replicate, seed, overrides
SeriesCols = dict[str, np.ndarray]  # one run's daily series: day + the asked columns


def run_one(spec: RunSpec, task: Task) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Run one task; any exception is caught and recorded with the run."""
    row, cols = _run_one_cols(spec, task)
    return row, _series_frame([task[0]], [cols] if cols is not None else [])


def _run_one_cols(spec: RunSpec, task: Task) -> tuple[dict[str, Any], SeriesCols | None]:
    run, point, rep, seed, overrides = task
    try:
        plan = apply_overrides(spec.base, overrides) if overrides else spec.base
        result = spec.run_fn(plan, seed=seed, replicate=0)
    except Exception as exc:  # noqa: BLE001 - a failing run is data, not a crash
        return _error_row(task, exc), None
    return finish_run(spec, task, result)


def _error_row(task: Task, exc: BaseException, row: dict[str, Any] | None = None) -> dict[str, Any]:
    row = row if row is not None else {"run": task[0], "point": task[1], "replicate": task[2], "seed": task[3]}
    row["status"] = "error"
    row["error"] = f"{type(exc).__name__}: {exc}"[:2000]
    return row


def finish_run(
    spec: RunSpec, task: Task, result: Any, kpis: dict[str, float] | None = None
) -> tuple[dict[str, Any], SeriesCols | None]:
    """The result row and daily series of one run that has run (``kpis``: its KPIs when
    already computed, e.g. for a whole batch at once; else ``spec.kpi_fn`` or
    :func:`compute_kpis`). An exception is recorded with the run."""
    run, point, rep, seed, _overrides = task
    row: dict[str, Any] = {"run": run, "point": point, "replicate": rep, "seed": seed}
    try:
        if kpis is None:
            kpis = (spec.kpi_fn or compute_kpis)(result)
        if spec.extra_kpi_fn is not None:
            kpis = {**kpis, **spec.extra_kpi_fn(result)}
        names = spec.kpis or sorted(kpis)
        missing = [n for n in names if n not in kpis]
        if missing:
            raise KeyError(f"unknown KPI {', '.join(missing)}; available: {', '.join(sorted(kpis))}")
        for n in names:
            row[n] = kpis[n]
        series = None
        if spec.series:
            ts = result.timeseries
            series = {"day": ts["day"].to_numpy(dtype=np.int64)}
            for s in spec.series:
                if s in ts.columns:
                    series[s] = ts[s].to_numpy(dtype=float)
                elif s.startswith(("new_", "cost_")):  # a source / category this plan lacks
                    series[s] = np.zeros(len(ts))
                else:
                    raise KeyError(f"the run has no daily series {s!r}")
        row["status"] = "ok"
        row["error"] = ""
    except Exception as exc:  # noqa: BLE001 - a failing run is data, not a crash
        return _error_row(task, exc, row), None
    return row, series


def _series_frame(runs: list[int], cols: list[SeriesCols]) -> pd.DataFrame | None:
    """The daily series of runs ``runs`` (``cols``: each run's arrays, same keys) as one
    frame ``run, day, <series>...``, built column by column."""
    if not cols:
        return None
    lens = [len(c["day"]) for c in cols]
    data: dict[str, Any] = {"run": np.repeat(np.asarray(runs, dtype=np.int64), lens)}
    for k in cols[0]:
        data[k] = np.concatenate([c[k] for c in cols])
    return pd.DataFrame(data)


def run_batch(spec: RunSpec, tasks: list[Task]) -> tuple[list[dict[str, Any]], pd.DataFrame | None]:
    """Run a batch of tasks; returns result rows (in the order of ``tasks``) and the
    stacked series. On the batched engine, runs that share a plan are stepped together
    (:func:`growthsim.experiments.batched.run_tasks`); a batch that raises is run again
    one run at a time, so a failing run is recorded alone."""
    if spec.engine not in ENGINES:
        raise ValueError(
            _("engine must be one of {engines}, got {engine!r}").format(engines=ENGINES, engine=spec.engine)
        )
    if spec.engine == "batch" and spec.run_fn is default_run_fn:
        from growthsim.experiments.batched import run_tasks

        got = run_tasks(spec, tasks)
    else:
        got = [_run_one_cols(spec, t) for t in tasks]
    rows = [r for r, _ in got]
    with_series = [(t[0], s) for t, (_, s) in zip(tasks, got) if s is not None]
    return rows, _series_frame([r for r, _ in with_series], [s for _, s in with_series])


def _warmup(spec: RunSpec) -> str:
    """Once per worker: one thread per numba kernel, a tiny run so kernels compile (or
    load from numba's on-disk cache), and the base plan's market graph built into the
    process's graph cache when no factor changes the market."""
    import numba

    numba.set_num_threads(1)
    if spec.run_fn is not default_run_fn:
        return "skipped"
    try:
        b = spec.base
        size = min(b.market.size, 300)
        small = {"market.size": size, "members.initial": min(b.members.initial, size // 2)}
        try:
            tiny = apply_overrides(b, {**small, "horizon_days": min(b.horizon_days, 5)})
        except UserError:  # schedules past a short horizon: keep the plan's horizon
            tiny = apply_overrides(b, small)
        default_run_fn(tiny, seed=0, replicate=0)
        if spec.engine == "batch":  # the batch kernels (several replicates a call) too
            from growthsim.experiments.batched import _simulate

            _simulate([tiny, tiny], [0, 1])
        if not any(f.startswith("market.") for f in spec.factor_names):
            from growthsim.runner import graph_for

            graph_for(b)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - warm-up is best effort
        return f"failed: {exc}"


# --------------------------------------------------------------------------- files


def _frame_bytes(df: pd.DataFrame) -> bytes:
    import io

    df = df.copy()
    df.attrs = {}
    for c in df.columns:
        if df[c].dtype == object and c != "error" and c != "status":
            if not all(isinstance(v, str) for v in df[c]):
                df[c] = df[c].map(str)
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    atomic_write_bytes(path, _frame_bytes(df))


def write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=2, sort_keys=True, default=str) + "\n").encode())


def _read_parts(parts: Path, prefix: str) -> pd.DataFrame:
    files = sorted(parts.glob(f"{prefix}-*.parquet"))
    frames = [
        _read_table(f, f"checkpoint ({prefix} part)", ("run",), "; delete it and resume: its runs will be run again")
        for f in files
    ]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def done_runs(out: Path) -> set[int]:
    """Runs with a results part in ``OUT/parts``."""
    res = _read_parts(Path(out) / "parts", "results")
    return set(int(r) for r in res["run"]) if len(res) else set()


# --------------------------------------------------------------------------- sweep


@dataclass
class SweepPlan:
    """An expanded experiment, ready to run."""

    experiment: Experiment
    design: DesignTable
    runs: pd.DataFrame

    @property
    def n_runs(self) -> int:
        return len(self.runs)

    def manifest(self) -> dict[str, Any]:
        exp = self.experiment
        return {
            "experiment": exp.name,
            "experiment_file": str(exp.path) if exp.path else None,
            "fingerprint": exp.fingerprint(),
            "design": exp.spec.design.model_dump(),
            "factors": exp.factor_names,
            "kinds": exp.kinds,
            "n_points": self.design.n_points,
            "replicates": exp.spec.replicates,
            "n_runs": self.n_runs,
            "seed": exp.spec.seed,
            "kpis": exp.spec.outputs.kpis,
            "series": exp.spec.outputs.series,
            "run_numbering": "run = point * replicates + replicate",
            "seed_rule": "SeedSequence(seed, spawn_key=(point, replicate)).generate_state(1, uint64)[0] & (2**63-1)",
        }


def plan_sweep(experiment: Experiment | str | Path, yes: bool = False) -> SweepPlan:
    """Load (if a path) and expand an experiment; refuse more than ``max_runs`` runs
    unless ``yes``. Nothing runs."""
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    n_expected = expected_points(exp) * exp.spec.replicates  # Python ints: no overflow
    if n_expected > HARD_MAX_RUNS:
        raise SweepError(
            located(
                str(exp.path) if exp.path else None,
                exp.lines.get(("design",)),
                "design",
                _(
                    "the {design} design gives {n} runs ({points} points x {reps} replicates), more than the "
                    "{most} one sweep can hold (even with --yes); use fewer levels, samples or replicates"
                ).format(
                    design=exp.spec.design.type,
                    n=f"{n_expected:,}",
                    points=f"{expected_points(exp):,}",
                    reps=exp.spec.replicates,
                    most=f"{HARD_MAX_RUNS:,}",
                ),
            )
        )
    if n_expected > exp.spec.max_runs and not yes:
        file = str(exp.path) if exp.path else None
        raise SweepError(
            located(
                file,
                exp.lines.get(("max_runs",)) or exp.lines.get(("design",)),
                "max_runs",
                _(
                    "the {design} design gives {n} runs ({points} points x {reps} replicates), more than "
                    "max_runs = {most}; pass --yes (yes=True) or raise max_runs"
                ).format(
                    design=exp.spec.design.type,
                    n=n_expected,
                    points=expected_points(exp),
                    reps=exp.spec.replicates,
                    most=exp.spec.max_runs,
                ),
            )
        )
    design = expand(exp)
    return SweepPlan(experiment=exp, design=design, runs=run_table(exp, design))


def _tasks(plan: SweepPlan, todo: Iterable[int]) -> list[Task]:
    names = plan.experiment.factor_names
    runs = plan.runs
    out: list[Task] = []
    for r in todo:
        row = runs.iloc[int(r)]
        ov = plan.design.overrides(int(row["point"]), names)
        out.append((int(row["run"]), int(row["point"]), int(row["replicate"]), int(row["seed"]), ov))
    # runs that share a market (graph spec) go together, so each worker builds it once;
    # within a market, points whose plans differ only in per-replicate member rules go
    # together (a point's replicates are neighbours already), so a task's runs share batches
    out.sort(
        key=lambda t: (
            json.dumps({k: v for k, v in t[4].items() if k.startswith("market.")}, sort_keys=True, default=str),
            json.dumps({k: v for k, v in t[4].items() if not _per_replicate(k)}, sort_keys=True, default=str),
            t[0],
        )
    )
    return out


def _per_replicate(path: str) -> bool:
    """Whether an override path is a member rule a batch keeps per replicate
    (:data:`growthsim.model.batch.PER_REPLICATE`)."""
    from growthsim.model.batch import PER_REPLICATE

    node: Any = PER_REPLICATE
    for part in path.split("."):
        if node is None:
            return True
        if isinstance(node, tuple):
            return part in node
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return node is None


def _batches(tasks: list[Task], size: int) -> list[list[Task]]:
    return [tasks[i : i + size] for i in range(0, len(tasks), size)]


def _assemble(plan: SweepPlan, rows: pd.DataFrame) -> pd.DataFrame:
    exp = plan.experiment
    if not len(rows):
        rows = pd.DataFrame(columns=["run", "point", "replicate", "seed", "status", "error"])
    rows = rows.drop_duplicates("run", keep="first").sort_values("run", kind="stable")
    pts = plan.design.points
    df = rows.merge(pts, on="point", how="left")
    fixed = ["run", "point", "replicate", "seed"]
    kpi_cols = [c for c in rows.columns if c not in fixed + ["status", "error"]]
    if exp.spec.outputs.kpis:
        kpi_cols = [k for k in exp.spec.outputs.kpis] + [c for c in kpi_cols if c not in exp.spec.outputs.kpis]
        for k in exp.spec.outputs.kpis:
            if k not in df.columns:
                df[k] = np.nan
    df = df[fixed + exp.factor_names + kpi_cols + ["status", "error"]].reset_index(drop=True)
    for c in fixed:
        df[c] = df[c].astype("int64")
    for c in kpi_cols:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    df["error"] = df["error"].fillna("").astype(str)
    df["status"] = df["status"].astype(str)
    return df


def _assemble_series(plan: SweepPlan, series: pd.DataFrame) -> pd.DataFrame:
    if not len(series):
        return series
    series = series.drop_duplicates(["run", "day"], keep="first")
    runs = plan.runs[["run", "point", "replicate", "seed"]]
    df = series.merge(runs, on="run", how="left").sort_values(["run", "day"], kind="stable")
    cols = ["run", "point", "replicate", "seed", "day"] + [c for c in series.columns if c not in ("run", "day")]
    return df[cols].reset_index(drop=True)


# How a sweep survives runs that kill their worker, and never waits forever:
MAX_ATTEMPTS = 2  # a run whose worker died is tried this often (on a fresh worker) before it is failed
STALL_MIN_S = 600.0  # no batch finished for max(this, 10 x the slowest batch so far): give up on the rest
POLL_S = 1.0
RESTART_S = 20.0  # no worker of our own cluster up (and none coming back) this long: start a fresh cluster
SETTLE_S = 5.0  # after the set of workers changes, wait this long before sending work


def _failed_rows(batch: list[Task], message: str) -> list[dict[str, Any]]:
    """Result rows recording that every run of ``batch`` failed with ``message``."""
    return [
        {"run": t[0], "point": t[1], "replicate": t[2], "seed": t[3], "status": "error", "error": message[:2000]}
        for t in batch
    ]


class _Executor:
    """Runs batches in this process or on a Dask cluster; yields finished batches.

    Fault handling is the sweep's own, not Dask's: the local cluster is started with
    ``allowed-failures: 0`` (a task whose worker dies fails at once, with KilledWorker),
    and no more tasks are out than there are workers. A failed batch of several runs is
    split into single runs; a single run that fails is submitted again (a new task, on a
    fresh worker) *alone*, with nothing else running, so that a second crash is its own
    and not a bystander's; after :data:`MAX_ATTEMPTS` tries in all it is recorded as
    failed. Workers of the sweep's own cluster that die while starting (their nanny
    does not restart them) are started again. A result that cannot be gathered (its worker died after it ran)
    counts as a failure of that batch too. When no batch has finished for the stall
    time, every outstanding batch counts as failed once (split or retried), so a sweep
    ends after a bounded time with every run done or recorded as failed.
    """

    def __init__(
        self,
        spec: RunSpec,
        workers: int | None,
        scheduler: str | None,
        max_attempts: int = MAX_ATTEMPTS,
        stall_s: float = STALL_MIN_S,
    ):
        self.spec = spec
        self.client = None
        self.cluster: Any = None  # our own LocalCluster, when we started one
        self.n_workers = 0  # in this process
        self.max_attempts = max(1, int(max_attempts))
        self.stall_s = float(stall_s)
        if scheduler is None and workers == 0:
            return
        from distributed import Client

        if scheduler is not None:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise SweepError(
                    _("--scheduler {address}: cannot connect to a Dask scheduler ({why})").format(
                        address=scheduler, why=exc
                    )
                ) from None
        else:
            self._n_local = workers if workers is not None else (os.cpu_count() or 1)
            self._start_local()
        self._connect()

    def _start_local(self) -> None:
        """Start a local Dask cluster of ``self._n_local`` worker processes."""
        import dask
        from distributed import Client, LocalCluster

        # worker-saturation 1.0: a worker holds only the task it runs, so a worker
        # that dies (a crashing run, out of memory) takes no queued bystander with it;
        # allowed-failures 0: the sweep retries crashed runs itself (see the class doc);
        # no statistical profiler (a stack sample every 10 ms) nor GIL monitor in the
        # workers: they are for a dashboard nobody watches here, and took ~13% of a busy
        # worker's CPU (measured: one worker, baseline plan at 30,000 people)
        with dask.config.set(
            {
                "distributed.scheduler.worker-saturation": 1.0,
                "distributed.scheduler.allowed-failures": 0,
                "distributed.worker.profile.enabled": False,
                "distributed.admin.system-monitor.gil.enabled": False,
            }
        ):
            # the sweep records crashed runs itself: Dask's messages about dead workers
            # (and tornado's about a worker killed while starting) would only be noise
            logging.getLogger("tornado.application").setLevel(logging.CRITICAL)
            self.cluster = LocalCluster(
                n_workers=self._n_local,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.CRITICAL,
            )
        self.client = Client(self.cluster)

    def _connect(self) -> None:
        assert self.client is not None
        info = self.client.scheduler_info()
        self.n_workers = max(1, len(info.get("workers", {})))
        from growthsim.experiments.workersetup import WorkerSetup

        self.client.register_plugin(WorkerSetup(), name=WorkerSetup.name)
        self.client.run(_warmup, self.spec)

    def map(self, batches: list[list[Task]]) -> Iterator[tuple[list[Task], list[dict[str, Any]], pd.DataFrame | None]]:
        if self.client is None:
            for b in batches:
                rows, series = run_batch(self.spec, b)
                yield b, rows, series
            return
        from distributed import wait

        # The spec travels with each task (a few kB) rather than being scattered once:
        # scattered data dies with a worker and would take healthy tasks down with it.
        pending: dict[Any, tuple[list[Task], int, float]] = {}  # future -> batch, attempt, submitted
        queue: list[tuple[list[Task], int]] = [(b, 1) for b in batches]
        queue.reverse()  # pop() from the end takes the batches in order

        def submit(b: list[Task], attempt: int) -> None:
            assert self.client is not None  # a distributed run has a client
            f = self.client.submit(run_batch, self.spec, b, pure=False, retries=0)
            pending[f] = (b, attempt, time.monotonic())
            _debug(f"submit {[t[0] for t in b]} attempt {attempt} live {self._live_workers()} pending {len(pending)}")

        slowest = 0.0
        last = time.monotonic()
        seen_workers: frozenset[str] = self._live_set()
        changed = 0.0
        no_live_since: float | None = None
        while pending or queue:
            self._revive()
            if not pending and not self._live_set():
                # every worker is gone and nothing is in flight: wait for them to come back,
                # then start a fresh local cluster, and with no cluster of ours (an external
                # scheduler) give up on the rest after the stall time, so the sweep ends
                now = time.monotonic()
                no_live_since = now if no_live_since is None else no_live_since
                if self.cluster is not None and now - no_live_since > RESTART_S:
                    _debug("no worker left: starting a fresh local cluster")
                    self._restart_local()
                    no_live_since = None
                    seen_workers, changed = self._live_set(), time.monotonic()
                    continue
                if self.cluster is None and now - no_live_since > self.stall_s:
                    for b, _attempt in reversed(queue):
                        yield b, _failed_rows(b, f"no Dask worker available for {now - no_live_since:.0f} s"), None
                    queue.clear()
                    break
                time.sleep(POLL_S)
                continue
            no_live_since = None
            # no more tasks out than workers: a worker holds only the task it runs, so one
            # that a crashing run kills takes no bystander down with it
            # nor any while no worker is up: a task sent to a worker still restarting after
            # a crash can be lost with it and counted against a run that did nothing wrong
            # and none while the set of workers is changing: a worker that gets a task (and
            # crashes on it) before its nanny has finished starting it is never restarted
            live = self._live_set()
            if live != seen_workers:
                seen_workers, changed = live, time.monotonic()
            settled = time.monotonic() - changed > SETTLE_S
            room = (len(live) - len(pending)) if settled else 0
            while queue and room > 0 and not any(a > 1 for _, a, _ in pending.values()):
                b, attempt = queue[-1]
                if attempt > 1:  # a retry runs alone, so a crash proves the run itself guilty
                    if not pending:
                        queue.pop()
                        submit(b, attempt)
                    break
                queue.pop()
                submit(b, attempt)
                room -= 1
            try:
                done, _ = wait(list(pending), timeout=POLL_S, return_when="FIRST_COMPLETED")
            except TimeoutError:  # nothing finished in POLL_S
                done = set()
            failed: list[tuple[Any, str]] = []
            for f in done:
                b, attempt, t_sub = pending[f]
                try:
                    rows, series = f.result(timeout=max(60.0, self.stall_s / 10))
                except Exception as exc:  # noqa: BLE001 - a lost worker fails its batch only
                    failed.append((f, _describe_failure(exc)))
                    continue
                del pending[f]
                f.release()
                slowest = max(slowest, time.monotonic() - t_sub)
                last = time.monotonic()
                yield b, rows, series
            if not done and time.monotonic() - last > max(self.stall_s, 10 * slowest):
                waited = time.monotonic() - last
                failed = [
                    (f, f"no result after {waited:.0f} s (the cluster stalled; the run was given up)") for f in pending
                ]
                last = time.monotonic()
            for f, msg in failed:
                b, attempt, _ = pending.pop(f)
                _debug(
                    f"failed {[t[0] for t in b]} attempt {attempt}: {msg[:80]} {self.client.who_has(f) if False else ''}"
                )
                try:
                    f.cancel()
                except Exception:  # noqa: BLE001 - best effort
                    pass
                if len(b) > 1:  # find the run that kills its worker: retry the batch run by run
                    queue.extend(([t], 1) for t in reversed(b))
                elif attempt < self.max_attempts:
                    queue.append((b, attempt + 1))
                else:
                    last = time.monotonic()
                    yield b, _failed_rows(b, f"{msg} (tried {attempt} times)"), None

    def _restart_local(self) -> None:
        """Replace our own local cluster, whose workers are all gone, by a fresh one."""
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the old cluster is broken already
            pass
        self._start_local()
        self._connect()

    def _live_workers(self) -> int:
        return len(self._live_set())

    def _live_set(self) -> frozenset[str]:
        try:
            assert self.client is not None  # only asked of a distributed run
            return frozenset(self.client.nthreads())
        except Exception:  # noqa: BLE001 - scheduler busy: try again at the next poll
            return frozenset()

    def _revive(self) -> None:
        """Restart workers of our own cluster that a crash left dead: a worker killed
        while it starts is not restarted by its nanny, and a cluster without workers
        would wait forever."""
        c = self.cluster
        if c is None:
            return
        try:
            if len(c.workers) < len(c.worker_spec):
                _debug(f"revive: {len(c.workers)} of {len(c.worker_spec)} workers")
                c.sync(c._correct_state)
        except Exception:  # noqa: BLE001 - the stall timeout is the last resort
            pass

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


@dataclass
class SweepOutcome:
    """What a sweep did (also written to ``summary.json``)."""

    n_runs: int
    ran: int
    resumed: int
    failed: int
    workers: int
    wall_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def runs_per_s(self) -> float:
        return self.ran / self.wall_s if self.wall_s > 0 else float("nan")


def run_sweep(
    experiment: Experiment | str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    yes: bool = False,
    progress: bool = False,
    run_fn: RunFn | None = None,
    batch_size: int | None = None,
    engine: str = "batch",
) -> pd.DataFrame:
    """Run every point x replicate of an experiment; return the tidy results table.

    Args:
        experiment: an experiment file or a loaded :class:`Experiment`.
        workers: Dask worker processes of a local cluster (default: one per core);
            0 runs in this process without Dask.
        scheduler: address of an existing Dask scheduler (``tcp://host:8786``);
            overrides ``workers``.
        out: folder for checkpoints and tables; None keeps everything in memory.
        resume: a folder of an interrupted sweep of the same experiment: only the
            missing runs are run (implies ``out=resume``).
        yes: allow more than the experiment's ``max_runs`` runs.
        progress: show a tqdm progress bar (runs done / total, ETA).
        run_fn: ``(scenario, seed=, replicate=) -> RunResult``; default
            ``growthsim.runner.simulate``. Must be picklable for Dask.
        batch_size: runs per task (default: about 8 tasks per worker, at most 25 runs).
        engine: ``"batch"`` (a task's runs that share a plan stepped together, see
            :mod:`growthsim.experiments.batched`) or ``"serial"`` (one run after another);
            the same table either way, bit for bit.

    Returns:
        One row per run, sorted by ``run``: ``run, point, replicate, seed``, one column
        per factor (dotted path), one per KPI, ``status`` (``ok`` / ``error``) and
        ``error`` (exception type and message; empty when ok). ``attrs["outcome"]``
        holds a :class:`SweepOutcome`; ``attrs["series"]`` the daily series frame when
        series were requested.
    """
    plan = plan_sweep(experiment, yes=yes)
    exp = plan.experiment
    out_dir: Path | None = None
    if resume is not None:
        out_dir = Path(resume)
        _check_resume(out_dir, plan)
    elif out is not None:
        out_dir = Path(out)
        if (out_dir / "manifest.json").exists():
            n_done = len(done_runs(out_dir))
            raise SweepError(
                _(
                    "{out} already holds a sweep ({n} runs done); continue it with --resume {out}, or choose "
                    "another --out"
                ).format(out=out_dir, n=n_done)
            )
    done: set[int] = set()
    if out_dir is not None:
        (out_dir / "parts").mkdir(parents=True, exist_ok=True)
        if resume is None:
            write_json(out_dir / "manifest.json", plan.manifest())
            write_parquet(out_dir / "design.parquet", plan.design.points)
        done = done_runs(out_dir) & set(range(plan.n_runs))
    todo = [r for r in range(plan.n_runs) if r not in done]
    spec = RunSpec(
        base=exp.base,
        factor_names=exp.factor_names,
        kpis=list(exp.spec.outputs.kpis),
        series=list(exp.spec.outputs.series),
        run_fn=run_fn or default_run_fn,
        engine=engine,
    )
    if engine not in ENGINES:
        raise ValueError(_("engine must be one of {engines}, got {engine!r}").format(engines=ENGINES, engine=engine))
    rows_all: list[dict[str, Any]] = []
    series_all: list[pd.DataFrame] = []
    failed = 0
    t0 = time.perf_counter()
    n_workers = 0
    if todo:
        executor = _Executor(spec, workers, scheduler)
        n_workers = executor.n_workers
        size = batch_size or max(1, min(25, math.ceil(len(todo) / (8 * max(1, n_workers)))))
        batches = _batches(_tasks(plan, todo), size)
        bar = _progress(progress, plan.n_runs, len(done), exp.name)
        t0 = time.perf_counter()
        try:
            for batch, rows, series in executor.map(batches):
                failed += sum(1 for r in rows if r.get("status") != "ok")
                if out_dir is not None:
                    first = min(t[0] for t in batch)
                    if series is not None and len(series):
                        write_parquet(out_dir / "parts" / f"series-{first:08d}.parquet", series)
                    write_parquet(out_dir / "parts" / f"results-{first:08d}.parquet", pd.DataFrame(rows))
                else:
                    rows_all.extend(rows)
                    if series is not None:
                        series_all.append(series)
                if bar is not None:
                    bar.update(len(batch))
                    bar.set_postfix(failed=failed)
        finally:
            if bar is not None:
                bar.close()
            executor.close()
    wall = time.perf_counter() - t0
    if out_dir is not None:
        rows_df = _read_parts(out_dir / "parts", "results")
        series_df = _read_parts(out_dir / "parts", "series")
        if len(series_df):
            series_df = series_df[series_df["run"].isin(set(rows_df["run"]))]
    else:
        rows_df = pd.DataFrame(rows_all)
        series_df = pd.concat(series_all, ignore_index=True) if series_all else pd.DataFrame()
    results = _assemble(plan, rows_df)
    series_tidy = _assemble_series(plan, series_df)
    missing = plan.n_runs - len(results)
    if missing:  # pragma: no cover - every batch yields a row per run
        raise SweepError(_("{n} runs have no result; run again with --resume {out}").format(n=missing, out=out_dir))
    outcome = SweepOutcome(
        n_runs=plan.n_runs,
        ran=len(todo),
        resumed=len(done),
        failed=int((results["status"] != "ok").sum()),
        workers=n_workers,
        wall_s=wall,
    )
    if out_dir is not None:
        write_parquet(out_dir / "results.parquet", results)
        if exp.spec.outputs.series:
            write_parquet(out_dir / "series.parquet", series_tidy)
        write_json(
            out_dir / "summary.json",
            {
                "experiment": exp.name,
                "n_runs": outcome.n_runs,
                "ran_now": outcome.ran,
                "from_checkpoint": outcome.resumed,
                "failed": outcome.failed,
                "workers": outcome.workers,
                "wall_s": round(outcome.wall_s, 3),
                "runs_per_s": None if not outcome.ran else round(outcome.runs_per_s, 3),
            },
        )
    results.attrs["outcome"] = outcome
    if exp.spec.outputs.series:
        results.attrs["series"] = series_tidy
    return results


def _debug(msg: str) -> None:
    if os.environ.get("GROWTHSIM_SWEEP_DEBUG"):
        print(f"[sweep {time.monotonic():.1f}] {msg}", file=sys.stderr, flush=True)


def _describe_failure(exc: BaseException) -> str:
    msg = f"{type(exc).__name__}: {exc}"
    if type(exc).__name__ == "KilledWorker":
        msg = "the worker process died running this run (a crash, or out of memory): " + msg
    elif isinstance(exc, TimeoutError) or "gather" in str(exc).lower():
        msg = "the result could not be fetched from its worker (the worker died): " + msg
    return msg


def _progress(enabled: bool, total: int, initial: int, name: str) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="run", desc=name, file=sys.stderr, dynamic_ncols=True)


def _check_resume(out_dir: Path, plan: SweepPlan) -> None:
    mf = out_dir / "manifest.json"
    if not mf.exists():
        raise SweepError(_("--resume {out}: no manifest.json there; is this a sweep folder?").format(out=out_dir))
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError(_("expected a JSON object, found {kind}").format(kind=type(manifest).__name__))
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise SweepError(
            _("--resume {path}: cannot read manifest.json ({why})").format(path=out_dir, why=exc)
        ) from None
    want = plan.experiment.fingerprint()
    if manifest.get("fingerprint") != want or manifest.get("n_runs") != plan.n_runs:
        raise SweepError(
            _(
                "--resume {out}: the folder holds a sweep of a different experiment or scenario (fingerprint "
                "{found}, {found_runs} runs; expected {want}, {runs} runs); start a new --out instead"
            ).format(
                out=out_dir,
                found=manifest.get("fingerprint"),
                found_runs=manifest.get("n_runs"),
                want=want,
                runs=plan.n_runs,
            )
        )


def point_plan(experiment: Experiment | str | Path, point: int) -> Any:
    """The scenario one point of an experiment runs (base plan + fixed overrides + the
    point's factor values). Saved with ``yaml.safe_dump(scenario_to_dict(plan))`` it
    reproduces any run of the point with ``growthsim run FILE --seed SEED --replicates 1``
    (SEED from the run's row)."""
    plan = plan_sweep(experiment, yes=True)
    if not 0 <= int(point) < plan.design.n_points:
        raise SweepError(
            _("point {point} is not in the design (points 0..{last})").format(
                point=point, last=plan.design.n_points - 1
            )
        )
    ov = plan.design.overrides(int(point), plan.experiment.factor_names)
    return apply_overrides(plan.experiment.base, ov)


def read_sweep(path: str | Path) -> pd.DataFrame:
    """``results.parquet`` of a finished sweep folder (series in ``attrs["series"]``)."""
    p = Path(path)
    f = p / "results.parquet"
    if not f.exists():
        raise SweepError(_("{path}: no results.parquet (finish the sweep with --resume {path})").format(path=p))
    df = _read_table(f, "sweep results table", ("run", "point", "replicate", "seed", "status"))
    s = p / "series.parquet"
    if s.exists():
        df.attrs["series"] = _read_table(s, "sweep series table", ("run", "day"))
    return df


def _read_table(path: Path, kind: str, columns: tuple[str, ...], hint: str = "") -> pd.DataFrame:
    """A sweep folder's parquet file, within the limits of :mod:`growthsim.inputs`; a
    truncated or corrupt file is a SweepError naming it."""
    from growthsim.inputs import read_parquet_file

    try:
        return read_parquet_file(path, kind, columns, error=SweepError)
    except SweepError as exc:
        raise SweepError(str(exc) + hint) from None
