"""Backtests: fit on the history without its last days, forecast those days, score the
forecast against what happened and against simple baselines computed in the same run.

Scores per series on the held-out periods (point forecast: the simulated median):

- ``mape_pct``: mean absolute percentage error of per-period values (periods with a
  positive observation);
- ``mape_cum_pct`` (flows only): the same on running totals from the holdout's start;
- ``mase``: mean absolute error over the training part's mean absolute one-period change
  (the in-sample naive forecast's error; < 1 beats a naive forecast made with hindsight);
- ``mape_weekly_pct`` (daily flows): the same on weekly sums from the holdout's start;
- ``end_error_pct``: the error of the running total (flows) or of the last value (stocks) at
  the end of the holdout, % of the actual;
- ``coverage_p10_p90`` (engine only): share of held-out periods inside the simulated band;
- engine flows also get :func:`flow_band_scores`: running totals and weekly sums scored on
  the medians of the simulated ones, their P10–P90 and P2.5–P97.5 coverage, and the end
  total's band with whether the actual lies inside;
- ``band_width`` (engine only): mean P90 − P10 over the held-out periods.

Engine forecasts:

- ``engine``: conditioned on the end of the training part
  (:mod:`growthsim.calibrate.forecast`): ``pool`` candidate runs (default 5 x replicates)
  are weighed by their closeness to the observed end-of-training state, ``replicates`` are
  drawn by systematic resampling, and their held-out days are the forecast. When the
  training fit has bootstrap re-fits, candidate k runs parameter set k mod D (the point
  estimate and the re-fits; :mod:`growthsim.calibrate.draws`), as ``growthsim forecast``
  does;
- ``engine_point_estimate`` (only with re-fits): the same, every candidate at the point
  estimate (``growthsim forecast --point-estimate``);
- ``engine_unconditioned``: replicates 0..R-1 at the point estimate, simulated from day 0
  and not conditioned;
- ``engine_anchored`` (stocks: members, active members): the unconditioned forecast
  shifted so that its last training period equals the observation.

Baselines: ``naive`` (last training value carried forward), ``seasonal_naive`` (daily
histories with two weeks or more of training: the last training week repeated),
``mean_last_4_weeks`` (flows: the mean of the last 28 training days carried forward),
``bgnbd`` (``purchases`` of a history made from a transaction log: BG/NBD fitted by
lifetimes, :mod:`growthsim.calibrate.baselines`) and, for ``members``, ``bass`` — the Bass diffusion curve
``N(t) = N0 + M (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})`` fitted to the training
members with :func:`scipy.optimize.curve_fit`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import optimize

from growthsim.calibrate.baselines import bgnbd_forecast
from growthsim.calibrate.draws import ParameterDraws
from growthsim.calibrate.fit import FitResult, coverage, fit, mape
from growthsim.calibrate.forecast import (
    DEFAULT_TOLERANCE,
    end_targets,
    pool_size,
    select,
    simulated_targets,
    target_columns,
)
from growthsim.calibrate.history import FLOW_SERIES, History, periods_from_columns, sim_column
from growthsim.calibrate.sim import run_columns, with_horizon, with_replay
from growthsim.calibrate.spec import FitSpec
from growthsim.errors import InputFileError, located
from growthsim.i18n import _
from growthsim.scenario.loader import apply_overrides
from growthsim.scenario.schema import Scenario


def bass_curve(t: np.ndarray, M: float, p: float, q: float, n0: float) -> np.ndarray:
    """Bass cumulative adopters at time ``t`` (periods) on top of ``n0`` initial ones."""
    e = np.exp(-(p + q) * t)
    return n0 + M * (1.0 - e) / (1.0 + (q / p) * e)


def fit_bass(y: np.ndarray, ceiling: float) -> tuple[Callable[[Any], np.ndarray], dict[str, float]] | None:
    """Fit :func:`bass_curve` to observed members ``y`` (periods 1..n); None if it fails.

    Returns (a function of period index -> members, the fitted parameters)."""
    t = np.arange(1, len(y) + 1, dtype=float)
    ok = ~np.isnan(y)
    if ok.sum() < 4:
        return None
    n0 = float(y[ok][0])
    room = max(ceiling - n0, 1.0)
    growth = max(float(np.nanmax(y) - n0), 1.0)
    p0 = [min(room, 3 * growth), 0.01, 0.1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            popt, _ = optimize.curve_fit(
                lambda tt, M, p, q: bass_curve(tt, M, p, q, n0),
                t[ok] - 1.0,
                y[ok],
                p0=p0,
                bounds=([0.0, 1e-6, 0.0], [room, 1.0, 5.0]),
                maxfev=5000,
            )
        except (RuntimeError, ValueError, optimize.OptimizeWarning):
            return None
    M, p, q = (float(x) for x in popt)
    return (lambda tt: bass_curve(np.asarray(tt, dtype=float) - 1.0, M, p, q, n0)), {"M": M, "p": p, "q": q, "n0": n0}


def baseline_forecasts(
    train: np.ndarray, h: int, series: str, period_days: int, ceiling: float
) -> dict[str, np.ndarray]:
    """Baseline forecasts of the next ``h`` periods from the training values."""
    obs = train[~np.isnan(train)]
    out: dict[str, np.ndarray] = {}
    if len(obs):
        out["naive"] = np.full(h, obs[-1])
    if period_days == 1 and len(train) >= 14 and not np.isnan(train[-7:]).any():
        out["seasonal_naive"] = np.asarray([train[len(train) - 7 + (k % 7)] for k in range(h)])
    if series in FLOW_SERIES:
        last = train[-max(1, 28 // period_days) :]
        if not np.isnan(last).all():
            out["mean_last_4_weeks"] = np.full(h, float(np.nanmean(last)))
    if series == "members":
        b = fit_bass(train, ceiling)
        if b is not None:
            f, _ = b
            n = len(train)
            out["bass"] = f(np.arange(n + 1, n + h + 1))
    return out


def weekly(v: np.ndarray, period_days: int) -> np.ndarray:
    """Daily flows summed into whole weeks from the first value (a partial last week is
    left out); weekly rows unchanged. ``v`` may be (n,) or (R, n)."""
    if period_days == 7:
        return v
    n = v.shape[-1] // 7 * 7
    return v[..., :n].reshape(*v.shape[:-1], n // 7, 7).sum(axis=-1)


def scores(y: np.ndarray, f: np.ndarray, train: np.ndarray, series: str, period_days: int = 1) -> dict[str, float]:
    """Error measures of forecast ``f`` against held-out ``y`` (see the module docstring)."""
    ok = ~np.isnan(y)
    diffs = np.abs(np.diff(train))
    diffs = diffs[~np.isnan(diffs)]
    scale = float(diffs.mean()) if len(diffs) else math.nan
    mae = float(np.mean(np.abs(f[ok] - y[ok]))) if ok.any() else math.nan
    out = {
        "mae": mae,
        "mape_pct": mape(y, f),
        "mase": mae / scale if scale and scale > 0 and math.isfinite(mae) else math.nan,
    }
    if series in FLOW_SERIES:
        yc = np.cumsum(np.where(ok, y, 0.0))
        fc = np.cumsum(np.where(ok, f, 0.0))
        out["mape_cum_pct"] = mape(np.where(ok, yc, np.nan), fc)
        out["end_error_pct"] = float(100.0 * (fc[-1] - yc[-1]) / yc[-1]) if yc[-1] > 0 else math.nan
        if period_days == 1 and len(y) >= 7 and ok.all():
            out["mape_weekly_pct"] = mape(weekly(y, 1), weekly(f, 1))
    else:
        last = np.nonzero(ok)[0]
        if len(last) and y[last[-1]] != 0:
            out["end_error_pct"] = float(100.0 * (f[last[-1]] - y[last[-1]]) / y[last[-1]])
    return out


def flow_band_scores(y: np.ndarray, sims: np.ndarray, period_days: int) -> dict[str, Any]:
    """Interval scores of simulated held-out flows ``sims`` (R, h) against ``y``: coverage
    of the running totals and of weekly sums by their P10–P90 and P2.5–P97.5 bands, and
    where the actual total at the end falls; the point forecasts of running totals and weekly
    sums are the medians of the simulated ones."""
    ok = ~np.isnan(y)
    if not ok.all():
        return {}
    yc, sc = np.cumsum(y), np.cumsum(sims, axis=1)
    lo, hi = np.quantile(sc, [0.1, 0.9], axis=0)
    lo2, hi2 = np.quantile(sc, [0.025, 0.975], axis=0)
    yw, sw = weekly(y, period_days), weekly(sims, period_days)
    wlo, whi = np.quantile(sw, [0.1, 0.9], axis=0)
    wlo2, whi2 = np.quantile(sw, [0.025, 0.975], axis=0)
    med = np.median(sc, axis=0)
    return {
        # the point forecast of a running total is the median of the simulated running
        # totals (not the running total of per-period medians, biased low for small counts)
        "mape_cum_pct": mape(yc, med),
        "end_error_pct": float(100.0 * (med[-1] - yc[-1]) / yc[-1]) if yc[-1] else math.nan,
        "mape_weekly_pct": mape(yw, np.median(sw, axis=0)),
        "coverage_cum_p10_p90": coverage(yc, lo, hi),
        "coverage_cum_p2_5_p97_5": coverage(yc, lo2, hi2),
        "coverage_weekly_p10_p90": coverage(yw, wlo, whi),
        "coverage_weekly_p2_5_p97_5": coverage(yw, wlo2, whi2),
        "end_total": float(yc[-1]),
        "end_p10": float(lo[-1]),
        "end_p50": float(np.median(sc[:, -1])),
        "end_p90": float(hi[-1]),
        "end_p2_5": float(lo2[-1]),
        "end_p97_5": float(hi2[-1]),
        "end_in_p10_p90": bool(lo[-1] <= yc[-1] <= hi[-1]),
        "end_in_p2_5_p97_5": bool(lo2[-1] <= yc[-1] <= hi2[-1]),
    }


def holdout_periods(history: History, holdout_days: int) -> int:
    """Held-out periods for ``--holdout DAYS``, checked."""
    f = history.path
    if holdout_days <= 0:
        raise InputFileError(
            located(
                f,
                None,
                None,
                _("--holdout must be at least 1 day, found {holdout_days}").format(holdout_days=holdout_days),
            )
        )
    if holdout_days % history.period_days:
        raise InputFileError(
            located(
                f,
                None,
                None,
                _("--holdout {holdout_days}: the history has weekly rows, so hold out a multiple of 7 days").format(
                    holdout_days=holdout_days
                ),
            )
        )
    h = holdout_days // history.period_days
    if history.n_periods - h < 3:
        raise InputFileError(
            located(
                f,
                None,
                None,
                _(
                    "--holdout {holdout_days} leaves {value} period(s) to fit; keep at least 3 (the history has {n_periods})"
                ).format(holdout_days=holdout_days, value=history.n_periods - h, n_periods=history.n_periods),
            )
        )
    return h


def backtest(
    scenario: Scenario,
    history: History,
    spec: FitSpec,
    holdout_days: int,
    ints: dict[str, bool] | None = None,
    replicates: int = 20,
    log=None,
    pool: int | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    parameter_uncertainty: bool = True,
) -> tuple[FitResult, dict[str, Any]]:
    """Fit on all but the last ``holdout_days`` and score the forecast of those days.

    With ``parameter_uncertainty`` and bootstrap re-fits in the training fit, the engine's
    candidates spread over the parameter sets (see the module docstring).

    Returns the fit on the training part and a report: ``{"holdout_days", "train_periods",
    "series": {name: {"engine": scores, "engine_unconditioned": ..., "<baseline>": scores, ...}},
    "not_beaten": [...], "conditioning": selection summary, "bands": {name: (3, periods) of
    the conditioned draws over the whole history}, "bands_unconditioned": {...},
    "baselines": {name: {...: forecast}}, "anchored": {name: forecast}}``.
    """
    h = holdout_periods(history, holdout_days)
    n_train = history.n_periods - h
    train = history.head(n_train)
    result = fit(scenario, train, spec, ints, quality_replicates=replicates, log=log)
    seed = scenario.seed if spec.seed is None else spec.seed
    plan = with_horizon(scenario, history.days)
    plan = with_replay(plan, train.daily_joins() if spec.joins == "replay" else None)
    if result.values:
        plan = apply_overrides(plan, result.values)
    targets = end_targets(train, spec.joins == "replay")
    cols = sorted(
        {sim_column(s, history.period_days) for s in history.series} | set(target_columns(targets, history.period_days))
    )
    # the pool of candidates: replicates 0..K-1 over the whole history (replicates 0..R-1
    # are the unconditioned forecast), weighed on the training part's end only
    draws = ParameterDraws.from_fit(result.values, result.uncertainty) if parameter_uncertainty else None
    K = pool_size(replicates, pool)

    def pool_runs(d: ParameterDraws | None):
        arr = run_columns(d.plans(plan) if d is not None else plan, cols, K, seed)
        sel = select(simulated_targets(arr, targets, history.period_days), targets, replicates, seed, tolerance)
        sel.draws = d
        return sel, periods_from_columns(arr, history.series, history.period_days, history.n_periods)

    sel, every = pool_runs(draws)
    conditioned = {s: v[sel.indices] for s, v in every.items()}
    engines_sims = [("engine", conditioned)]
    report: dict[str, Any] = {
        "holdout_days": holdout_days,
        "holdout_periods": h,
        "train_periods": n_train,
        "series": {},
        "not_beaten": [],
        "conditioning": sel.summary(),
        "bands": {},
        "bands_unconditioned": {},
        "baselines": {},
        "anchored": {},
    }
    if draws is not None:
        sel_pe, every_pe = pool_runs(None)
        engines_sims.append(("engine_point_estimate", {s: v[sel_pe.indices] for s, v in every_pe.items()}))
        report["conditioning_point_estimate"] = sel_pe.summary()
    else:
        every_pe = every
    # the unconditioned (and anchored) reference forecasts stay at the point estimate
    unconditioned = {s: v[:replicates] for s, v in every_pe.items()}
    engines_sims.append(("engine_unconditioned", unconditioned))
    if log and sel.warning():
        log(f"warning: {sel.warning()}")
    ceiling = float(scenario.market.size)
    for s in history.series:
        y_all = history.data[s].to_numpy(dtype=float)
        y_tr, y_ho = y_all[:n_train], y_all[n_train:]
        row = {}
        engines = []
        for name, sims in engines_sims:
            q = np.quantile(sims[s], [0.1, 0.5, 0.9], axis=0)
            if name in ("engine", "engine_unconditioned"):
                report["bands" if name == "engine" else "bands_unconditioned"][s] = q
            eng = scores(y_ho, q[1, n_train:], y_tr, s, history.period_days)
            if s in FLOW_SERIES:
                eng.update(flow_band_scores(y_ho, sims[s][:, n_train:], history.period_days))
            eng["coverage_p10_p90"] = coverage(y_ho, q[0, n_train:], q[2, n_train:])
            eng["band_width"] = float(np.mean(q[2, n_train:] - q[0, n_train:]))
            row[name] = eng
            engines.append(name)
        if s not in FLOW_SERIES and not np.isnan(y_tr[-1]):
            # the unconditioned forecast shifted so that the last training period matches
            # the observation
            q = report["bands_unconditioned"][s]
            shift = y_tr[-1] - q[1, n_train - 1]
            anch = scores(y_ho, q[1, n_train:] + shift, y_tr, s, history.period_days)
            anch["coverage_p10_p90"] = coverage(y_ho, q[0, n_train:] + shift, q[2, n_train:] + shift)
            row["engine_anchored"] = anch
            report["anchored"][s] = q[1, n_train:] + shift
            engines.append("engine_anchored")
        base = baseline_forecasts(y_tr, h, s, history.period_days, ceiling)
        if s == "purchases" and history.transactions is not None:
            bg = bgnbd_forecast(history.transactions, n_train * history.period_days, h, history.period_days)
            if bg is not None:
                base["bgnbd"] = bg[0]
                report["bgnbd"] = bg[1]
        report["baselines"][s] = base
        for name, fc in base.items():
            row[name] = scores(y_ho, fc, y_tr, s, history.period_days)
            for e in engines:
                if (
                    math.isfinite(row[name]["mae"])
                    and math.isfinite(row[e]["mae"])
                    and row[name]["mae"] <= row[e]["mae"]
                ):
                    report["not_beaten"].append(
                        {
                            "series": s,
                            "engine": e,
                            "baseline": name,
                            "engine_mae": row[e]["mae"],
                            "baseline_mae": row[name]["mae"],
                        }
                    )
        report["series"][s] = row
    return result, report
