"""A sweep task's runs on the batched engine: runs that share a plan stepped together.

A Dask task of a sweep, a sensitivity study or an optimiser's candidates holds several
runs (a point's replicates, neighbouring points). Here they are grouped by plan: runs of
one point share it, and points whose plans differ only in the member rules a batch keeps
apart per replicate (:data:`growthsim.model.batch.PER_REPLICATE`, checked with
:func:`growthsim.model.batch.check_batchable`) share a batch too. Each group runs in
:class:`growthsim.model.batch.CommunityBatch` es of :func:`growthsim.runner.batch_size`
runs, every model with its run's own seed (replicate 0, as
``simulate(plan, seed=SEED, replicate=0)``); a group's KPIs are computed at once over
(run x day) arrays (the vectorised arithmetic of :func:`growthsim.metrics.kpis.kpi_table`,
the same bits as :func:`growthsim.metrics.kpis.replicate_kpis` per run), and the rows and
series are those of :func:`growthsim.experiments.sweep.finish_run`.

So a run's row is the same, bit for bit, as when it runs alone, whatever the task size,
the worker count or the runs beside it. A batch that raises (building, stepping) is run
again one run at a time: a run that fails is recorded alone, with the error it gives alone.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from growthsim.experiments.sweep import RunSpec, SeriesCols, Task, _run_one_cols, compute_kpis, finish_run
from growthsim.scenario import apply_overrides

Outcome = tuple[dict[str, Any], SeriesCols | None]


def run_tasks(spec: RunSpec, tasks: list[Task]) -> list[Outcome]:
    """Rows and series of ``tasks`` (in their order), batched by plan (module docstring)."""
    from growthsim.model.batch import check_batchable

    out: list[Outcome | None] = [None] * len(tasks)
    plans: dict[str, Any] = {}  # a task's overrides (as JSON) -> its plan; None when they fail
    families: list[tuple[Any, list[int], list[Any]]] = []  # first plan, its tasks, their plans
    family_of: dict[int, int] = {}  # id(plan) -> its family
    for i, t in enumerate(tasks):
        key = json.dumps(t[4], sort_keys=True, default=str)
        if key not in plans:
            try:
                plans[key] = apply_overrides(spec.base, t[4]) if t[4] else spec.base
            except Exception:  # noqa: BLE001 - recorded by the run-by-run path
                plans[key] = None
        plan = plans[key]
        if plan is None:
            out[i] = _run_one_cols(spec, t)
            continue
        f = family_of.get(id(plan))
        if f is None:
            for j, (first, _idx, _plans) in enumerate(families):
                try:
                    check_batchable([first, plan])
                except ValueError:
                    continue
                f = j
                break
            else:
                f = len(families)
                families.append((plan, [], []))
            family_of[id(plan)] = f
        families[f][1].append(i)
        families[f][2].append(plan)
    for first, idx, fplans in families:
        for i, got in zip(idx, _run_family(spec, first, [tasks[i] for i in idx], fplans)):
            out[i] = got
    return [o for o in out if o is not None]


def _run_family(spec: RunSpec, first: Any, tasks: list[Task], plans: list[Any]) -> list[Outcome]:
    """Runs whose plans may share a batch, in batches of ``runner.batch_size``."""
    from growthsim.runner import batch_size

    size = batch_size(first, len(tasks))
    out: list[Outcome] = []
    for start in range(0, len(tasks), size):
        chunk, chunk_plans = tasks[start : start + size], plans[start : start + size]
        try:
            results = _simulate(chunk_plans, [t[3] for t in chunk])
        except Exception:  # noqa: BLE001 - run them alone: a failing run is recorded by itself
            out.extend(_run_one_cols(spec, t) for t in chunk)
            continue
        kpis = _kpis(spec, results, chunk_plans)
        out.extend(finish_run(spec, t, r, k) for t, r, k in zip(chunk, results, kpis))
    return out


def _simulate(plans: list[Any], seeds: list[int]) -> list[Any]:
    """One :class:`RunResult` per run: run ``i`` is ``simulate(plans[i], seeds[i], 0)``,
    all stepped together in one :class:`CommunityBatch`."""
    from growthsim.model.batch import CommunityBatch
    from growthsim.model.replay import model_class
    from growthsim.runner import graph_for, result_of, use_threads

    first = plans[0]
    distinct = any(p is not first for p in plans)
    b = CommunityBatch(
        first,
        replicates=[0] * len(plans),
        seeds=seeds,
        graph=graph_for(first),
        plans=list(plans) if distinct else None,
        model_class=model_class(first, "added"),
        parallel=use_threads(first, len(plans)),
    )
    b.run()
    return [result_of(m) for m in b.models]


def _kpis(spec: RunSpec, results: list[Any], plans: list[Any]) -> list[dict[str, float] | None]:
    """The runs' KPIs, all at once; None where a run's are left to
    :func:`finish_run` (a custom ``kpi_fn``, runs the vectorised path does not take)."""
    out: list[dict[str, float] | None] = [None] * len(results)
    if spec.kpi_fn is not None:
        return out
    # the KPIs read of a plan only its horizon and its channels' names, which plans of
    # one batch share (they differ only in member rules): one call for all its runs
    by_plan: dict[tuple, list[int]] = {}
    for i, p in enumerate(plans):
        by_plan.setdefault((int(p.horizon_days), tuple(p.channels)), []).append(i)
    for idx in by_plan.values():
        try:
            got = stacked_kpis([results[i] for i in idx], plans[idx[0]])
        except Exception:  # noqa: BLE001 - finish_run computes (and records) them per run
            got = None
        if got is not None:
            for i, k in zip(idx, got):
                out[i] = k
    return out


def stacked_kpis(results: list[Any], plan: Any) -> list[dict[str, float]] | None:
    """KPIs of runs (``RunResult`` s) of plans with ``plan``'s horizon and channels,
    computed at once over (run x day) arrays: each run's dict equals :func:`compute_kpis` of it (same names, same order,
    same bits). None when the runs do not allow it (then :func:`compute_kpis` per run)."""
    from growthsim.metrics.kpis import variant_kpis

    if len(results) == 1:
        return [compute_kpis(results[0])]
    cols = list(results[0].timeseries.columns)
    if any(list(r.timeseries.columns) != cols for r in results) or {"replicate", "seed"} & set(cols):
        return None
    R = len(results)
    lens = [len(r.timeseries) for r in results]
    ts_data: dict[str, Any] = {"replicate": np.repeat(np.arange(R), lens)}
    for c in cols:
        ts_data[c] = np.concatenate([r.timeseries[c].to_numpy() for r in results])
    ts = pd.DataFrame(ts_data)
    cohorts = None
    with_cohorts = [(i, r.cohorts) for i, r in enumerate(results) if len(r.cohorts)]
    if with_cohorts:
        ccols = list(with_cohorts[0][1].columns)
        if any(list(c.columns) != ccols for _, c in with_cohorts) or "replicate" in ccols:
            return None
        cdata: dict[str, Any] = {
            "replicate": np.repeat([i for i, _ in with_cohorts], [len(c) for _, c in with_cohorts])
        }
        for c in ccols:
            cdata[c] = np.concatenate([co[c].to_numpy() for _, co in with_cohorts])
        cohorts = pd.DataFrame(cdata)
    got = variant_kpis(ts, list(range(R)), [r.scalars for r in results], cohorts, [r.ledger for r in results], plan)
    if got is None:
        return None
    names, vals = got
    return [{str(n): float(vals[n][i]) for n in names[i]} for i in range(R)]
