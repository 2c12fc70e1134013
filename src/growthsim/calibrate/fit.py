"""Fitting scenario parameters to a history by simulation.

For a candidate parameter set θ the plan is simulated ``spec.replicates`` times with
*common random numbers* — the same base seed and replicates 0..R-1 for every candidate —
and the replicate mean of each series is compared with the observed series. The distance
is the weighted mean over series of the normalised RMSE

    d_s(θ) = sqrt(mean_t (m_s(t) - y_s(t))^2) / max(1, mean_t |y_s(t)|)

where flows (new_members, purchases, revenue, spend) are compared as running totals (a
smoother target than noisy per-period counts) and stocks (members, active_members) as
levels; periods with no observation are left out. The search runs in the unit cube
(log-transformed for ``scale: log``) with :func:`scipy.optimize.differential_evolution`
(seeded, no polishing) or bounded :func:`scipy.optimize.minimize` Nelder–Mead.

Uncertainty is a parametric bootstrap: ``spec.bootstrap`` synthetic histories are simulated
from the fitted θ̂ with seeds unused by the fit (same observation mask as the real
history), each is re-fitted by the same method (half the evaluation budget; differential
evolution from a fresh population, Nelder–Mead from θ̂), and the spread of the re-fits is
reported: standard deviation, the P5–P95 percentile interval, and the bootstrap bias (mean
re-fit minus θ̂; a large bias says the estimator is pulled one way, e.g. because a single
observed path of a skewed growth process is compared with a replicate mean).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize

from growthsim.calibrate.history import FLOW_SERIES, History, periods_from_columns, sim_column
from growthsim.calibrate.sim import run_columns, with_horizon, with_replay
from growthsim.calibrate.spec import FitSpec
from growthsim.i18n import _
from growthsim.scenario.loader import apply_overrides
from growthsim.scenario.schema import Scenario

BOOTSTRAP_SEED_STRIDE = 1_000_003  # bootstrap history b uses seed + stride * (b + 1)


# --------------------------------------------------------------------------- error measures


def comparable(series: str, y: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the distance compares: running totals for flows, levels for stocks; only where
    ``y`` is observed. ``m`` may be (n,) or (R, n)."""
    mask = ~np.isnan(y)
    if series in FLOW_SERIES:
        y0 = np.where(mask, y, 0.0)
        m0 = np.where(mask, m, 0.0)
        return np.cumsum(y0)[mask], np.cumsum(m0, axis=-1)[..., mask]
    return y[mask], m[..., mask]


def nrmse(y: np.ndarray, m: np.ndarray) -> float:
    """RMSE of ``m`` against ``y`` over max(1, mean |y|)."""
    if len(y) == 0:
        return math.nan
    return float(np.sqrt(np.mean((m - y) ** 2)) / max(1.0, float(np.mean(np.abs(y)))))


def mape(y: np.ndarray, f: np.ndarray) -> float:
    """Mean absolute percentage error (%) over the periods where ``y`` > 0 and observed."""
    ok = ~np.isnan(y) & (y > 0)
    if not ok.any():
        return math.nan
    return float(100.0 * np.mean(np.abs(f[ok] - y[ok]) / y[ok]))


def coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Share of observed periods inside [lo, hi]."""
    ok = ~np.isnan(y)
    if not ok.any():
        return math.nan
    return float(np.mean((y[ok] >= lo[ok]) & (y[ok] <= hi[ok])))


def distance(
    observed: dict[str, np.ndarray], simulated_mean: dict[str, np.ndarray], weights: dict[str, float]
) -> float:
    """Weighted mean normalised RMSE over series (see the module docstring)."""
    tot = wsum = 0.0
    for s, w in weights.items():
        if w <= 0:
            continue
        y, m = comparable(s, observed[s], simulated_mean[s])
        d = nrmse(y, m)
        if math.isfinite(d):
            tot += w * d
            wsum += w
    return tot / wsum if wsum > 0 else math.nan


# --------------------------------------------------------------------------- the problem


@dataclass
class FitProblem:
    """A scenario, a history and a spec, ready to evaluate candidates.

    ``scenario`` is the plan as given; :meth:`plan` returns it with the candidate values,
    the history's horizon and (``joins: replay``) the observed joins replayed."""

    scenario: Scenario
    history: History
    spec: FitSpec
    ints: dict[str, bool]
    seed: int
    weights: dict[str, float] = field(init=False)
    observed: dict[str, np.ndarray] = field(init=False)
    evaluations: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        present = self.history.series
        if self.spec.joins == "replay":
            present = [s for s in present if s != "new_members"]  # replayed: nothing to fit
        w = self.spec.series or {s: 1.0 for s in present}
        self.weights = {s: float(v) for s, v in w.items() if s in present and v > 0}
        self.observed = {s: self.history.data[s].to_numpy(dtype=float) for s in self.history.series}
        base = with_horizon(self.scenario, self.history.days)
        self._base = with_replay(base, self.history.daily_joins() if self.spec.joins == "replay" else None)

    @property
    def names(self) -> list[str]:
        return list(self.spec.parameters)

    def to_values(self, u: np.ndarray) -> dict[str, Any]:
        """Unit-cube point -> parameter values (rounded for integer fields)."""
        out: dict[str, Any] = {}
        for x, (name, ps) in zip(np.clip(u, 0.0, 1.0), self.spec.parameters.items()):
            if ps.scale == "log":
                v = math.exp(math.log(ps.min) + float(x) * (math.log(ps.max) - math.log(ps.min)))
            else:
                v = ps.min + float(x) * (ps.max - ps.min)
            v = min(max(v, ps.min), ps.max)
            out[name] = int(round(v)) if self.ints.get(name) else v
        return out

    def to_unit(self, values: dict[str, float]) -> np.ndarray:
        u = []
        for name, ps in self.spec.parameters.items():
            v = float(values[name])
            if ps.scale == "log":
                u.append((math.log(v) - math.log(ps.min)) / (math.log(ps.max) - math.log(ps.min)))
            else:
                u.append((v - ps.min) / (ps.max - ps.min))
        return np.clip(np.asarray(u, dtype=float), 0.0, 1.0)

    def start_values(self) -> dict[str, float]:
        """``start`` where given, else the scenario's value clipped into the bounds."""
        out = {}
        for name, ps in self.spec.parameters.items():
            cur: Any = self.scenario.model_dump()
            for k in name.split("."):
                cur = cur[k]
            v = ps.start if ps.start is not None else float(cur)
            out[name] = min(max(v, ps.min), ps.max)
        return out

    def plan(self, values: dict[str, Any]) -> Scenario:
        return apply_overrides(self._base, values) if values else self._base

    def simulate(
        self, values: dict[str, Any], replicates: int | None = None, seed: int | None = None, first_replicate: int = 0
    ) -> dict[str, np.ndarray]:
        """Simulated history series, each (replicates, periods)."""
        R = self.spec.replicates if replicates is None else replicates
        h = self.history
        cols = sorted({sim_column(s, h.period_days) for s in h.series})
        arr = run_columns(self.plan(values), cols, R, self.seed if seed is None else seed, first_replicate)
        return periods_from_columns(arr, h.series, h.period_days, h.n_periods)

    def simulate_many(
        self, values: list[dict[str, Any]], replicate_ids: list[int], seed: int | None = None
    ) -> dict[str, np.ndarray]:
        """One simulated history per candidate (candidate ``i`` at ``values[i]``, replicate
        ``replicate_ids[i]``), stepped together on the batched engine; each series
        (candidates, periods). Run ``i`` equals ``simulate(values[i], 1,
        first_replicate=replicate_ids[i])``."""
        h = self.history
        cols = sorted({sim_column(s, h.period_days) for s in h.series})
        plans = [self.plan(v) for v in values]
        seed = self.seed if seed is None else seed
        arr = run_columns(plans, cols, len(plans), seed, replicate_ids=list(replicate_ids))
        return periods_from_columns(arr, h.series, h.period_days, h.n_periods)

    def objective(self, observed: dict[str, np.ndarray]):
        """u -> distance, with common random numbers and a cache of evaluated points."""
        cache: dict[tuple, float] = {}

        def f(u: np.ndarray) -> float:
            values = self.to_values(np.asarray(u, dtype=float))
            key = tuple(values.values())
            if key not in cache:
                sims = self.simulate(values)
                self.evaluations += 1
                cache[key] = distance(observed, {s: v.mean(axis=0) for s, v in sims.items()}, self.weights)
            return cache[key]

        return f


@dataclass
class FitResult:
    """Fitted values, their uncertainty and the fit's quality.

    Attributes:
        values: path -> fitted value.
        distance: the objective at the fit (weighted normalised RMSE; 0 = perfect).
        evaluations: candidate parameter sets simulated (all searches, bootstrap included).
        uncertainty: path -> {"sd", "bias", "p5", "p95", "refits": [...]} from the bootstrap
            (``bias`` = mean of the re-fits minus the fitted value).
        quality: series -> {"nrmse", "mape_pct", "bias_pct", "coverage_p10_p90", ...}.
        bands: series -> array (3, periods): simulated P10, P50, P90 at the fit.
        plan: the fitted plan over the history (replay included when chosen).
    """

    values: dict[str, Any]
    distance: float
    evaluations: int
    uncertainty: dict[str, dict[str, Any]]
    quality: dict[str, dict[str, float]]
    bands: dict[str, np.ndarray]
    plan: Scenario
    seconds: float
    weights: dict[str, float]
    identifiability: dict[str, Any] | None = None
    posterior: dict[str, Any] | None = None
    fixed: dict[str, Any] = field(default_factory=dict)


def _search(problem: FitProblem, f, method: str, budget: int, start_u: np.ndarray | None, seed: int) -> np.ndarray:
    k = len(problem.names)
    if method == "differential_evolution":
        popsize = 8
        maxiter = max(1, budget // (popsize * k) - 1)
        res = optimize.differential_evolution(
            f,
            bounds=[(0.0, 1.0)] * k,
            maxiter=maxiter,
            popsize=popsize,
            seed=seed,
            polish=False,
            tol=0.0,
            init="sobol" if (popsize * k) & (popsize * k - 1) == 0 else "latinhypercube",
            x0=start_u,
        )
        return np.asarray(res.x)
    x0 = start_u if start_u is not None else np.full(k, 0.5)
    step = 0.15
    simplex = [x0]
    for i in range(k):
        x = x0.copy()
        x[i] = x[i] + step if x[i] + step <= 1 else x[i] - step
        simplex.append(x)
    res = optimize.minimize(
        f,
        x0,
        method="Nelder-Mead",
        bounds=[(0.0, 1.0)] * k,
        options={"maxfev": budget, "xatol": 1e-3, "fatol": 1e-5, "initial_simplex": np.asarray(simplex)},
    )
    return np.asarray(res.x)


def quality(observed: dict[str, np.ndarray], sims: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """Per-series fit quality of simulated replicates against observations."""
    out: dict[str, dict[str, Any]] = {}
    bands: dict[str, np.ndarray] = {}
    for s, y in observed.items():
        v = sims[s]
        q = np.quantile(v, [0.1, 0.5, 0.9], axis=0)
        bands[s] = q
        mean = v.mean(axis=0)
        ok = ~np.isnan(y)
        yc, mc = comparable(s, y, mean)
        out[s] = {
            "periods": int(ok.sum()),
            "nrmse": nrmse(yc, mc),
            "nrmse_basis": "running total" if s in FLOW_SERIES else "level",
            "mape_pct": mape(y, mean),
            "bias_pct": float(100.0 * (mean[ok].sum() - y[ok].sum()) / y[ok].sum()) if y[ok].sum() > 0 else math.nan,
            "coverage_p10_p90": coverage(y, q[0], q[2]),
        }
    return out, bands


def fit(
    scenario: Scenario,
    history: History,
    spec: FitSpec,
    ints: dict[str, bool] | None = None,
    quality_replicates: int = 20,
    log=None,
) -> FitResult:
    """Fit ``spec.parameters`` of ``scenario`` to ``history``.

    Args:
        scenario: the plan; day 0 is the history's first day.
        history: the observed series (already checked against the scenario).
        spec: what to fit and how.
        ints: path -> integer field (from :func:`growthsim.calibrate.spec.check_against_scenario`).
        quality_replicates: replicates simulated at the fit for bands and fit quality.
        log: optional callable taking a progress line.
    """
    t0 = time.perf_counter()
    seed = scenario.seed if spec.seed is None else spec.seed
    problem = FitProblem(scenario, history, spec, ints or {}, seed)
    uncertainty: dict[str, dict[str, Any]] = {}
    ident = None
    fixed: dict[str, Any] = {}
    posterior = None
    if problem.names:
        from growthsim.calibrate.identify import describe, screen

        ident = screen(problem)
        if log:
            log(_("identifiability (before fitting, at the start values):"))
            for line in describe(ident):
                log(f"  {line}")
        if spec.identifiability == "fix" and ident["not_identified"]:
            fixed = {n: problem.start_values()[n] for n in ident["not_identified"]}
            keep = {n: p for n, p in spec.parameters.items() if n not in fixed}
            scenario = apply_overrides(scenario, fixed)
            spec = spec.model_copy(update={"parameters": keep})
            problem = FitProblem(scenario, history, spec, ints or {}, seed)
            if log:
                log(_("  fixed at their scenario values: ") + ", ".join(f"{k}={v:.5g}" for k, v in fixed.items()))
    if problem.names and spec.method == "abc_smc":
        from growthsim.calibrate.abc import abc_posterior

        a = spec.abc
        post = abc_posterior(
            problem,
            seed,
            a.population,
            a.generations,
            a.max_simulations,
            a.min_acceptance_rate,
            a.posterior_draws,
            log=log,
        )
        values = post.point
        problem.evaluations += post.simulations
        best = problem.objective(problem.observed)(problem.to_unit(values))
        for name in problem.names:
            ps = post.summary[name]
            uncertainty[name] = {
                "sd": ps["sd"],
                "bias": ps["mean"] - ps["median"],
                "p5": ps["p5"],
                "p95": ps["p95"],
                "shrinkage": ps["shrinkage"],
                "source": "posterior",
                "refits": [float(d[name]) for d in post.draws],
            }
        posterior = {
            "method": "abc_smc (pyabc)",
            "particles": int(len(post.weights)),
            "ess": float(1.0 / np.sum(post.weights**2)),
            "simulations": post.simulations,
            "engine_runs": post.runs,
            "generations": post.generations,
            "seconds": post.seconds,
            "summary": post.summary,
            "correlation": post.correlation,
            "names": post.names,
            "draws": len(post.draws),
        }
        if log:
            log(
                "posterior: "
                + ", ".join(
                    f"{n} {ps['median']:.4g} (P5–P95 {ps['p5']:.4g}–{ps['p95']:.4g}, shrinkage {ps['shrinkage']:.2f})"
                    for n, ps in post.summary.items()
                )
            )
    elif problem.names:
        f = problem.objective(problem.observed)
        start_u = problem.to_unit(problem.start_values())
        u_hat = _search(problem, f, spec.method, spec.max_evaluations, start_u, seed)
        values = problem.to_values(u_hat)
        best = f(u_hat)
        if log:
            log(
                f"fit: {problem.evaluations} candidates, distance {best:.4f}: "
                + ", ".join(f"{k}={v:.5g}" for k, v in values.items())
            )
        refits = []
        for b in range(spec.bootstrap):
            synth_seed = seed + BOOTSTRAP_SEED_STRIDE * (b + 1)
            one = problem.simulate(values, replicates=1, seed=synth_seed)
            synth = {s: np.where(np.isnan(problem.observed[s]), np.nan, v[0]) for s, v in one.items()}
            fb = problem.objective(synth)
            start = None if spec.method == "differential_evolution" else u_hat
            ub = _search(problem, fb, spec.method, max(20, spec.max_evaluations // 2), start, seed + b + 1)
            refits.append(problem.to_values(ub))
        if log and spec.bootstrap:
            log(
                _("bootstrap: {bootstrap} re-fits, {evaluations} candidates in all").format(
                    bootstrap=spec.bootstrap, evaluations=problem.evaluations
                )
            )
        for name in problem.names:
            est = np.asarray([r[name] for r in refits], dtype=float)
            uncertainty[name] = {
                "sd": float(est.std(ddof=1)) if len(est) > 1 else math.nan,
                "bias": float(est.mean() - values[name]) if len(est) else math.nan,
                "p5": float(np.quantile(est, 0.05)) if len(est) else math.nan,
                "p95": float(np.quantile(est, 0.95)) if len(est) else math.nan,
                "refits": [float(x) for x in est],
            }
    else:
        values, best = {}, math.nan
    sims = problem.simulate(values, replicates=max(quality_replicates, spec.replicates))
    q, bands = quality(problem.observed, sims)
    if not problem.names:
        best = distance(problem.observed, {s: v.mean(axis=0) for s, v in sims.items()}, problem.weights)
    return FitResult(
        values={**values, **fixed} if fixed else values,
        distance=float(best),
        evaluations=problem.evaluations,
        uncertainty=uncertainty,
        quality=q,
        bands=bands,
        plan=problem.plan(values),
        seconds=time.perf_counter() - t0,
        weights=problem.weights,
        identifiability=ident,
        posterior=posterior,
        fixed=fixed,
    )
