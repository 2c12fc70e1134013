"""Backtest machinery on synthetic histories whose future is known."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from growthsim.calibrate.backtest import (
    backtest,
    baseline_forecasts,
    bass_curve,
    fit_bass,
    holdout_periods,
    scores,
)
from growthsim.calibrate.history import History
from growthsim.calibrate.spec import FitSpec
from growthsim.errors import InputFileError
from growthsim.scenario import apply_overrides
from test_calibrate_fit import TRUTH, synthetic_history, tiny


def history_of(values: dict[str, np.ndarray], period_days: int = 1) -> History:
    n = len(next(iter(values.values())))
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=i * period_days) for i in range(n)]
    return History("known.csv", period_days, days, pd.DataFrame(values), list(range(2, n + 2)))


def test_bass_baseline_recovers_a_bass_curve():
    t = np.arange(60, dtype=float)
    members = bass_curve(t, 800.0, 0.01, 0.15, 100.0)
    f, params = fit_bass(members[:45], ceiling=2000)
    # exact curve, no noise: the fit should be tight (1% on M, the forecast within 0.5%)
    assert params["M"] == pytest.approx(800, rel=0.01)
    assert np.max(np.abs(f(np.arange(46, 61)) / members[45:] - 1)) < 0.005
    fc = baseline_forecasts(members[:45], 15, "members", 1, 2000)
    assert set(fc) == {"naive", "seasonal_naive", "bass"}
    assert np.all(fc["naive"] == members[44])
    assert scores(members[45:], fc["bass"], members[:45], "members")["mape_pct"] < 0.5


def test_seasonal_naive_repeats_the_last_week_and_scores_are_exact():
    week = np.array([5, 3, 3, 4, 6, 9, 8], dtype=float)
    y = np.tile(week, 4)
    fc = baseline_forecasts(y[:21], 7, "purchases", 1, 1e9)
    assert np.array_equal(fc["seasonal_naive"], week)
    s = scores(y[21:], fc["seasonal_naive"], y[:21], "purchases")
    assert s["mae"] == 0 and s["mape_pct"] == 0 and s["mase"] == 0 and s["mape_cum_pct"] == 0
    s = scores(y[21:], fc["naive"], y[:21], "purchases")  # naive = 8 every day
    assert s["mae"] == pytest.approx(np.mean(np.abs(week - 8)))
    assert s["mase"] == pytest.approx(s["mae"] / np.mean(np.abs(np.diff(y[:21]))))
    assert s["mape_cum_pct"] == pytest.approx(
        100 * np.mean(np.abs(np.cumsum(np.full(7, 8.0)) - np.cumsum(week)) / np.cumsum(week))
    )
    # no seasonal baseline for weekly rows or short training parts
    assert "seasonal_naive" not in baseline_forecasts(y[:10], 7, "purchases", 1, 1e9)
    assert "seasonal_naive" not in baseline_forecasts(y[:21], 2, "purchases", 7, 1e9)


def test_holdout_checks():
    h = history_of({"members": np.arange(10.0)}, period_days=7)
    assert holdout_periods(h, 14) == 2
    with pytest.raises(InputFileError, match="multiple of 7"):
        holdout_periods(h, 10)
    with pytest.raises(InputFileError, match="leaves 2 period"):
        holdout_periods(h, 56)


@pytest.mark.slow
def test_backtest_with_the_true_model_and_known_future():
    truth = apply_overrides(tiny(), TRUTH)
    history = synthetic_history(truth, seed=21)
    spec = FitSpec.model_validate({"parameters": {}, "series": {"members": 1, "new_members": 1}})
    result, rep = backtest(truth, history, spec, holdout_days=10, replicates=30)
    assert rep["train_periods"] == 30 and rep["holdout_periods"] == 10
    assert set(rep["series"]) == {"new_members", "active_members", "members"}
    assert set(rep["series"]["members"]) == {
        "engine",
        "engine_unconditioned",
        "engine_anchored",
        "naive",
        "seasonal_naive",
        "bass",
    }
    assert rep["conditioning"]["pool"] == 150 and len(rep["conditioning"]["selected_replicates"]) == 30
    # the scores are what the bands and the known future say
    y = history.data["members"].to_numpy()[30:]
    q = rep["bands"]["members"][:, 30:]
    eng = rep["series"]["members"]["engine"]
    assert eng["mae"] == pytest.approx(np.mean(np.abs(q[1] - y)))
    assert eng["coverage_p10_p90"] == pytest.approx(np.mean((y >= q[0]) & (y <= q[2])))
    assert rep["bands"]["members"].shape == (3, 40)
    # every 'not beaten' entry is a baseline with MAE <= the engine's, and only those
    listed = {(d["series"], d["engine"], d["baseline"]) for d in rep["not_beaten"]}
    for s, row in rep["series"].items():
        for name, sc in row.items():
            if not name.startswith("engine") and math.isfinite(sc["mae"]):
                for e in ("engine", "engine_unconditioned", "engine_anchored"):
                    if e in row:
                        assert ((s, e, name) in listed) == (sc["mae"] <= row[e]["mae"])
    # anchoring: the anchored forecast is the unconditioned median shifted to the last training value
    qu = rep["bands_unconditioned"]["members"]
    shift = history.data["members"].to_numpy()[29] - qu[1, 29]
    assert rep["series"]["members"]["engine_anchored"]["mae"] == pytest.approx(np.mean(np.abs(qu[1, 30:] + shift - y)))
    # conditioning brings the drawn histories' end (day 29) nearer the observed one
    gap = lambda band: abs(band[1, 29] - history.data["members"].to_numpy()[29])  # noqa: E731
    assert gap(rep["bands"]["members"]) <= gap(qu)
    # a backtest ranks the true model ahead of a badly wrong one on the same known future
    wrong = apply_overrides(truth, {"members.churn.base_hazard": 0.06})
    _, rep_wrong = backtest(wrong, history, spec, holdout_days=10, replicates=30)
    assert rep["series"]["members"]["engine"]["mae"] < rep_wrong["series"]["members"]["engine"]["mae"]


def test_backtest_fits_on_the_training_part_only():
    truth = apply_overrides(tiny(), TRUTH)
    history = synthetic_history(truth, seed=5)
    spec = FitSpec.model_validate(
        {
            "parameters": {"members.churn.base_hazard": {"min": 0.005, "max": 0.08}},
            "series": {"members": 1},
            "replicates": 2,
            "method": "nelder_mead",
            "max_evaluations": 20,
            "bootstrap": 0,
        }
    )
    changed = history.data.copy()
    changed.loc[30:, "members"] = 0  # a held-out future that nothing may see
    spoiled = History(history.path, 1, history.dates, changed, history.lines)
    a, _ = backtest(tiny(), history, spec, holdout_days=10, replicates=4)
    b, _ = backtest(tiny(), spoiled, spec, holdout_days=10, replicates=4)
    assert a.values == b.values
