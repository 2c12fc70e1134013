"""``growthsim optimize``: search a plan's levers for the best plan under constraints.

An optimisation file is an experiment file (:mod:`growthsim.experiments.schema`: the same
``scenario``, ``variant``, ``overrides``, ``factors``, ``replicates``, ``seed``) whose
``factors`` are the search space (``low``/``high`` ranges, integer or continuous, or
``values`` to choose from) plus an ``optimize:`` section::

    optimize:
      trials: 60                    # candidate plans to run (a repeated proposal is free)
      batch_size: 8                 # candidates per batch (run together on Dask)
      objectives:                   # one (TPE) or two (NSGA-II, a Pareto front)
        - {metric: monthly_spend, direction: minimize}
      constraints: {max_monthly_spend: 5000, min_chance_all_targets: 0.8}
      finalists: 5                  # best candidates re-run on fresh replicates
      finalist_replicates: 40

Metrics: ``monthly_spend`` (median over futures of all money spent / 30-day months, as in
:mod:`growthsim.decide`), ``chance_all_targets`` (share of futures hitting every target of
the plan's ``targets:``; set them in the scenario or through ``overrides: {targets: [...]}``),
``total_cost`` (median cost) or any KPI of the catalogue with ``stat: median | mean | p10 |
p90`` (default median).

Method. Optuna's ask-and-tell interface proposes candidates (TPE for one objective,
NSGA-II for two; ``sampler: random`` and ``sampler: grid`` give the baselines the tests
and the benchmark compare against); constraints go to the sampler as Optuna constraint
values (feasible when <= 0). Each batch of candidates runs as Dask tasks on the executor
``growthsim sweep`` uses (a LocalCluster by default, ``--scheduler ADDRESS`` for a real
one, ``--workers 0`` in this process). Every candidate runs the same replicate seeds
(common random numbers: replicate ``r`` of every candidate gets
``run_seed(seed, 0, r)``), so candidates differ by their levers, not by luck. The
``finalists`` best feasible candidates (or the Pareto set) are then re-run on fresh
replicates (``run_seed(seed, 1, r)``); the winner and every reported figure come from
those fresh runs, so the search's selection does not inflate them (the winner's curse).

Resuming: the study lives in ``OUT/study.journal`` (Optuna's JournalStorage, an
append-only log). The sampler is re-seeded for every trial from ``(seed, trial number)``,
so a trial's proposal depends only on the finished trials before it: a study killed and
resumed (``--resume OUT``) re-evaluates the trials it had asked but not finished, with
their stored values, and continues with exactly the trials an uninterrupted study would
have run — none lost, none duplicated.

Outputs in ``OUT``: ``trials.parquet`` / ``trials.csv`` (one row per trial: factor values,
metrics, objectives, feasibility), ``pareto.csv`` (two objectives) and ``finalists.csv``
(fresh-replicate figures), ``best.yaml`` (a complete scenario: ``growthsim run
OUT/best.yaml`` runs the recommended plan as is), ``convergence.png``, ``pareto.png``,
``summary.md`` and ``summary.json``. When no candidate meets the constraints the summary
says so and lists the closest candidates (smallest total constraint violation).

Why Optuna: maintained TPE and NSGA-II samplers with constraint handling, ask-and-tell
for batch evaluation on our own executor, and a file journal for crash-safe resumption;
writing a search algorithm by hand would give none of that tested behaviour.
"""

from __future__ import annotations

import json
import math
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from growthsim.errors import UserError, located
from growthsim.experiments.design import run_seed
from growthsim.experiments.schema import (
    Experiment,
    ExperimentSpec,
    _format_validation,
    _Strict,
    _where,
    read_spec,
    validate_experiment,
)
from growthsim.experiments.sweep import RunSpec, _Executor, compute_kpis, default_run_fn, write_parquet
from growthsim.i18n import N_, _, ngettext
from growthsim.scenario import apply_overrides, scenario_to_dict
from growthsim.scenario.targets import DAYS_PER_MONTH

__all__ = ["OptimizeSpec", "OptimizeResult", "load_optimization", "optimize", "evaluate_candidates"]

SPECIAL_METRICS = ("monthly_spend", "chance_all_targets", "total_cost")


class OptimizeError(UserError):
    """An optimisation that cannot start or resume as asked."""


class Objective(_Strict):
    metric: str = Field(description="monthly_spend, chance_all_targets, total_cost or a KPI name")
    direction: Literal["minimize", "maximize"] = "minimize"
    stat: Literal["median", "mean", "p10", "p90"] = "median"

    @field_validator("metric")
    @classmethod
    def _known(cls, name: str) -> str:
        from growthsim.scenario.targets import known_kpi

        if name not in SPECIAL_METRICS and not known_kpi(name):
            raise ValueError(
                _("unknown metric {name}; expected one of {names} or a KPI name (growthsim.metrics.kpis)").format(
                    name=repr(name), names=", ".join(SPECIAL_METRICS)
                )
            )
        return name

    @property
    def label(self) -> str:
        return self.metric if self.metric in SPECIAL_METRICS or self.stat == "median" else f"{self.metric}_{self.stat}"


class Constraints(_Strict):
    max_monthly_spend: float | None = Field(None, ge=0, description="money per 30-day month (median future)")
    max_total_cost: float | None = Field(None, ge=0, description="money over the horizon (median future)")
    min_chance_all_targets: float | None = Field(None, ge=0, le=1, description="share of futures")


class OptimizeSection(_Strict):
    trials: int = Field(40, ge=1, le=100_000, description="distinct candidate plans to run")
    batch_size: int = Field(8, ge=1, le=10_000, description="candidates evaluated together")
    objectives: list[Objective] = Field(min_length=1, max_length=2)
    constraints: Constraints = Field(default_factory=Constraints)
    sampler: Literal["auto", "tpe", "nsga2", "random", "grid"] = "auto"
    startup_trials: int = Field(10, ge=1, description="TPE: random trials before modelling")
    population_size: int = Field(16, ge=2, description="NSGA-II population")
    finalists: int = Field(5, ge=0, le=1000, description="candidates re-run on fresh replicates")
    finalist_replicates: int | None = Field(None, ge=1, le=100_000, description="default: 2 x replicates")

    @model_validator(mode="after")
    def _check(self) -> "OptimizeSection":
        if self.sampler == "tpe" and len(self.objectives) > 1:
            raise ValueError(_("sampler tpe takes one objective; use nsga2 (or auto) for two"))
        return self


class OptimizeSpec(ExperimentSpec):
    """An experiment file with an ``optimize:`` section (factors = the search space)."""

    optimize: OptimizeSection


@dataclass
class Optimization:
    experiment: Experiment
    section: OptimizeSection

    @property
    def directions(self) -> list[Literal["minimize", "maximize"]]:
        return [o.direction for o in self.section.objectives]

    def fingerprint(self) -> str:
        return self.experiment.fingerprint()


def load_optimization(path: str | Path) -> Optimization:
    """Read and validate an optimisation file (errors name file, line and field)."""
    spec, p, lines = read_spec(path, OptimizeSpec, OptimizeError)
    exp = validate_experiment(spec, p, lines)
    _check_metrics(exp, spec.optimize, str(p), lines)
    return Optimization(experiment=exp, section=spec.optimize)


def optimization_from_dict(data: dict[str, Any], base_dir: str | Path | None = None) -> Optimization:
    try:
        spec = OptimizeSpec.model_validate(data)
    except ValidationError as exc:
        raise OptimizeError(_format_validation(exc, None, {})) from None
    exp = validate_experiment(spec, None, {}, Path(base_dir) if base_dir is not None else None)
    _check_metrics(exp, spec.optimize, None, {})
    return Optimization(experiment=exp, section=spec.optimize)


def _check_metrics(exp: Experiment, sec: OptimizeSection, file: str | None, lines: dict) -> None:
    wants_targets = any(o.metric == "chance_all_targets" for o in sec.objectives) or (
        sec.constraints.min_chance_all_targets is not None
    )
    if wants_targets and not exp.base.targets:
        raise OptimizeError(
            located(
                file,
                _where(lines, ("optimize",)),
                "optimize",
                _(
                    "chance_all_targets needs stage targets, but the plan has none; add targets: to the "
                    "scenario or overrides: {example}"
                ).format(example="{targets: [{kpi: groups, day: 90, at_least: 100}]}"),
            )
        )
    if sec.sampler == "grid":
        for name, f in exp.spec.factors.items():
            if exp.kinds[name] == "float" and f.levels is None:
                raise OptimizeError(
                    located(
                        file,
                        _where(lines, ("factors", name)),
                        f"factors.{name}",
                        _("sampler grid needs levels for a continuous range"),
                    )
                )


# --------------------------------------------------------------------------- evaluation


def optimize_kpis(result: Any) -> dict[str, float]:
    """KPIs of one run plus, when the plan has targets, ``target_<i>`` and ``all_targets``
    (1 = hit, 0 = missed) at each target's checkpoint (Dask tasks call this)."""
    return {**compute_kpis(result), **target_kpis(result)}


def target_kpis(result: Any) -> dict[str, float]:
    """``target_<i>``, ``value_target_<i>`` and ``all_targets`` of one run (empty when the
    plan has no targets): the figures :func:`optimize_kpis` adds to the KPIs. The
    optimiser's tasks add them to KPIs computed for a whole batch of runs at once."""
    from growthsim.metrics.targets import checkpoint_kpis

    out: dict[str, float] = {}
    plan = result.scenario
    if plan.targets:
        ts = result.timeseries.sort_values("day")
        at: dict[int, dict[str, float]] = {}
        all_hit = True
        for i, t in enumerate(plan.targets):
            d = t.checkpoint
            if d not in at:
                at[d] = checkpoint_kpis(ts, result.scalars, result.cohorts, plan, d, result.ledger)
            value = at[d].get(t.kpi, float("nan"))
            hit = t.hit(value)
            out[f"target_{i}"] = float(hit)
            out[f"value_target_{i}"] = float(value)
            all_hit &= hit
        out["all_targets"] = float(all_hit)
    return out


def _stat(v: np.ndarray, stat: str) -> float:
    v = v[np.isfinite(v)]
    if not len(v):
        return float("nan")
    if stat == "mean":
        return float(v.mean())
    return float(np.quantile(v, {"median": 0.5, "p10": 0.1, "p90": 0.9}[stat]))


def candidate_metrics(rows: pd.DataFrame, opt: Optimization) -> dict[str, float]:
    """Figures of one candidate from its runs (one row per replicate)."""
    base = opt.experiment.base
    months = base.horizon_days / DAYS_PER_MONTH
    ok = rows[rows["status"] == "ok"] if "status" in rows else rows
    m: dict[str, float] = {"replicates": float(len(ok)), "failed": float(len(rows) - len(ok))}
    cost = ok["cost"].to_numpy(float) if "cost" in ok else np.array([])
    m["total_cost"] = _stat(cost, "median")
    m["monthly_spend"] = m["total_cost"] / months
    if "all_targets" in ok:
        m["chance_all_targets"] = float(ok["all_targets"].mean()) if len(ok) else float("nan")
        gap = 0.0
        for i, t in enumerate(base.targets):
            c = f"target_{i}"
            if c in ok:
                m[f"chance_{c}"] = float(ok[c].mean())
                v = _stat(ok[f"value_{c}"].to_numpy(float), "median")
                m[f"median_{c}"] = v
                # how far the median future is from the bound, relative to the bound
                if not math.isfinite(v):
                    gap += 1.0
                elif t.at_least is not None and v < t.at_least:
                    gap += (t.at_least - v) / max(abs(t.at_least), 1e-9)
                elif t.at_most is not None and v > t.at_most:
                    gap += (v - t.at_most) / max(abs(t.at_most), 1e-9)
        m["target_gap"] = gap
    for c in ("profit", "members_final", "groups", "paying"):
        if c in ok:
            m[c] = _stat(ok[c].to_numpy(float), "median")
    for o in opt.section.objectives:
        if o.metric not in SPECIAL_METRICS:
            m[o.label] = _stat(ok[o.metric].to_numpy(float), o.stat) if o.metric in ok else float("nan")
    return m


def constraint_values(m: dict[str, float], c: Constraints) -> list[float]:
    """Optuna constraint values (feasible when every one is <= 0), scaled to be comparable:
    spending overruns as a share of the limit, a missing chance in probability points."""
    out = []
    if c.max_monthly_spend is not None:
        out.append((m["monthly_spend"] - c.max_monthly_spend) / max(c.max_monthly_spend, 1.0))
    if c.max_total_cost is not None:
        out.append((m["total_cost"] - c.max_total_cost) / max(c.max_total_cost, 1.0))
    if c.min_chance_all_targets is not None:
        out.append(c.min_chance_all_targets - m.get("chance_all_targets", 0.0))
    return [v if math.isfinite(v) else 1e9 for v in out]


def evaluate_candidates(
    opt: Optimization,
    candidates: list[dict[str, Any]],
    executor: _Executor,
    *,
    replicates: int,
    seed_point: int = 0,
    first_id: int = 0,
) -> list[pd.DataFrame]:
    """Run every candidate (factor path -> value) on the same replicate seeds
    ``run_seed(seed, seed_point, r)``; return one frame of run rows per candidate."""
    seeds = [run_seed(opt.experiment.spec.seed, seed_point, r) for r in range(replicates)]
    tasks = []
    for i, cand in enumerate(candidates):
        for r, s in enumerate(seeds):
            tasks.append(((first_id + i) * replicates + r, first_id + i, r, s, dict(cand)))
    n_workers = max(1, executor.n_workers)
    per = max(1, math.ceil(len(tasks) / (2 * n_workers)))
    batches = [tasks[i : i + per] for i in range(0, len(tasks), per)]
    rows: list[dict[str, Any]] = []
    for _b, got, _c in executor.map(batches):
        rows.extend(got)
    df = pd.DataFrame(rows)
    out = []
    for i in range(len(candidates)):
        part = df[df["point"] == first_id + i].sort_values("replicate")
        bad = part[part["status"] != "ok"]
        if len(bad) == len(part):
            raise OptimizeError(
                _("every run of candidate {candidate} failed: {error}").format(
                    candidate=candidates[i], error=bad["error"].iloc[0]
                )
            )
        out.append(part.reset_index(drop=True))
    return out


# --------------------------------------------------------------------------- the study


def _distributions(opt: Optimization) -> dict[str, Any]:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    exp = opt.experiment
    dists: dict[str, Any] = {}
    for name, f in exp.spec.factors.items():
        kind = exp.kinds[name]
        if kind == "int":
            assert f.low is not None and f.high is not None  # a range factor has both ends
            dists[name] = IntDistribution(int(f.low), int(f.high))
        elif kind == "float":
            assert f.low is not None and f.high is not None  # a range factor has both ends
            if opt.section.sampler == "grid":
                assert f.levels is not None  # checked when the optimisation is loaded
                dists[name] = CategoricalDistribution(list(np.linspace(float(f.low), float(f.high), int(f.levels))))
            else:
                dists[name] = FloatDistribution(float(f.low), float(f.high))
        else:
            vals = list(f.values or [])
            simple = all(v is None or isinstance(v, (bool, int, float, str)) for v in vals)
            dists[name] = CategoricalDistribution(vals if simple else list(range(len(vals))))
    return dists


def _param_value(opt: Optimization, name: str, v: Any) -> Any:
    f = opt.experiment.spec.factors[name]
    if opt.experiment.kinds[name] == "values":
        vals = list(f.values or [])
        simple = all(x is None or isinstance(x, (bool, int, float, str)) for x in vals)
        return v if simple else vals[int(v)]
    if opt.experiment.kinds[name] == "int":
        return int(v)
    return float(v)


def _sampler(opt: Optimization, trial_number: int, for_tell: bool = False):
    import optuna

    sec = opt.section
    seed = int(run_seed(opt.experiment.spec.seed, 2, trial_number) % (2**31))
    kind = sec.sampler
    if kind == "auto":
        kind = "tpe" if len(sec.objectives) == 1 else "nsga2"
    cons = _constraints_func if _has_constraints(sec.constraints) else None
    if kind == "tpe":
        return optuna.samplers.TPESampler(
            seed=seed, n_startup_trials=sec.startup_trials, constraints_func=cons, multivariate=True
        )
    if kind == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=sec.population_size, constraints_func=cons)
    if kind == "random" or for_tell:  # a grid sampler stops the study when told the last point
        return optuna.samplers.RandomSampler(seed=seed)
    space = {
        n: list(d.choices) if hasattr(d, "choices") else list(range(d.low, d.high + 1))
        for n, d in _distributions(opt).items()
    }
    return optuna.samplers.GridSampler(space, seed=int(run_seed(opt.experiment.spec.seed, 2, 0) % (2**31)))


def _has_constraints(c: Constraints) -> bool:
    return any(v is not None for v in (c.max_monthly_spend, c.max_total_cost, c.min_chance_all_targets))


def _constraints_func(trial: Any) -> list[float]:
    return list(trial.user_attrs.get("constraints", []))


def _objective_values(m: dict[str, float], opt: Optimization) -> list[float]:
    vals = []
    for o in opt.section.objectives:
        v = m.get(o.label, float("nan"))
        if not math.isfinite(v):  # a figure that cannot be computed is the worst outcome
            v = 1e18 if o.direction == "minimize" else -1e18
        vals.append(float(v))
    return vals


@dataclass
class OptimizeResult:
    """What :func:`optimize` produced (the files in ``out`` hold the same)."""

    out: Path
    trials: pd.DataFrame
    finalists: pd.DataFrame
    pareto: pd.DataFrame
    best: dict[str, Any] | None
    feasible: bool
    summary: dict[str, Any] = field(default_factory=dict)


def _storage(out: Path):
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return JournalStorage(JournalFileBackend(str(out / "study.journal")))


def optimize(
    path_or_opt: str | Path | Optimization,
    *,
    out: str | Path,
    resume: bool = False,
    trials: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    run_fn: Any = None,
    charts: bool = True,
) -> OptimizeResult:
    """Run (or resume) an optimisation study; write its outputs into ``out``.

    Args:
        path_or_opt: an optimisation file or a loaded :class:`Optimization`.
        out: the study folder (``study.journal`` and every output).
        resume: continue the study in ``out`` (same file, same fingerprint).
        trials: candidates in all (default: the file's ``optimize.trials``).
        workers / scheduler: as for ``growthsim sweep`` (0 = in this process).
        progress: print one line per batch with the best so far.
        run_fn: the simulation function (tests inject failures); default simulate.
    """
    import optuna

    opt = path_or_opt if isinstance(path_or_opt, Optimization) else load_optimization(path_or_opt)
    exp, sec = opt.experiment, opt.section
    out = Path(out)
    n_trials = int(trials or sec.trials)
    manifest = {
        "experiment": exp.name,
        "fingerprint": opt.fingerprint(),
        "directions": opt.directions,
        "objectives": [o.model_dump() for o in sec.objectives],
        "sampler": sec.sampler,
    }
    mf = out / "manifest.json"
    if resume:
        if not mf.exists():
            raise OptimizeError(_("--resume {out}: no optimisation study there (no manifest.json)").format(out=out))
        old = json.loads(mf.read_text(encoding="utf-8"))
        if old.get("fingerprint") != manifest["fingerprint"]:
            raise OptimizeError(
                _(
                    "--resume {out}: the folder holds a study of a different experiment or scenario (fingerprint "
                    "{found}, expected {want}); start a new --out instead"
                ).format(out=out, found=old.get("fingerprint"), want=manifest["fingerprint"])
            )
    else:
        if mf.exists():
            raise OptimizeError(
                _(
                    "{out} already holds an optimisation study; continue it with --resume {out}, or choose another "
                    "--out"
                ).format(out=out)
            )
        out.mkdir(parents=True, exist_ok=True)
        from growthsim.io import write_json

        write_json(mf, manifest)
    storage = _storage(out)
    study = optuna.create_study(
        study_name=f"{exp.name}-{manifest['fingerprint']}",
        storage=storage,
        directions=opt.directions,
        load_if_exists=True,
    )
    dists = _distributions(opt)
    spec = RunSpec(
        base=exp.base,
        factor_names=exp.factor_names,
        kpis=[],
        series=[],
        run_fn=run_fn or default_run_fn,
        extra_kpi_fn=target_kpis,
    )
    R = exp.spec.replicates
    executor = _Executor(spec, workers, scheduler)
    t0 = time.perf_counter()
    try:
        # 1. trials a killed session asked but did not finish: evaluate their stored values
        # (a session killed while asking a batch had asked only its first trials, the last
        # of them perhaps with only some of its parameters: finish the batch as the
        # uninterrupted session did, so that the resumed study is the same)
        running = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.RUNNING]
        if running:
            for t in running:
                _finish_ask(opt, study, t, dists)
            so_far = study.get_trials(deepcopy=False)
            last = so_far[-1]
            first, k = next((t.user_attrs[BATCH] for t in reversed(so_far) if BATCH in t.user_attrs), (-1, 0))
            if first + k <= last.number:  # the last trial opened a batch and was cut before it was marked
                first = last.number
                evaluated = sum(1 for t in so_far if t.number < first and "repeat_of" not in t.user_attrs)
                k = min(sec.batch_size, n_trials - evaluated)
                study._storage.set_trial_user_attr(last._trial_id, BATCH, [first, k])
            for _i in range(first + k - len(so_far)):
                _ask(opt, study, dists, first, k)
            running = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.RUNNING]
            _process_batch(opt, study, executor, running, R)
        # 2. new trials, in batches, until `trials` candidates have been run (a proposal
        # that repeats a plan already run takes its figures without running it again)
        while True:
            all_trials = study.get_trials(deepcopy=False)
            evaluated = sum(1 for t in all_trials if "repeat_of" not in t.user_attrs)
            if evaluated >= n_trials or len(all_trials) >= 10 * n_trials:
                break
            k = min(sec.batch_size, n_trials - evaluated)
            first = len(study.get_trials(deepcopy=False))
            asked = [_ask(opt, study, dists, first, k) for _i in range(k)]
            _process_batch(opt, study, executor, asked, R)
            if progress:
                print(_progress_line(opt, study, n_trials), file=sys.stderr, flush=True)
        table = trials_table(opt, study)
        finalists = _finalists(opt, table, executor)
    finally:
        executor.close()
    wall = time.perf_counter() - t0
    return _write_outputs(opt, out, table, finalists, wall, charts=charts)


BATCH = "batch"
"""A trial's user attribute: ``[first trial number, size]`` of the batch it was asked in."""


def _ask(opt: Optimization, study: Any, dists: dict[str, Any], first: int, k: int) -> Any:
    """Ask the next trial of the batch of ``k`` trials from number ``first``, with the
    sampler seeded for its number; mark it with its batch."""
    study.sampler = _sampler(opt, len(study.get_trials(deepcopy=False)))
    t = study.ask(dists)
    study._storage.set_trial_user_attr(t._trial_id, BATCH, [first, k])
    return t


def _finish_ask(opt: Optimization, study: Any, trial: Any, dists: dict[str, Any]) -> None:
    """A session killed in the middle of asking ``trial`` stored only some of its
    parameters: ask again, on a copy of the trials before it with the sampler seeded for
    its number (what the killed session's sampler saw), and store the missing ones."""
    import optuna

    if set(trial.params) == set(dists):
        return
    scratch = optuna.create_study(directions=study.directions, sampler=_sampler(opt, trial.number))
    scratch.add_trials([t for t in study.get_trials(deepcopy=True) if t.number < trial.number])
    again = scratch.ask(dists)
    if again.number != trial.number or any(again.params[k] != v for k, v in trial.params.items()):
        raise OptimizeError(
            _("--resume: trial {trial} was cut while being asked and cannot be asked again the same way").format(
                trial=trial.number
            )
        )
    for name, dist in dists.items():
        if name not in trial.params:
            study._storage.set_trial_param(trial._trial_id, name, dist.to_internal_repr(again.params[name]), dist)


def _key(params: dict[str, Any]) -> str:
    return json.dumps({k: params[k] for k in sorted(params)}, sort_keys=True, default=str)


def _process_batch(opt: Optimization, study: Any, executor: _Executor, trials: list[Any], R: int) -> None:
    """Run the batch's new plans; a trial repeating a plan already run (before, or earlier
    in this batch) gets that trial's figures, marked ``repeat_of``, and runs nothing."""
    import optuna

    def completed() -> dict[str, Any]:
        return {
            _key(t.params): t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.COMPLETE
        }

    done = completed()
    to_run, repeats, seen = [], [], set()
    for t in trials:
        k = _key(t.params)
        if k in done or k in seen:
            repeats.append(t)
        else:
            seen.add(k)
            to_run.append(t)
    if to_run:
        _evaluate_and_tell(opt, study, executor, to_run, R)
    done = completed()
    storage = study._storage
    for t in repeats:
        src = done[_key(t.params)]
        for name in ("metrics", "constraints", "values"):
            storage.set_trial_user_attr(t._trial_id, name, src.user_attrs[name])
        storage.set_trial_user_attr(t._trial_id, "repeat_of", src.number)
        study.sampler = _sampler(opt, t.number, for_tell=True)
        study.tell(t.number, list(src.values))


def _evaluate_and_tell(opt: Optimization, study: Any, executor: _Executor, trials: list[Any], R: int) -> None:
    cands = [{n: _param_value(opt, n, v) for n, v in t.params.items()} for t in trials]
    parts = evaluate_candidates(opt, cands, executor, replicates=R, seed_point=0, first_id=trials[0].number)
    storage = study._storage
    for t, rows in zip(trials, parts):
        m = candidate_metrics(rows, opt)
        cons = constraint_values(m, opt.section.constraints)
        tid = t._trial_id
        storage.set_trial_user_attr(tid, "metrics", m)
        storage.set_trial_user_attr(tid, "constraints", cons)
        storage.set_trial_user_attr(tid, "values", cands[trials.index(t)])
        study.sampler = _sampler(opt, t.number, for_tell=True)
        study.tell(t.number, _objective_values(m, opt))


def _feasible(cons: list[float]) -> bool:
    return all(c <= 1e-12 for c in cons)


def trials_table(opt: Optimization, study: Any) -> pd.DataFrame:
    """One row per finished trial: ``trial``, factor values, metrics, objective values,
    ``repeat_of`` (the trial whose plan it repeats and whose figures it took, or -1 for a
    plan that was run), ``violation`` (sum of positive constraint values), ``feasible``."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.state.name != "COMPLETE":
            continue
        r: dict[str, Any] = {"trial": t.number}
        r.update(t.user_attrs.get("values", {}))
        r.update(t.user_attrs.get("metrics", {}))
        for o, v in zip(opt.section.objectives, t.values):
            r[f"objective_{o.label}"] = v
        cons = t.user_attrs.get("constraints", [])
        r["repeat_of"] = t.user_attrs.get("repeat_of", -1)
        r["violation"] = float(sum(max(0.0, c) for c in cons))
        r["feasible"] = _feasible(cons)
        rows.append(r)
    df = pd.DataFrame(rows)
    return df.sort_values("trial").reset_index(drop=True) if len(df) else df


def _sign(o: Objective) -> float:
    return 1.0 if o.direction == "minimize" else -1.0


def rank_trials(opt: Optimization, table: pd.DataFrame) -> pd.DataFrame:
    """Feasible trials, best first (one objective), or the Pareto set of the feasible
    trials (two objectives, sorted by the first)."""
    obj = opt.section.objectives
    f = table[table["feasible"]] if len(table) else table
    if not len(f):
        return f
    cols = [f"objective_{o.label}" for o in obj]
    if len(obj) == 1:
        return f.sort_values([cols[0], "trial"], ascending=[obj[0].direction == "minimize", True])
    return pareto_front(f, cols, [_sign(o) for o in obj]).sort_values([cols[0], "trial"])


def pareto_front(df: pd.DataFrame, cols: list[str], signs: list[float]) -> pd.DataFrame:
    """Rows not dominated by any other row (every objective as good, one better)."""
    v = df[cols].to_numpy(float) * np.asarray(signs)
    keep = []
    for i in range(len(v)):
        dominated = np.any(np.all(v <= v[i], axis=1) & np.any(v < v[i], axis=1))
        keep.append(not dominated)
    return df[np.asarray(keep, dtype=bool)] if len(df) else df


def _finalists(opt: Optimization, table: pd.DataFrame, executor: _Executor) -> pd.DataFrame:
    sec = opt.section
    if not len(table) or sec.finalists == 0:
        return pd.DataFrame()
    ranked = rank_trials(opt, table)
    if not len(ranked):  # nothing feasible: the closest plans, to show what blocks them
        ranked = _closest(table)
    # the same plan proposed twice is one finalist
    names = opt.experiment.factor_names
    ranked = ranked.drop_duplicates(subset=names, keep="first").head(sec.finalists)
    R = sec.finalist_replicates or 2 * opt.experiment.spec.replicates
    cands = [{n: _param_value(opt, n, r[n]) for n in names} for r in ranked.to_dict("records")]
    parts = evaluate_candidates(opt, cands, executor, replicates=R, seed_point=1, first_id=0)
    rows = []
    for (_i, r), c, p in zip(ranked.iterrows(), cands, parts):
        m = candidate_metrics(p, opt)
        cons = constraint_values(m, sec.constraints)
        row = {"trial": int(r["trial"]), **c}
        row.update({f"search_{o.label}": r[f"objective_{o.label}"] for o in sec.objectives})
        row.update({f"fresh_{k}": v for k, v in m.items()})
        row["fresh_violation"] = float(sum(max(0.0, x) for x in cons))
        row["fresh_feasible"] = _feasible(cons)
        if "chance_all_targets" in m:
            from growthsim.metrics.targets import wilson

            lo, hi = wilson(int(round(m["chance_all_targets"] * m["replicates"])), int(m["replicates"]))
            row["fresh_chance_low"], row["fresh_chance_high"] = lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def _closest(table: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """Plans run, closest to feasible first: the smallest constraint violation, then the
    smallest gap between the median future and the targets' bounds, then the cheapest."""
    t = table[table["repeat_of"] == -1] if "repeat_of" in table else table
    keys = [k for k in (f"{prefix}violation", f"{prefix}target_gap", f"{prefix}monthly_spend") if k in t]
    return t.sort_values(keys + ["trial"], kind="stable")


def _pick(opt: Optimization, finalists: pd.DataFrame) -> tuple[dict[str, Any] | None, bool]:
    """The recommended finalist (on fresh replicates) and whether it meets the constraints."""
    if not len(finalists):
        return None, False
    o = opt.section.objectives[0]
    col = f"fresh_{o.label}"
    ok = finalists[finalists["fresh_feasible"]]
    if len(ok):
        best = ok.sort_values([col, "trial"], ascending=[o.direction == "minimize", True]).iloc[0]
        return best.to_dict(), True
    best = _closest(finalists, "fresh_").iloc[0]
    return best.to_dict(), False


def _progress_line(opt: Optimization, study: Any, n_trials: int) -> str:
    table = trials_table(opt, study)
    ranked = rank_trials(opt, table)
    o = opt.section.objectives[0]
    n = len(table)
    if len(ranked):
        b = ranked.iloc[0]
        return _("trials {n}/{total}: best so far trial {trial}, {objective} {value}").format(
            n=n, total=n_trials, trial=int(b["trial"]), objective=o.label, value=f"{b[f'objective_{o.label}']:,.4g}"
        )
    return _("trials {n}/{total}: no candidate meets the constraints yet").format(n=n, total=n_trials)


# --------------------------------------------------------------------------- outputs


def best_scenario(opt: Optimization, values: dict[str, Any], replicates: int | None = None) -> dict[str, Any]:
    """The complete scenario (plain data) of a candidate: base plan + fixed overrides +
    the candidate's factor values; ``growthsim run`` runs it as is."""
    plan = apply_overrides(
        opt.experiment.base, {n: _param_value(opt, n, values[n]) for n in opt.experiment.factor_names}
    )
    data = scenario_to_dict(plan)
    if replicates:
        data["replicates"] = int(replicates)
    return data


def _write_outputs(
    opt: Optimization, out: Path, table: pd.DataFrame, finalists: pd.DataFrame, wall: float, charts: bool = True
) -> OptimizeResult:
    from growthsim.io import atomic_write_text, write_csv, write_json

    sec = opt.section
    names = opt.experiment.factor_names
    write_parquet(out / "trials.parquet", table)
    write_csv(out / "trials.csv", table)
    ranked = rank_trials(opt, table)
    pareto = ranked if len(sec.objectives) == 2 else pd.DataFrame()
    if len(sec.objectives) == 2:
        write_csv(out / "pareto.csv", pareto)
    if len(finalists):
        write_csv(out / "finalists.csv", finalists)
    best, feasible = _pick(opt, finalists)
    R_fresh = sec.finalist_replicates or 2 * opt.experiment.spec.replicates
    if best is not None:
        data = best_scenario(opt, best, replicates=R_fresh)
        data["description"] = (
            _("found by growthsim optimize ({name}, trial {trial}); meets the constraints on fresh replicates")
            if feasible
            else _(
                "found by growthsim optimize ({name}, trial {trial}); does NOT meet the constraints on fresh replicates"
            )
        ).format(name=opt.experiment.name, trial=int(best["trial"]))
        atomic_write_text(out / "best.yaml", yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    closest = _closest(table).head(5) if len(table) and not table["feasible"].any() else None
    summary = {
        "experiment": opt.experiment.name,
        "trials": int(len(table)),
        "plans_run": int((table["repeat_of"] == -1).sum()) if len(table) else 0,
        "runs": int((table["repeat_of"] == -1).sum()) * opt.experiment.spec.replicates if len(table) else 0,
        "feasible_trials": int(table["feasible"].sum()) if len(table) else 0,
        "feasible": bool(feasible),
        "objectives": [o.model_dump() for o in sec.objectives],
        "constraints": sec.constraints.model_dump(),
        "replicates": opt.experiment.spec.replicates,
        "finalist_replicates": R_fresh,
        "wall_s": round(wall, 2),
        "best": {k: v for k, v in (best or {}).items()},
        "factors": names,
        "closest_infeasible": closest.to_dict("records") if closest is not None else None,
    }
    write_json(out / "summary.json", summary)
    md = summary_markdown(opt, table, finalists, best, feasible, closest, R_fresh)
    atomic_write_text(out / "summary.md", md)
    if charts and len(table):
        _charts(opt, table, pareto, out)
    return OptimizeResult(
        out=out, trials=table, finalists=finalists, pareto=pareto, best=best, feasible=feasible, summary=summary
    )


COLUMN_LABELS: dict[str, str] = {
    "trial": N_("trial"),
    "replicates": N_("replicates"),
    "failed": N_("failed runs"),
    "total_cost": N_("total cost (median)"),
    "monthly_spend": N_("monthly spend (median)"),
    "chance_all_targets": N_("chance of hitting all targets"),
    "chance_low": N_("chance, 95% interval low"),
    "chance_high": N_("chance, 95% interval high"),
    "target_gap": N_("gap to the targets"),
    "violation": N_("constraint shortfall"),
    "feasible": N_("meets the constraints"),
}
"""Shown names of the summary tables' columns (the CSV and parquet files keep the codes)."""
DIRECTIONS = (N_("minimize"), N_("maximize"))
"""The objectives' directions, shown translated."""


def column_label(column: str, opt: Optimization) -> str:
    """A summary table's column as a planner reads it: factor paths as written in the
    file, metrics by their names in the active language (``fresh_`` dropped)."""
    if column in opt.experiment.factor_names:
        return column
    c = column.removeprefix("fresh_")
    if c in COLUMN_LABELS:
        return _(COLUMN_LABELS[c])
    targets = opt.experiment.base.targets
    for prefix, label in (("chance_target_", N_("chance: {target}")), ("median_target_", N_("median: {target}"))):
        if c.startswith(prefix) and c[len(prefix) :].isdigit() and int(c[len(prefix) :]) < len(targets):
            return _(label).format(target=targets[int(c[len(prefix) :])].shown_label())
    from growthsim.i18n.terms import kpi_label  # noqa: PLC0415

    return kpi_label(c)


def _fmt(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return _("yes") if v else _("no")
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(v):
            return "-"
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"  # type: ignore[operator]  # abs() of np.floating
    return str(v)


def summary_markdown(
    opt: Optimization,
    table: pd.DataFrame,
    finalists: pd.DataFrame,
    best: dict | None,
    feasible: bool,
    closest: pd.DataFrame | None,
    R_fresh: int,
) -> str:
    sec = opt.section
    cur = opt.experiment.base.economics.currency
    names = opt.experiment.factor_names
    o = sec.objectives[0]
    lines = [_("# {name}: optimisation summary").format(name=opt.experiment.name), ""]
    cons = {k: v for k, v in sec.constraints.model_dump().items() if v is not None}
    n_run = int((table["repeat_of"] == -1).sum()) if len(table) else 0
    lines.append(
        ngettext(
            "{n} candidate plan x {reps} replicates (common random numbers); objective(s): {objectives}; "
            "constraints: {constraints}. Finalists re-run on {fresh} fresh replicates; the figures below are from "
            "those runs.",
            "{n} candidate plans x {reps} replicates (common random numbers); objective(s): {objectives}; "
            "constraints: {constraints}. Finalists re-run on {fresh} fresh replicates; the figures below are from "
            "those runs.",
            n_run,
        ).format(
            n=n_run,
            reps=opt.experiment.spec.replicates,
            objectives=", ".join(f"{_(x.direction)} {column_label(x.label, opt)}" for x in sec.objectives),
            constraints=", ".join(f"{k} = {_fmt(v)}" for k, v in cons.items()) or _("none"),
            fresh=R_fresh,
        )
    )
    lines.append("")
    if best is not None:
        plan = ", ".join(f"`{n}` = {_fmt(best[n])}" for n in names)
        from growthsim.report.numbers import currency_unit  # noqa: PLC0415

        spend = f"{_fmt(best.get('fresh_monthly_spend'))} {currency_unit(cur)}".strip()
        if "fresh_chance_all_targets" in best:
            fig = _("{spend}/month, hits all targets in {share} ({low}–{high}) of fresh futures").format(
                spend=spend,
                share=f"{best['fresh_chance_all_targets']:.0%}",
                low=f"{best['fresh_chance_low']:.0%}",
                high=f"{best['fresh_chance_high']:.0%}",
            )
        else:
            fig = _("{spend}/month").format(spend=spend)
        if feasible:
            lines.append(
                _(
                    "**Pick trial {trial}**: {plan} — {figures}. `best.yaml` is this plan as a complete "
                    "scenario (`growthsim run best.yaml`)."
                ).format(trial=int(best["trial"]), plan=plan, figures=fig)
            )
        else:
            lines.append(
                _(
                    "**No plan in the search space meets the constraints.** The closest (trial {trial}): "
                    "{plan} — {figures}; total shortfall {shortfall} (constraint units: share of a spending "
                    "limit, or probability points). `best.yaml` holds it."
                ).format(trial=int(best["trial"]), plan=plan, figures=fig, shortfall=f"{best['fresh_violation']:.3g}")
            )
        lines.append("")
    if len(finalists):
        cols = ["trial", *names] + [
            c for c in finalists.columns if c.startswith("fresh_") and c not in ("fresh_replicates", "fresh_failed")
        ]
        lines.append(_("## Finalists (fresh replicates)"))
        lines.append("")
        lines.append("| " + " | ".join(column_label(c, opt) for c in cols) + " |")
        lines.append("|" + "---|" * len(cols))
        for r in finalists.to_dict("records"):
            lines.append("| " + " | ".join(_fmt(r.get(c)) for c in cols) + " |")
        lines.append("")
    if closest is not None:
        lines.append(_("## Closest candidates (none feasible in the search)"))
        lines.append("")
        show = [
            "trial",
            *names,
            "monthly_spend",
            "chance_all_targets",
            *[c for c in closest.columns if c.startswith("median_target_")],
            "violation",
        ]
        show = [c for c in show if c in closest.columns]
        lines.append("| " + " | ".join(column_label(c, opt) for c in show) + " |")
        lines.append("|" + "---|" * len(show))
        for r in closest.to_dict("records"):
            lines.append("| " + " | ".join(_fmt(r.get(c)) for c in show) + " |")
        misses = [c for c in table.columns if c.startswith("chance_target_")]
        if misses:
            t0 = closest.iloc[0]
            tg = opt.experiment.base.targets
            worst = sorted((t0[c], int(c.rsplit("_", 1)[1])) for c in misses)[:2]
            why = []
            for v, i in worst:
                t = tg[i]
                bound = t.at_least if t.at_least is not None else t.at_most
                med = t0.get(f"median_target_{i}", float("nan"))
                best_med = (
                    closest[f"median_target_{i}"].max()
                    if t.at_least is not None
                    else closest[f"median_target_{i}"].min()
                )
                why.append(
                    _(
                        "'{target}' is hit in {share} of futures (the closest plan's median {kpi} at day "
                        "{day} is {median} against {bound}; the best of these plans reaches {best})"
                    ).format(
                        target=t.shown_label(),
                        share=f"{v:.0%}",
                        kpi=t.kpi,
                        day=t.checkpoint,
                        median=_fmt(med),
                        bound=_fmt(bound),
                        best=_fmt(best_med),
                    )
                )
            lines.append("")
            lines.append(_("What blocks it: {reasons}.").format(reasons=_("; ").join(why)))
        lines.append("")
    lines.append(
        _("Files: {files}.").format(
            files=_("trials.csv / trials.parquet (every candidate)")
            + ", finalists.csv"
            + (", pareto.csv" if len(sec.objectives) == 2 else "")
            + ", best.yaml, convergence.png"
            + (", pareto.png" if len(sec.objectives) == 2 else "")
            + ", summary.json"
        )
    )
    del o
    return "\n".join(lines) + "\n"


def _charts(opt: Optimization, table: pd.DataFrame, pareto: pd.DataFrame, out: Path) -> None:
    import matplotlib

    from growthsim.report.fonts import font_rc  # noqa: PLC0415

    matplotlib.use("Agg")
    with matplotlib.rc_context(font_rc()):  # type: ignore[arg-type]  # rc keys typed as Literal names
        _draw_charts(opt, table, pareto, out)


def _draw_charts(opt: Optimization, table: pd.DataFrame, pareto: pd.DataFrame, out: Path) -> None:
    import matplotlib.pyplot as plt

    from growthsim.io import atomic_write_png

    o = opt.section.objectives[0]
    col = f"objective_{o.label}"
    fig, ax = plt.subplots(figsize=(7, 4))
    feas = table["feasible"].to_numpy(bool)
    ax.scatter(table["trial"][~feas], table[col][~feas], s=12, c="#bbbbbb", label=_("infeasible"))
    ax.scatter(table["trial"][feas], table[col][feas], s=12, c="#1f77b4", label=_("feasible"))
    vals = np.where(feas, table[col].to_numpy(float), np.nan)
    sign = 1.0 if o.direction == "minimize" else -1.0
    best = pd.Series(vals * sign).cummin().to_numpy() * sign
    ax.step(table["trial"], best, where="post", c="#d62728", label=_("best feasible so far"))
    ax.set_xlabel(_("trial"))
    ax.set_ylabel(column_label(o.label, opt))
    ax.set_title(_("{name}: convergence").format(name=opt.experiment.name))
    ax.legend(fontsize=8)
    fig.tight_layout()
    atomic_write_png(out / "convergence.png", fig, dpi=110)
    plt.close(fig)
    if len(opt.section.objectives) == 2:
        o2 = opt.section.objectives[1]
        c2 = f"objective_{o2.label}"
        fig, ax = plt.subplots(figsize=(6, 4.5))
        ax.scatter(table[col], table[c2], s=12, c=np.where(feas, "#1f77b4", "#bbbbbb"), label=_("trials"))
        if len(pareto):
            p = pareto.sort_values(col)
            ax.plot(p[col], p[c2], "o-", c="#d62728", label=_("Pareto set (feasible)"))
        ax.set_xlabel(f"{column_label(o.label, opt)} ({_(o.direction)})")
        ax.set_ylabel(f"{column_label(o2.label, opt)} ({_(o2.direction)})")
        ax.set_title(_("{name}: Pareto front").format(name=opt.experiment.name))
        ax.legend(fontsize=8)
        fig.tight_layout()
        atomic_write_png(out / "pareto.png", fig, dpi=110)
        plt.close(fig)
