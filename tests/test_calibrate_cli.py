"""``growthsim calibrate`` and ``growthsim forecast`` end to end on a tiny community."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import yaml

from growthsim.calibrate.sim import simulate, with_horizon
from growthsim.cli import main
from growthsim.scenario import ScenarioFile, apply_overrides, load_scenario

SCENARIO = """name: tiny shop
seed: 3
horizon_days: 40
replicates: 3
market: {size: 1500, graph: {model: well_mixed, mean_degree: 10}}
members:
  initial: 80
  organic_join_prob: 0.0
  referral: {invite_prob: 0.01, accept_prob: 0.3}
  churn: {base_hazard: 0.01}
channels:
  store_qr: {kind: offline_store, base_reach: 20, max_reach: 0, join_rate: 0.1}
variants:
  more_reach:
    channels: {store_qr: {base_reach: 40, start_day: 25}}
"""


def make_inputs(tmp_path):
    scen = tmp_path / "shop.yaml"
    scen.write_text(SCENARIO, encoding="utf-8")
    truth = with_horizon(apply_overrides(load_scenario(scen), {"members.churn.base_hazard": 0.03}), 25)
    ts = simulate(truth, 77, 0).timeseries
    start = dt.date(2026, 4, 1)
    hist = pd.DataFrame(
        {
            "date": [(start + dt.timedelta(days=int(d))).isoformat() for d in ts["day"]],
            "new_members": ts["new_members"],
            "dau": ts["active"],
            "members": ts["members"],
            "purchases": ts["purchases"],
            "revenue": ts["revenue"].round(2),
        }
    )
    path = tmp_path / "history.csv"
    hist.to_csv(path, index=False)
    return scen, path, ts


@pytest.mark.slow
def test_calibrate_then_forecast(tmp_path, capsys):
    scen, hist, ts = make_inputs(tmp_path)
    out = tmp_path / "cal"
    rc = main(
        [
            "calibrate",
            str(scen),
            "--history",
            str(hist),
            "--param",
            "members.churn.base_hazard=0.002:0.1:log",
            "--replay-joins",
            "--holdout",
            "7",
            "--max-evaluations",
            "16",
            "--bootstrap",
            "2",
            "--out",
            str(out),
        ]
    )
    assert rc == 0, capsys.readouterr().err
    names = {p.name for p in out.iterdir()}
    assert {"calibrated.yaml", "history.csv", "fit_report.md", "diagnostics.json", "fit_members.png"} <= names
    diag = json.loads((out / "diagnostics.json").read_text())
    assert diag["spec"]["joins"] == "replay"
    assert diag["backtest"]["holdout_days"] == 7 and diag["fit"]["fitted_periods"] == 18
    assert "members" in diag["backtest"]["series"] and "bass" in diag["backtest"]["series"]["members"]
    # the training fit's re-fits: the engine spreads over them, the point-estimate engine is kept
    assert {"engine", "engine_point_estimate"} <= set(diag["backtest"]["series"]["members"])
    assert diag["backtest"]["conditioning"]["parameter_sets"]["sets"] == 3
    assert diag["backtest"]["conditioning_point_estimate"]["parameter_sets"] is None
    assert 0.002 <= diag["fit"]["values"]["members.churn.base_hazard"] <= 0.1
    report = (out / "fit_report.md").read_text()
    assert "Backtest: last 7 days held out" in report and "bootstrap" in report
    # the calibrated scenario is a normal scenario file with the fitted value and the joins
    sf = ScenarioFile(out / "calibrated.yaml")
    assert sf.base.members.churn.base_hazard == diag["fit"]["values"]["members.churn.base_hazard"]
    assert sf.base.replay.daily_joins == ts["new_members"].tolist()
    assert sf.base.horizon_days == 40  # the variant acts on day 25, so the horizon stays
    assert list(sf.variants) == ["more_reach"]

    fc = tmp_path / "fc"
    rc = main(
        [
            "forecast",
            str(out / "calibrated.yaml"),
            "--days",
            "10",
            "--all-variants",
            "--replicates",
            "3",
            "--out",
            str(fc),
            "--quiet",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    table = pd.read_csv(fc / "forecast.csv")
    assert set(table["variant"]) == {"base", "more_reach"}
    assert table["first_day"].min() == 25 and table["first_day"].max() == 34
    assert {"members", "active_members", "purchases", "revenue"} == set(table["series"])
    assert (fc / "forecast_members.png").stat().st_size > 10_000
    series = pd.read_parquet(fc / "timeseries.parquet")
    meta = json.loads((fc / "forecast.json").read_text())
    drawn = meta["conditioning"]["selected_replicates"]
    assert meta["meta"]["conditioned"] and len(drawn) == 3 and meta["conditioning"]["pool"] == 15
    assert set(series["replicate"]) == set(drawn)  # the drawn replicates, each once, every plan
    assert set(series.loc[series["variant"] == "more_reach", "replicate"]) == set(drawn)
    base0 = series[(series["variant"] == "base") & (series["replicate"] == drawn[0])]
    # the history's joins are replayed exactly, then the plan goes on
    assert base0["new_members"].iloc[:25].tolist() == ts["new_members"].tolist()
    assert base0["day"].max() == 34
    meta = meta["meta"]
    assert meta["history_days"] == 25 and meta["history_end"] == "2026-04-25"
    assert "Effective sample size" in (fc / "forecast.md").read_text()


def test_calibrate_needs_history_and_writes_nothing_on_a_bad_spec(tmp_path, capsys):
    scen, hist, _ = make_inputs(tmp_path)
    spec = tmp_path / "fit.yaml"
    spec.write_text("parameters:\n  members.churn.base_hazard: {min: 0.1, max: 0.01}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["calibrate", str(scen), "--history", str(hist), "--fit", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{spec}:2: parameters.members.churn.base_hazard: min (0.1) must be below max (0.01)" in err
    assert main(["calibrate", str(scen), "--param", "members.churn.base_hazard=0.001:0.1", "--out", str(out)]) == 2
    assert "give --history FILE" in capsys.readouterr().err
    long = tmp_path / "long.csv"
    rows = [f"{dt.date(2026, 1, 1) + dt.timedelta(days=i)},{80 + i}" for i in range(41)]
    long.write_text("date,members\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["calibrate", str(scen), "--history", str(long), "--out", str(out)]) == 2
    assert "history covers 41 days" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_calibrated_yaml_is_plain_yaml(tmp_path):
    scen, hist, _ = make_inputs(tmp_path)
    out = tmp_path / "cal"
    assert main(["calibrate", str(scen), "--history", str(hist), "--out", str(out), "--quiet"]) == 0
    doc = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert doc["name"] == "tiny shop (calibrated)" and "replay" not in doc
    assert "nothing fitted" in doc["description"]
