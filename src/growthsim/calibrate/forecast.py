"""Forecasts from a calibrated scenario, continuing from the state at the end of the history.

Every run is deterministic given (seed, replicate), so a forecast that "continues" a
simulated history is simply the rest of that replicate's run. The forecast is conditioned
on the observed end of the history by a one-step particle filter (selection without
rejuvenation):

1. ``K`` candidate replicates (``pool``, default 5 x the replicates asked for) of the first
   plan are simulated over the history's days (observed joins replayed when the calibrated
   scenario has a ``replay`` block; see :mod:`growthsim.calibrate.sim`).
2. Each candidate ``k`` gets a kernel weight on its gaps to the observed end state
   (:func:`end_targets`): ``w_k ∝ exp(-½ Σ_c z_kc²)`` with
   ``z_kc = (x_kc − y_c) / s_c`` and ``s_c = sqrt((h · max(y_c, 1))² + n_c)``, where ``h`` is
   the relative tolerance (default :data:`DEFAULT_TOLERANCE`) and ``n_c = max(y_c, 1)`` the
   counting noise of an observed count (active members, purchases), 0 for the members level.
3. ``R`` replicates are drawn by systematic resampling with a seeded generator
   (deterministic); the forecast is the continuation of those runs. Every plan (variants
   too) uses the same drawn replicate indices: common random numbers, so paired
   differences between plans stay due to the plans.

The effective sample size ``ESS = 1 / Σ w_k²`` (weights summing to 1) says how many
candidates carry the weight; a small ESS (below :data:`LOW_ESS_SHARE` of ``K``) means the
plan's parameters rarely reproduce the observed end state.

**Parameter uncertainty.** With :class:`~growthsim.calibrate.draws.ParameterDraws` (the
point estimate and the bootstrap re-fits of ``growthsim calibrate``), the run with
replicate index ``r`` uses parameter set ``r mod D``, for the candidates and for every
plan alike. The kernel weights then weigh (path, parameter set) pairs, so the selection
also favours the parameter sets that reproduce the observed end state: an approximate
Bayesian update of the bootstrap's spread by the end of the history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from growthsim.calibrate.draws import ParameterDraws
from growthsim.calibrate.history import History, periods_from_columns, sim_column, simulated_periods
from growthsim.calibrate.sim import run_columns, simulate, with_horizon
from growthsim.errors import UserError
from growthsim.i18n import _, gettext  # gettext where a function keeps `_` for a discarded value
from growthsim.results import RunSet
from growthsim.scenario.schema import Scenario

FORECAST_SERIES = ("members", "active_members", "purchases", "revenue")
POOL_FACTOR = 5  # candidates per replicate asked for
DEFAULT_TOLERANCE = 0.03  # relative tolerance h of the kernel
LOW_ESS_SHARE = 0.10  # warn below this share of the pool
WINDOW_DAYS = 7  # "recent": the last week of the history
SELECTION_STREAM = 0x5E1EC7  # spawn key of the resampling generator (apart from the model's)


# --------------------------------------------------------------------------- end state


@dataclass(frozen=True)
class Target:
    """One observed aggregate at the end of the history.

    Attributes:
        name: ``members`` (level at the last observed period), ``active_members`` or
            ``purchases`` (summed over the observed periods of the last week), or
            ``new_members_total`` (all observed joins; only when members are not observed).
        series: the history series it is built from.
        periods: period indices (0-based) that enter it.
        observed: the observed value.
        count: True for counts with counting noise (active members, purchases).
    """

    name: str
    series: str
    periods: tuple[int, ...]
    observed: float
    count: bool


def end_targets(history: History, replayed_joins: bool = False) -> list[Target]:
    """The observed end-of-history state the forecast is conditioned on (observed cells only).

    - ``members``: the last observed members value;
    - ``active_members``: DAU summed over the last 7 days (daily rows) or the last week's
      actives (weekly rows);
    - ``purchases``: orders over the same last week.
    Without a members column, the total of observed joins stands in for the level (unless
    the joins are replayed, when every candidate has them exactly).
    """
    n = history.n_periods
    w = max(1, math.ceil(WINDOW_DAYS / history.period_days))
    recent = range(max(0, n - w), n)
    out: list[Target] = []
    data = history.data
    if "members" in data:
        y = data["members"].to_numpy(dtype=float)
        ok = np.nonzero(~np.isnan(y))[0]
        if len(ok):
            out.append(Target("members", "members", (int(ok[-1]),), float(y[ok[-1]]), False))
    elif "new_members" in data and not replayed_joins:
        y = data["new_members"].to_numpy(dtype=float)
        ok = tuple(int(i) for i in np.nonzero(~np.isnan(y))[0])
        if ok:
            out.append(Target("new_members_total", "new_members", ok, float(np.nansum(y)), False))
    for s in ("active_members", "purchases"):
        if s in data:
            y = data[s].to_numpy(dtype=float)
            ok = tuple(i for i in recent if not math.isnan(y[i]))
            if ok:
                out.append(Target(s, s, ok, float(sum(y[i] for i in ok)), True))
    return out


def target_columns(targets: list[Target], period_days: int) -> list[str]:
    """Simulated daily columns the targets need."""
    return sorted({sim_column(t.series, period_days) for t in targets})


def simulated_targets(cols: dict[str, np.ndarray], targets: list[Target], period_days: int) -> np.ndarray:
    """The targets of each simulated replicate: (replicates, targets), from daily
    ``column -> (replicates, days)`` arrays covering at least the history."""
    if not targets:
        return np.zeros((next(iter(cols.values())).shape[0] if cols else 0, 0))
    n = max(max(t.periods) for t in targets) + 1
    per = periods_from_columns(cols, sorted({t.series for t in targets}), period_days, n)
    return np.stack([per[t.series][:, list(t.periods)].sum(axis=1) for t in targets], axis=1)


def kernel_scales(targets: list[Target], tolerance: float) -> np.ndarray:
    """``s_c = sqrt((h · max(y_c, 1))² + n_c)`` per target (see the module docstring)."""
    return np.asarray(
        [
            math.sqrt((tolerance * max(t.observed, 1.0)) ** 2 + (max(t.observed, 1.0) if t.count else 0.0))
            for t in targets
        ]
    )


def condition_weights(sim: np.ndarray, targets: list[Target], tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """Normalised kernel weights of candidates ``sim`` (replicates, targets)."""
    K = sim.shape[0]
    if not targets:
        return np.full(K, 1.0 / K)
    y = np.asarray([t.observed for t in targets])
    z = (sim - y) / kernel_scales(targets, tolerance)
    logw = -0.5 * np.sum(z * z, axis=1)
    logw -= logw.max()
    w = np.exp(logw)
    return w / w.sum()


def effective_sample_size(weights: np.ndarray) -> float:
    """``1 / Σ w²`` of normalised weights (K for equal weights, 1 for a single one)."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return float(1.0 / np.sum(w * w))


def systematic_resample(weights: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` candidate indices drawn by systematic resampling (one uniform offset from a
    generator seeded by ``seed``; deterministic). Returned in ascending order."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), SELECTION_STREAM]))
    u = (rng.random() + np.arange(n)) / n
    c = np.cumsum(w)
    c[-1] = 1.0
    return np.minimum(np.searchsorted(c, u, side="right"), len(w) - 1).astype(np.int64)


@dataclass
class Selection:
    """The candidates drawn to continue.

    Attributes:
        indices: the drawn replicate indices (length R, ascending, repeats allowed).
        weights: the pool's normalised weights (length K).
        ess: effective sample size of ``weights``.
        targets: the observed aggregates conditioned on.
        simulated: (K, targets) the candidates' values.
        tolerance: the kernel's relative tolerance h.
        draws: the parameter sets of the candidates (candidate k uses set k mod D), or None
            when every candidate runs at the point estimate.
    """

    indices: np.ndarray
    weights: np.ndarray
    ess: float
    targets: list[Target]
    simulated: np.ndarray
    tolerance: float
    notes: list[str] = field(default_factory=list)
    draws: ParameterDraws | None = None

    @property
    def pool(self) -> int:
        return len(self.weights)

    @property
    def low_ess(self) -> bool:
        return self.ess < LOW_ESS_SHARE * self.pool

    def warning(self) -> str | None:
        if not self.low_ess:
            return None
        return (
            f"effective sample size {self.ess:.1f} of {self.pool} candidates (below {LOW_ESS_SHARE:.0%}): "
            "few simulated histories end near the observed state, so the plan's parameters do not "
            "reproduce the end of the history; the forecast rests on a handful of paths and its band "
            "is too narrow"
        )

    def gaps(self, rows: np.ndarray | None = None) -> dict[str, float]:
        """Median relative gap (simulated − observed) / max(observed, 1) per target over
        ``rows`` of the pool (default: all candidates)."""
        sim = self.simulated if rows is None else self.simulated[rows]
        return {
            t.name: float(np.median(sim[:, i] - t.observed) / max(t.observed, 1.0)) for i, t in enumerate(self.targets)
        }

    def summary(self) -> dict[str, Any]:
        """As data, for forecast.json / diagnostics.json."""
        before, after = self.gaps(), self.gaps(self.indices)
        return {
            "method": "kernel weights on the end-of-history state, systematic resampling",
            "pool": self.pool,
            "replicates": int(len(self.indices)),
            "distinct": int(len(np.unique(self.indices))),
            "ess": self.ess,
            "ess_share": self.ess / self.pool,
            "low_ess": self.low_ess,
            "tolerance": self.tolerance,
            "selected_replicates": [int(i) for i in self.indices],
            "targets": [
                {
                    "name": t.name,
                    "observed": t.observed,
                    "periods": [int(t.periods[0]), int(t.periods[-1])],
                    "median_gap_unconditioned": before[t.name],
                    "median_gap_conditioned": after[t.name],
                }
                for t in self.targets
            ],
            "warning": self.warning(),
            "notes": list(self.notes),
            "parameter_sets": self.draws.summary(self.indices, self.weights) if self.draws is not None else None,
        }


def select(
    sim: np.ndarray, targets: list[Target], replicates: int, seed: int, tolerance: float = DEFAULT_TOLERANCE
) -> Selection:
    """Weigh the candidates ``sim`` (K, targets) and draw ``replicates`` of them."""
    if tolerance <= 0:
        raise UserError(_("--tolerance must be above 0, found {tolerance}").format(tolerance=tolerance))
    w = condition_weights(sim, targets, tolerance)
    idx = systematic_resample(w, replicates, seed)
    return Selection(idx, w, effective_sample_size(w), targets, sim, tolerance)


def pool_size(replicates: int, pool: int | None = None) -> int:
    """Candidates to simulate: ``pool``, default :data:`POOL_FACTOR` x ``replicates``."""
    K = POOL_FACTOR * replicates if pool is None else int(pool)
    if K < replicates:
        raise UserError(
            _("--pool {K} is smaller than the {replicates} replicates to draw").format(K=K, replicates=replicates)
        )
    return K


def condition(
    plan: Scenario,
    history: History,
    replicates: int,
    seed: int,
    pool: int | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    horizon: int | None = None,
    draws: ParameterDraws | None = None,
) -> Selection:
    """Simulate ``pool`` candidates (replicates 0..K-1) of ``plan`` over the history's days
    (or ``horizon`` days) and draw ``replicates`` of them by their closeness to its end state.
    With ``draws``, candidate k runs parameter set k mod D."""
    K = pool_size(replicates, pool)
    targets = end_targets(history, plan.replay is not None)
    p = with_horizon(plan, history.days if horizon is None else horizon)
    runs = draws.plans(p) if draws is not None else p
    cols = run_columns(runs, target_columns(targets, history.period_days) or ["members"], K, seed)
    sel = select(simulated_targets(cols, targets, history.period_days), targets, replicates, seed, tolerance)
    sel.draws = draws
    return sel


# --------------------------------------------------------------------------- forecast


@dataclass
class Forecast:
    """Runs of each plan and the draws the forecast is made of.

    Attributes:
        runset: one run per plan and distinct drawn replicate (``replicate`` = its index).
        draws: the drawn replicate indices (length R, repeats allowed): the forecast's
            quantiles are taken over these, counting repeats.
        selection: the conditioning, or None when the forecast is not conditioned
            (no history, or asked not to): then ``draws`` is 0..R-1.
        history_days: the day the forecast starts.
        notes: plans whose simulated history differs from the first plan's, plans that
            keep their own value of a fitted parameter.
        parameters: the parameter sets the forecast's runs used (see
            :meth:`ParameterDraws.summary`), or None at the point estimate.
    """

    runset: RunSet
    draws: np.ndarray
    selection: Selection | None
    history_days: int
    notes: list[str] = field(default_factory=list)
    parameters: dict[str, Any] | None = None


def forecast(
    plans: dict[str, Scenario],
    history_days: int,
    days: int,
    period_days: int = 1,
    replicates: int | None = None,
    seed: int | None = None,
    progress=None,
    history: History | None = None,
    pool: int | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    draws: ParameterDraws | None = None,
) -> Forecast:
    """Continue each plan from the end of the history for ``days`` (whole periods).

    Args:
        plans: label -> calibrated plan (day 0 = the history's first day); the first one is
            conditioned on the history and its draws are used for every plan.
        history_days: days of history; the forecast starts on that day.
        days: days to forecast (>= 1).
        period_days: 1 or 7 (weekly histories forecast whole weeks).
        replicates, seed: default the first plan's.
        history: the observed history (None: no conditioning, replicates 0..R-1).
        pool: candidates simulated over the history (default 5 x replicates).
        tolerance: the kernel's relative tolerance h.
        draws: parameter sets (point estimate first): the run with replicate index r uses
            set r mod D, in every plan; None (or a single set): every run at the plan's values.
    """
    if days < 1:
        raise UserError(gettext("--days must be at least 1, found {days}").format(days=days))
    first = next(iter(plans.values()))
    R = first.replicates if replicates is None else int(replicates)
    seed = first.seed if seed is None else int(seed)
    total = history_days + math.ceil(days / period_days) * period_days
    if total > 3650:
        raise UserError(
            gettext(
                "history ({history_days} days) + forecast ({days} days) exceeds the 3650-day limit of a scenario"
            ).format(history_days=history_days, days=days)
        )
    if draws is not None and len(draws) < 2:
        draws = None
    full = {k: with_horizon(v, total) for k, v in plans.items()}
    sets = {k: (draws.plans(v) if draws is not None else [v]) for k, v in full.items()}
    kept_notes = []
    if draws is not None:
        for label, plan in plans.items():
            _, kept = draws.held(plan)
            if kept:
                kept_notes.append(
                    f"{label}: sets {', '.join(kept)} to a value of its own, which all its runs "
                    "keep (no parameter draws for it)"
                )
    selection = None
    if history is not None:
        if history.days != history_days:
            raise UserError(
                gettext("the history covers {days} days, the forecast was asked to start on day {history_days}").format(
                    days=history.days, history_days=history_days
                )
            )
        selection = condition(first, history, R, seed, pool, tolerance, draws=draws)
    results = _continue(sets, selection, R, seed, period_days, progress)
    if results is None:
        # a run's first days changed with its horizon: select among full-length candidates
        assert history is not None  # _continue returns None only for a selection
        selection = condition(first, history, R, seed, pool, tolerance, horizon=total, draws=draws)
        selection.notes.append(
            "candidates simulated over the whole forecast horizon (the simulated history depended on the run's length)"
        )
        results = _continue(sets, selection, R, seed, period_days, progress)
        assert results is not None
    runs = selection.indices if selection is not None else np.arange(R)
    notes = _diverging(results, history_days) + kept_notes
    runset = RunSet.from_results(full, results)
    parameters = None
    if draws is not None:
        ts = runset.timeseries
        ts.insert(ts.columns.get_loc("replicate") + 1, "parameter_set", ts["replicate"].to_numpy() % len(draws))
        parameters = draws.summary(runs, selection.weights if selection is not None else None)
    return Forecast(runset, np.asarray(runs), selection, history_days, notes, parameters)


def _continue(
    sets: dict[str, list[Scenario]], selection: Selection | None, R: int, seed: int, period_days: int, progress
) -> dict[str, list] | None:
    """Full runs of every plan for the distinct drawn replicates (replicate r with parameter
    set r mod D); None if the first plan's runs do not have the simulated history the
    selection saw."""
    draws = selection.indices if selection is not None else np.arange(R)
    distinct = [int(r) for r in np.unique(draws)]
    results: dict[str, list] = {}
    for i, (label, plans) in enumerate(sets.items()):
        runs = []
        for r in distinct:
            runs.append(simulate(plans[r % len(plans)], seed, r))
            if progress:
                progress()
        results[label] = runs
        if i == 0 and selection is not None and not _same_history(runs, selection, period_days, distinct):
            return None
    return results


def _same_history(runs, selection: Selection, period_days: int, distinct: list[int]) -> bool:
    """Whether the continued runs reproduce the candidates' end-of-history values."""
    if not selection.targets:
        return True
    cols = {
        c: np.stack([r.timeseries[c].to_numpy(dtype=float) for r in runs])
        for c in target_columns(selection.targets, period_days)
    }
    got = simulated_targets(cols, selection.targets, period_days)
    return bool(np.allclose(got, selection.simulated[distinct], rtol=1e-9, atol=1e-6))


def _diverging(results: dict[str, list], history_days: int) -> list[str]:
    """Plans whose simulated history (members, active) differs from the first plan's."""
    labels = list(results)
    notes = []
    ref = results[labels[0]]
    for label in labels[1:]:
        for a, b in zip(ref, results[label]):
            cols = [c for c in ("members", "active") if c in a.timeseries and c in b.timeseries]
            if any(
                not np.array_equal(a.timeseries[c].to_numpy()[:history_days], b.timeseries[c].to_numpy()[:history_days])
                for c in cols
            ):
                notes.append(
                    f"{label}: its simulated history differs from {labels[0]}'s (a change acts before "
                    f"day {history_days}); its forecast continues the replicates drawn for "
                    f"{labels[0]}, so it is conditioned on {labels[0]}'s history, not its own"
                )
                break
    return notes


def forecast_bands(
    fc: Forecast, days: int, period_days: int = 1, series: tuple[str, ...] = FORECAST_SERIES
) -> tuple[dict[str, dict[str, np.ndarray]], pd.DataFrame]:
    """Per series and plan the P10 / P50 / P90 of the forecast periods over the draws, and
    a tidy table ``variant, period, first_day, series, mean, p10, p50, p90``."""
    n = math.ceil(days / period_days)
    history_days = fc.history_days
    bands: dict[str, dict[str, np.ndarray]] = {s: {} for s in series}
    rows = []
    ts = fc.runset.timeseries
    distinct = np.unique(fc.draws)
    pos = np.searchsorted(distinct, fc.draws)
    for label in fc.runset.plans:
        t = ts[ts["variant"] == label]
        sims = simulated_periods(t, list(series), period_days, n, start_day=history_days)
        for s in series:
            v = sims[s][pos]
            q = np.quantile(v, [0.1, 0.5, 0.9], axis=0)
            bands[s][label] = q
            mean = v.mean(axis=0)
            for i in range(n):
                rows.append(
                    (
                        label,
                        i,
                        history_days + i * period_days,
                        s,
                        float(mean[i]),
                        float(q[0, i]),
                        float(q[1, i]),
                        float(q[2, i]),
                    )
                )
    table = pd.DataFrame(rows, columns=["variant", "period", "first_day", "series", "mean", "p10", "p50", "p90"])
    return bands, table


def end_summary(table: pd.DataFrame) -> dict[str, Any]:
    """P10 / P50 / P90 of the last forecast period, per plan and series."""
    out: dict[str, Any] = {}
    for label, t in table.groupby("variant", sort=False):
        last = t[t["period"] == t["period"].max()]
        out[label] = {
            s: {k: float(last.loc[last["series"] == s, k].iloc[0]) for k in ("p10", "p50", "p90")}
            for s in last["series"].unique()
        }
    return out
