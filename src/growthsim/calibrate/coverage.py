"""Are the forecast bands calibrated? Coverage on synthetic truths drawn from the prior.

For each of ``n`` synthetic communities: a truth θ* is drawn from the spec's prior
(uniform in the unit cube, i.e. on each parameter's range, log-uniform with ``scale:
log``); one history is simulated at θ* (its own replicate index); the ABC-SMC posterior
is computed on its first ``train_days``; the **posterior-predictive forecast** of the
held-out days is made as the engine's forecast is: ``posterior_draws`` parameter sets
drawn from the particles (systematic resampling), 5 x ``draws`` candidate histories
(candidate r at set r mod D, each with its own random stream) weighed by their closeness to
the observed end of the training part, ``draws`` of them drawn
(:func:`growthsim.calibrate.forecast.select`); ``conditioned=False`` leaves the selection
out (each run simulated from day 0 at its set, conditioned on the history only through the
posterior, so its band also holds paths the history has ruled out). Held-out
points are the weekly sums of each fitted flow series (the held-out days in whole weeks)
and their running totals; a point is covered when it lies inside the forecast's
P10–P90 (or P2.5–P97.5) band of the same quantity.

If the posterior and the model are right, a P10–P90 band covers 80% of points on average
over truths drawn from the prior (a property of Bayesian posteriors averaged over the
prior: Cook, Gelman & Rubin 2006; Talts et al. 2018, simulation-based calibration).
ABC's tolerance ε > 0 widens the posterior, so ABC bands tend to over-cover.

Joins are replayed from the synthetic history when the spec says ``joins: replay``.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import numpy as np
import pandas as pd

from growthsim.calibrate.abc import abc_posterior, systematic_resample
from growthsim.calibrate.fit import FitProblem
from growthsim.calibrate.history import FLOW_SERIES, History
from growthsim.calibrate.sim import run_columns, with_horizon
from growthsim.i18n import _
from growthsim.scenario.loader import apply_overrides
from growthsim.scenario.schema import Scenario

TRUTH_REPLICATE = 20_000_000  # + history index: replicate of the synthetic truth
PREDICTIVE_REPLICATE = 30_000_000  # + 1000 * history index + draw


def synthetic_history(
    plan: Scenario,
    values: dict[str, Any],
    days: int,
    seed: int,
    replicate: int,
    series: list[str],
    daily_joins: list[int] | None = None,
) -> History:
    """One simulated daily history of ``series`` at ``values`` (joins replayed if given)."""
    from growthsim.calibrate.history import sim_column
    from growthsim.calibrate.sim import with_replay

    p = apply_overrides(with_horizon(plan, days), values) if values else with_horizon(plan, days)
    if daily_joins is not None:
        p = with_replay(p, daily_joins)
    cols = sorted({sim_column(s, 1) for s in series})
    arr = run_columns(p, cols, 1, seed, replicate)
    data = pd.DataFrame({s: arr[sim_column(s, 1)][0] for s in series})
    start = dt.date(2026, 1, 1)
    return History("synthetic", 1, [start + dt.timedelta(days=i) for i in range(days)], data, [])


def predictive(
    full: FitProblem,
    sets: list[dict[str, Any]],
    train: History,
    series: list[str],
    draws: int,
    seed: int,
    first_replicate: int,
    conditioned: bool = True,
) -> dict[str, np.ndarray]:
    """Posterior-predictive daily series (draws, days) over ``full``'s history.

    ``conditioned``: as the engine's forecast does, ``POOL_FACTOR`` x ``draws`` candidates
    (candidate r at parameter set r mod D) are weighed by their closeness to the observed
    end of ``train`` and ``draws`` of them drawn (:func:`growthsim.calibrate.forecast.select`);
    otherwise ``draws`` runs, run r at set r mod D, none selected."""
    from growthsim.calibrate.forecast import POOL_FACTOR, end_targets, select, simulated_targets, target_columns
    from growthsim.calibrate.history import periods_from_columns, sim_column

    plans = [full.plan(v) for v in sets]
    targets = end_targets(train, full.spec.joins == "replay")
    cols = sorted({sim_column(s, 1) for s in series} | set(target_columns(targets, 1)))
    K = POOL_FACTOR * draws if conditioned else draws
    arr = run_columns(plans, cols, K, full.seed, first_replicate)  # replicate r at set r mod D
    per = periods_from_columns(arr, series, 1, full.history.n_periods)
    if not conditioned:
        return per
    sel = select(simulated_targets(arr, targets, 1), targets, draws, seed)
    return {s: v[sel.indices] for s, v in per.items()}


def coverage_study(
    plan: Scenario,
    spec,
    n: int,
    train_days: int,
    holdout_days: int,
    seed: int = 1,
    draws: int = 40,
    daily_joins: list[int] | None = None,
    conditioned: bool = True,
    log=None,
) -> dict[str, Any]:
    """Coverage of posterior-predictive bands over ``n`` truths drawn from the prior."""
    rng = np.random.default_rng(seed)
    days = train_days + holdout_days
    weeks = holdout_days // 7
    series = [s for s in (spec.series or {"purchases": 1}) if s in FLOW_SERIES]
    records = []
    t0 = time.perf_counter()
    a = spec.abc
    # maps unit-cube points to values (the history it is built on is not used for that)
    probe = FitProblem(
        plan, synthetic_history(plan, {}, days, seed, 0, ["new_members"] + series, daily_joins), spec, {}, seed
    )
    for i in range(n):
        truth = probe.to_values(rng.random(len(spec.parameters)))
        hist = synthetic_history(plan, truth, days, seed, TRUTH_REPLICATE + i, ["new_members"] + series, daily_joins)
        train = hist.head(train_days)
        problem = FitProblem(plan, train, spec, {}, seed + i)
        post = abc_posterior(
            problem, seed + i, a.population, a.generations, a.max_simulations, a.min_acceptance_rate, a.posterior_draws
        )
        idx = systematic_resample(post.weights, a.posterior_draws, np.random.default_rng(seed + i))
        full = FitProblem(plan, hist, spec, {}, seed + i)
        sims = predictive(
            full,
            [problem.to_values(post.particles[j]) for j in idx],
            train,
            series,
            draws,
            seed + i,
            PREDICTIVE_REPLICATE + 10_000 * i,
            conditioned,
        )
        rec: dict[str, Any] = {
            "history": i,
            "truth": truth,
            "posterior_median": post.point,
            "simulations": post.simulations,
            "seconds": post.seconds,
            "points": [],
        }
        for s in series:
            y = hist.data[s].to_numpy(dtype=float)[train_days : train_days + 7 * weeks].reshape(weeks, 7).sum(axis=1)
            v = sims[s][:, train_days : train_days + 7 * weeks].reshape(draws, weeks, 7).sum(axis=2)
            for kind, yy, vv in (("weekly", y, v), ("cumulative", np.cumsum(y), np.cumsum(v, axis=1))):
                q = np.quantile(vv, [0.025, 0.1, 0.9, 0.975], axis=0)
                for w in range(weeks):
                    rec["points"].append(
                        {
                            "series": s,
                            "kind": kind,
                            "week": w + 1,
                            "actual": float(yy[w]),
                            "p2_5": float(q[0, w]),
                            "p10": float(q[1, w]),
                            "p90": float(q[2, w]),
                            "p97_5": float(q[3, w]),
                            "in_80": bool(q[1, w] <= yy[w] <= q[2, w]),
                            "in_95": bool(q[0, w] <= yy[w] <= q[3, w]),
                        }
                    )
        records.append(rec)
        if log:
            c80 = np.mean([p["in_80"] for r in records for p in r["points"]])
            c95 = np.mean([p["in_95"] for r in records for p in r["points"]])
            log(
                _(
                    "history {value}/{n}: {simulations} simulations, {seconds:.1f} s; coverage so far P10–P90 {c80:.2f}, P2.5–P97.5 {c95:.2f} ({value2:.0f} s)"
                ).format(
                    value=i + 1,
                    n=n,
                    simulations=post.simulations,
                    seconds=post.seconds,
                    c80=c80,
                    c95=c95,
                    value2=time.perf_counter() - t0,
                )
            )
    pts = [p for r in records for p in r["points"]]
    out: dict[str, Any] = {
        "histories": n,
        "train_days": train_days,
        "holdout_days": holdout_days,
        "draws": draws,
        "conditioned": conditioned,
        "points": len(pts),
        "seconds": time.perf_counter() - t0,
        "records": records,
    }
    out["coverage_p10_p90"] = float(np.mean([p["in_80"] for p in pts]))
    out["coverage_p2_5_p97_5"] = float(np.mean([p["in_95"] for p in pts]))
    for kind in ("weekly", "cumulative"):
        sub = [p for p in pts if p["kind"] == kind]
        out[f"coverage_p10_p90_{kind}"] = float(np.mean([p["in_80"] for p in sub]))
        out[f"coverage_p2_5_p97_5_{kind}"] = float(np.mean([p["in_95"] for p in sub]))
    return out
