"""Parameter uncertainty in forecasts: the point estimate and the bootstrap re-fits carried
from calibrate to forecast (parameter_draws.csv), spread round-robin over the runs, shared
by every plan, and weighed by the end-of-history conditioning."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from growthsim.calibrate.draws import DRAWS_SIDECAR, ParameterDraws
from growthsim.calibrate.forecast import forecast, forecast_bands
from growthsim.calibrate.sim import simulate, with_horizon
from growthsim.cli import main
from growthsim.errors import InputFileError
from growthsim.scenario import apply_overrides
from test_calibrate_cli import make_inputs
from test_calibrate_fit import TRUTH, synthetic_history, tiny

NAMES = tuple(TRUTH)


def draws_of(rows) -> ParameterDraws:
    return ParameterDraws(NAMES, np.asarray(rows, dtype=float), ("fit",) + ("bootstrap",) * (len(rows) - 1))


def test_draws_from_a_fit_round_trip_through_the_file(tmp_path):
    values = {NAMES[0]: 0.05, NAMES[1]: 0.02}
    unc = {NAMES[0]: {"refits": [0.04, 0.06]}, NAMES[1]: {"refits": [0.015, 0.031]}}
    d = ParameterDraws.from_fit(values, unc)
    assert d.values.tolist() == [[0.05, 0.02], [0.04, 0.015], [0.06, 0.031]] and d.sources[0] == "fit"
    back = ParameterDraws.read(d.write(tmp_path / DRAWS_SIDECAR))
    assert back.names == NAMES and np.array_equal(back.values, d.values) and back.sources == d.sources
    # nothing to propagate without re-fits
    assert ParameterDraws.from_fit(values, {n: {"refits": []} for n in NAMES}) is None
    assert ParameterDraws.from_fit({}, {}) is None
    # the point estimate must be the scenario's value; a variant's own value is kept
    plan = apply_overrides(tiny(), TRUTH)
    assert d.mismatch(plan) is None and "invite_prob is 0.01 in the scenario" in d.mismatch(tiny())
    assert d.held(apply_overrides(plan, {NAMES[0]: 0.09})) == ([NAMES[1]], [NAMES[0]])
    plans = d.plans(plan)
    assert plans[0] is plan and plans[2].members.referral.invite_prob == 0.06
    # bad files are errors naming file, line and column
    bad = tmp_path / "bad.csv"
    bad.write_text(f"draw,source,{NAMES[0]}\n0,fit,0.05\n1,bootstrap,x\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=rf"bad.csv:3: {NAMES[0]}: expected a number, found"):
        ParameterDraws.read(bad)
    bad.write_text(f"draw,source,{NAMES[0]}\n0,bootstrap,0.05\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="bad.csv:2: source: expected 'fit'"):
        ParameterDraws.read(bad)


def test_runs_spread_over_the_parameter_sets_and_variants_share_the_pairs():
    truth = apply_overrides(tiny(), TRUTH)
    history = synthetic_history(truth, seed=21).head(30)
    d = draws_of([[0.05, 0.02], [0.08, 0.035], [0.03, 0.01]])
    plans = {
        "base": truth,
        "same": truth.model_copy(),
        "reward": apply_overrides(truth, {"members.referral.accept_prob": 0.5}),
        "own_invites": apply_overrides(truth, {NAMES[0]: 0.09}),
    }
    fc = forecast(plans, 30, 10, history=history, replicates=8, seed=3, pool=48, draws=d)
    ts = fc.runset.timeseries
    # run r uses set r mod 3, in every plan: the same (replicate, parameter set) pairs
    pairs = {
        label: sorted(set(map(tuple, t[["replicate", "parameter_set"]].to_numpy().tolist())))
        for label, t in ts.groupby("variant")
    }
    assert all(p == pairs["base"] for p in pairs.values())
    assert all(s == r % 3 for r, s in pairs["base"])
    # a run is the plan with its set's values, continued past the history
    r = int(fc.draws[-1])
    want = simulate(d.plans(with_horizon(truth, 40))[r % 3], 3, r).timeseries["members"].to_numpy()
    got = ts[(ts["variant"] == "base") & (ts["replicate"] == r)]["members"].to_numpy()
    assert np.array_equal(got, want)
    # the candidates' sets differ, so their runs use different parameter values
    ps = fc.parameters
    assert ps["sets"] == 3 and len(ps["selected_sets"]) == 8 and ps["distinct_selected"] >= 2
    assert ps["selected_sets"] == [int(i) % 3 for i in fc.draws]
    assert sum(ps["weight_by_set"]) == pytest.approx(1.0)
    p0 = ps["parameters"][NAMES[0]]
    assert p0["point_estimate"] == 0.05 and p0["draws_min"] == 0.03 and p0["draws_max"] == 0.08
    assert p0["selected_min"] < p0["selected_max"]
    assert fc.selection.summary()["parameter_sets"] == ps
    # identical plans, identical pairs: identical bands
    bands, _ = forecast_bands(fc, 10)
    assert np.array_equal(bands["members"]["base"], bands["members"]["same"])
    # a variant that sets a fitted parameter keeps its own value in all its runs, and says so
    own = ts[(ts["variant"] == "own_invites")]
    assert any(n.startswith("own_invites: sets members.referral.invite_prob") for n in fc.notes)
    assert not any(n.startswith("reward:") and "value of its own" in n for n in fc.notes)
    assert len(own) and set(own["parameter_set"]) == {s for _, s in pairs["base"]}

    # deterministic given the seed
    again = forecast(plans, 30, 10, history=history, replicates=8, seed=3, pool=48, draws=d)
    assert np.array_equal(again.draws, fc.draws)
    pd.testing.assert_frame_equal(forecast_bands(again, 10)[1], forecast_bands(fc, 10)[1])
    # no draws (or a single set): the old forecast, every run at the plan's values
    plain = forecast(plans, 30, 10, history=history, replicates=8, seed=3, pool=48)
    single = forecast(plans, 30, 10, history=history, replicates=8, seed=3, pool=48, draws=draws_of([[0.05, 0.02]]))
    assert plain.parameters is None and "parameter_set" not in plain.runset.timeseries
    assert np.array_equal(plain.draws, single.draws)
    pd.testing.assert_frame_equal(forecast_bands(plain, 10)[1], forecast_bands(single, 10)[1])


def test_draws_that_differ_widen_the_band():
    truth = apply_overrides(tiny(), TRUTH)
    # unconditioned: runs from day 0 with invitations 0.03..0.08 spread far wider than the
    # simulation's randomness at 0.05 alone
    d = draws_of([[0.05, 0.02], [0.08, 0.02], [0.03, 0.02]])
    width = {}
    for key, dd in (("point", None), ("draws", d)):
        fc = forecast({"base": truth}, 25, 15, replicates=12, seed=3, draws=dd)
        q = forecast_bands(fc, 15)[0]["members"]["base"]
        width[key] = q[2] - q[0]
    assert width["draws"][-1] >= 1.5 * width["point"][-1]
    # conditioned on a members-only history: the end state does not tell the sets of first
    # purchases apart, so the purchases band holds their spread (1% vs 20% of members buying)
    history = synthetic_history(truth, seed=5, series=("members",)).head(25)
    rows = np.asarray([[0.05], [0.01], [0.2]])
    name = "members.conversion.first_purchase_prob"
    plan = apply_overrides(truth, {name: 0.05})
    d = ParameterDraws((name,), rows, ("fit", "bootstrap", "bootstrap"))
    width = {}
    for key, dd in (("point", None), ("draws", d)):
        fc = forecast({"base": plan}, 25, 14, period_days=1, replicates=12, seed=3, pool=48, history=history, draws=dd)
        bands, table = forecast_bands(fc, 14)
        t = table[table["series"] == "purchases"]
        width[key] = float((t["p90"] - t["p10"]).mean())
    assert width["draws"] >= 1.3 * width["point"]  # 1.6x to 1.8x over three histories


@pytest.mark.slow
def test_forecast_command_reads_the_draws_and_point_estimate_gives_the_old_forecast(tmp_path, capsys):
    scen, hist, _ = make_inputs(tmp_path)
    cal = tmp_path / "cal"
    assert (
        main(
            [
                "calibrate",
                str(scen),
                "--history",
                str(hist),
                "--param",
                "members.churn.base_hazard=0.002:0.1:log",
                "--max-evaluations",
                "12",
                "--bootstrap",
                "3",
                "--out",
                str(cal),
                "--quiet",
            ]
        )
        == 0
    )
    diag = json.loads((cal / "diagnostics.json").read_text())
    d = ParameterDraws.read(cal / DRAWS_SIDECAR)
    name = "members.churn.base_hazard"
    # row 0 = the fitted value in calibrated.yaml, rows 1.. = the bootstrap re-fits
    assert d.names == (name,) and d.values[0, 0] == diag["fit"]["values"][name]
    assert d.values[1:, 0].tolist() == diag["fit"]["uncertainty"][name]["refits"]
    assert diag["fit"]["parameter_draws"] == {"file": DRAWS_SIDECAR, "sets": 4, "refits": 3}
    assert DRAWS_SIDECAR in (cal / "fit_report.md").read_text()

    def run(out, *extra):
        assert (
            main(
                [
                    "forecast",
                    str(cal / "calibrated.yaml"),
                    "--days",
                    "6",
                    "--all-variants",
                    "--replicates",
                    "4",
                    "--out",
                    str(tmp_path / out),
                    "--quiet",
                    *extra,
                ]
            )
            == 0
        )
        return json.loads((tmp_path / out / "forecast.json").read_text()), (tmp_path / out / "forecast.csv").read_text()

    with_draws, csv_draws = run("fc")
    assert with_draws["meta"]["parameter_uncertainty"] and with_draws["parameter_sets"]["sets"] == 4
    assert with_draws["conditioning"]["parameter_sets"] == with_draws["parameter_sets"]
    assert "Parameter uncertainty" in (tmp_path / "fc" / "forecast.md").read_text()
    series = pd.read_parquet(tmp_path / "fc" / "timeseries.parquet")
    assert (series["parameter_set"] == series["replicate"] % 4).all()
    assert run("fc2")[1] == csv_draws  # deterministic
    point, csv_point = run("pe", "--point-estimate")
    assert not point["meta"]["parameter_uncertainty"] and point["parameter_sets"] is None
    assert point["meta"]["no_parameter_uncertainty_because"] == "--point-estimate"
    assert "simulation's randomness only" in (tmp_path / "pe" / "forecast.md").read_text()
    # --point-estimate is the forecast without the sidecar (the old behaviour)
    (cal / DRAWS_SIDECAR).rename(tmp_path / "kept.csv")
    none, csv_none = run("none")
    assert csv_none == csv_point and not none["meta"]["parameter_uncertainty"]
    assert "not found" in none["meta"]["no_parameter_uncertainty_because"]
    assert run("explicit", "--draws", str(tmp_path / "kept.csv"))[1] == csv_draws
    # draws of another calibration: left out with a warning, refused when asked for by name
    other = pd.read_csv(tmp_path / "kept.csv")
    other.loc[0, name] = other.loc[0, name] * 1.5
    other.to_csv(cal / DRAWS_SIDECAR, index=False)
    capsys.readouterr()
    stale, csv_stale = run("stale")
    assert csv_stale == csv_point and "do not match" in stale["meta"]["no_parameter_uncertainty_because"]
    assert "not used" in capsys.readouterr().err
    assert (
        main(
            [
                "forecast",
                str(cal / "calibrated.yaml"),
                "--days",
                "6",
                "--draws",
                str(cal / DRAWS_SIDECAR),
                "--out",
                str(tmp_path / "refused"),
                "--quiet",
            ]
        )
        == 2
    )
    assert "point estimate does not match" in capsys.readouterr().err and not (tmp_path / "refused").exists()
