"""Forecasts conditioned on the end of the history: kernel weights, systematic resampling,
shared draws for variants, and the forecast command's outputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from growthsim.calibrate import cli as calibrate_cli
from growthsim.calibrate.forecast import (
    Target,
    condition,
    condition_weights,
    effective_sample_size,
    forecast,
    forecast_bands,
    select,
    systematic_resample,
)
from growthsim.calibrate.sim import run_columns, with_horizon
from growthsim.cli import main
from growthsim.scenario import apply_overrides
from test_calibrate_cli import make_inputs
from test_calibrate_fit import TRUTH, synthetic_history, tiny


def test_systematic_resampling_is_deterministic_and_proportional():
    w = np.random.default_rng(0).random(50) ** 4
    a, b = systematic_resample(w, 20, seed=7), systematic_resample(w, 20, seed=7)
    assert np.array_equal(a, b) and np.all(np.diff(a) >= 0) and a.min() >= 0 and a.max() < 50
    # systematic resampling draws each candidate floor(R w) or ceil(R w) times
    counts = np.bincount(a, minlength=50)
    expected = 20 * w / w.sum()
    assert np.all(counts >= np.floor(expected) - 1e-9) and np.all(counts <= np.ceil(expected) + 1e-9)
    # all the weight on one candidate: every draw is that candidate
    one = np.zeros(10)
    one[3] = 1.0
    assert systematic_resample(one, 6, seed=1).tolist() == [3] * 6
    assert effective_sample_size(one) == pytest.approx(1.0)
    assert effective_sample_size(np.ones(10)) == pytest.approx(10.0)


def test_selection_keeps_the_candidates_that_end_near_the_observed_state():
    targets = [
        Target("members", "members", (39,), 500.0, False),
        Target("active_members", "active_members", (33, 39), 700.0, True),
    ]
    rng = np.random.default_rng(4)
    near = np.column_stack([500 * (1 + rng.uniform(-0.01, 0.01, 20)), 700 * (1 + rng.uniform(-0.03, 0.03, 20))])
    far = np.column_stack([500 * (1 + rng.uniform(0.25, 0.40, 30)), 700 * (1 + rng.uniform(-0.03, 0.03, 30))])
    sim = np.vstack([far[:15], near, far[15:]])  # near ones are candidates 15..34
    sel = select(sim, targets, replicates=20, seed=3)
    assert set(sel.indices.tolist()) <= set(range(15, 35))
    # the far candidates are 8 kernel widths away or more (members gap >= 25%, h = 3%): no
    # weight; the 20 near ones share it almost equally (their gaps are well inside the kernel)
    assert 15 <= sel.ess <= 20 + 1e-9 and sel.weights[:15].sum() < 1e-12 and sel.weights[35:].sum() < 1e-12
    assert abs(sel.gaps()["members"]) > 0.2
    assert abs(sel.gaps(sel.indices)["members"]) <= 0.01
    assert not sel.low_ess and sel.warning() is None
    # nothing near: the ESS collapses and the selection says so
    bad = select(far, targets, replicates=20, seed=3)
    assert bad.ess < 5 and bad.low_ess and "effective sample size" in bad.warning()
    # the counting noise of an observed count widens its kernel: a 10% gap in 700 active
    # members weighs more than a 10% gap in the members level
    w = condition_weights(np.array([[550.0, 700.0], [500.0, 770.0]]), targets)
    assert w[1] > w[0]


def test_conditioning_on_a_simulated_history_shrinks_the_end_gap():
    truth = apply_overrides(tiny(), TRUTH)
    history = synthetic_history(truth, seed=5)  # 40 days, another seed than the candidates'
    sel = condition(truth, history, replicates=8, seed=3, pool=40)
    assert sel.pool == 40 and len(sel.indices) == 8
    y = sel.targets[0].observed
    assert sel.targets[0].name == "members"
    gap_all = np.median(np.abs(sel.simulated[:, 0] - y))
    gap_drawn = np.median(np.abs(sel.simulated[sel.indices, 0] - y))
    # tolerance: the drawn histories end at most half as far from the observed members as
    # the whole pool (a 6-seed study gave ratios of 0.07 to 0.17)
    assert gap_drawn <= 0.5 * gap_all
    assert 1.0 < sel.ess < 40
    assert np.array_equal(condition(truth, history, replicates=8, seed=3, pool=40).indices, sel.indices)


def test_a_run_s_history_does_not_depend_on_its_horizon():
    """What continuing a drawn replicate rests on: its first days are the same whatever the
    run's length."""
    plan = apply_overrides(tiny(), TRUTH)
    cols = ["members", "active", "new_members", "purchases"]
    short = run_columns(with_horizon(plan, 25), cols, 3, 9)
    long = run_columns(plan, cols, 3, 9)
    for c in cols:
        assert np.array_equal(short[c], long[c][:, :25]), c


def test_variants_continue_the_same_drawn_replicates():
    truth = apply_overrides(tiny(), TRUTH)
    history = synthetic_history(truth, seed=21).head(30)
    plans = {
        "base": truth,
        "same": truth.model_copy(),
        "more_invites": apply_overrides(truth, {"members.referral.invite_prob": 0.08}),
    }
    fc = forecast(plans, 30, 10, history=history, replicates=6, seed=3, pool=30)
    drawn = sorted(set(fc.draws.tolist()))
    ts = fc.runset.timeseries
    for label in plans:
        assert sorted(ts.loc[ts["variant"] == label, "replicate"].unique().tolist()) == drawn
    assert np.array_equal(fc.draws, fc.selection.indices) and not fc.selection.notes
    bands, table = forecast_bands(fc, 10)
    assert table["first_day"].min() == 30 and table["first_day"].max() == 39
    # identical plans, identical draws: identical bands (paired differences are the plans')
    assert np.array_equal(bands["members"]["base"], bands["members"]["same"])
    # the drawn replicates' simulated history is the conditioned one, for the base plan
    b = ts[(ts["variant"] == "base") & (ts["day"] == 29)].set_index("replicate")["members"]
    assert np.allclose(b.loc[fc.draws].to_numpy(), fc.selection.simulated[fc.draws, 0])
    # a variant that acts during the history is said to be conditioned on the base plan's history
    assert len(fc.notes) == 1 and fc.notes[0].startswith("more_invites:")
    # without a history: replicates 0..R-1, not conditioned
    plain = forecast({"base": truth}, 30, 5, replicates=4, seed=3)
    assert plain.selection is None and plain.draws.tolist() == [0, 1, 2, 3]


def test_forecast_command_reports_ess_warns_when_low_and_writes_atomically(tmp_path, capsys, monkeypatch):
    scen, hist, ts = make_inputs(tmp_path)
    # a history the plan cannot reach: twice the members and DAU at the end
    far = pd.read_csv(hist)
    far["members"] = far["members"] * 2
    far["dau"] = far["dau"] * 2
    far_path = tmp_path / "far.csv"
    far.to_csv(far_path, index=False)
    out = tmp_path / "fc"
    rc = main(
        [
            "forecast",
            str(scen),
            "--history",
            str(far_path),
            "--days",
            "5",
            "--replicates",
            "4",
            "--pool",
            "12",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert rc == 0
    assert "warning: effective sample size" in capsys.readouterr().err
    doc = json.loads((out / "forecast.json").read_text())
    c = doc["conditioning"]
    assert c["pool"] == 12 and c["low_ess"] and c["ess"] < 1.2 and len(c["selected_replicates"]) == 4
    assert "**Warning:**" in (out / "forecast.md").read_text()
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())

    # a failure while writing leaves the output folder as it was and no staging folder
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    calls = []

    def failing_chart(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return orig(*a, **k)

    orig = calibrate_cli.chart_forecast
    monkeypatch.setattr(calibrate_cli, "chart_forecast", failing_chart)
    with pytest.raises(RuntimeError, match="disk full"):  # --force: replace the folder as a whole
        main(
            [
                "forecast",
                str(scen),
                "--history",
                str(hist),
                "--days",
                "5",
                "--replicates",
                "4",
                "--out",
                str(out),
                "--quiet",
                "--force",
            ]
        )
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())
    new = tmp_path / "new"
    with pytest.raises(RuntimeError, match="disk full"):
        calls.clear()
        main(["forecast", str(scen), "--history", str(hist), "--days", "5", "--out", str(new), "--quiet"])
    assert not new.exists() and not any(p.name.endswith(".partial") for p in tmp_path.iterdir())

    # bad options are refused before anything runs
    assert (
        main(
            [
                "forecast",
                str(scen),
                "--history",
                str(hist),
                "--days",
                "5",
                "--replicates",
                "4",
                "--pool",
                "2",
                "--out",
                str(new),
            ]
        )
        == 2
    )
    assert "--pool 2 is smaller than the 4 replicates" in capsys.readouterr().err
    assert not new.exists()
