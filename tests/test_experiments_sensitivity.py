"""Sensitivity indices on a model with known answers, tornado table, charts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from growthsim.errors import UserError
from growthsim.experiments.schema import load_experiment
from growthsim.experiments.sensitivity import sensitivity
from growthsim.results import RunResult

TINY = """\
name: tiny
seed: 7
horizon_days: 20
market: {size: 300}
members: {initial: 20, referral: {accept_prob: 0.5}, conversion: {first_purchase_prob: 0.5},
          churn: {base_hazard: 0.5}}
"""

EXP = """\
name: linear
scenario: tiny.yaml
factors:
  members.referral.accept_prob: {low: 0, high: 1}
  members.conversion.first_purchase_prob: {low: 0, high: 1}
  members.churn.base_hazard: {low: 0, high: 1}
design: {type: sobol, n: 256}
replicates: 1
outputs: {kpis: [revenue]}
seed: 11
"""


def linear_model(scenario, seed, replicate=0):  # noqa: ANN001, ANN201
    """revenue = 4 a + 2 b + 0 c: with a, b, c uniform on [0, 1] the first-order Sobol'
    indices are 16/20 = 0.8, 4/20 = 0.2 and 0 (no interactions, so ST = S1)."""
    m = scenario.members
    y = 4 * m.referral.accept_prob + 2 * m.conversion.first_purchase_prob + 0 * m.churn.base_hazard
    ts = pd.DataFrame({"day": [0], "revenue": [y]})
    return RunResult(scenario=scenario, seed=seed, replicate=replicate, timeseries=ts)


@pytest.fixture()
def exp_dir(tmp_path: Path) -> Path:
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "sobol.yaml").write_text(EXP)
    (tmp_path / "morris.yaml").write_text(EXP.replace("{type: sobol, n: 256}", "{type: morris, n: 10}"))
    (tmp_path / "grid.yaml").write_text(EXP.replace("{type: sobol, n: 256}", "{type: grid}"))
    return tmp_path


def test_sobol_indices_of_a_linear_model(exp_dir: Path) -> None:
    out = exp_dir / "s"
    idx = sensitivity(exp_dir / "sobol.yaml", out=out, workers=0, run_fn=linear_model)
    got = idx.set_index("factor")
    # Saltelli estimates with N=256 base samples: sampling error of the indices is a few
    # hundredths for this model; 0.08 leaves room without accepting a wrong answer
    assert got.loc["members.referral.accept_prob", "S1"] == pytest.approx(0.8, abs=0.08)
    assert got.loc["members.conversion.first_purchase_prob", "S1"] == pytest.approx(0.2, abs=0.08)
    assert got.loc["members.churn.base_hazard", "S1"] == pytest.approx(0.0, abs=0.08)
    assert got.loc["members.referral.accept_prob", "ST"] == pytest.approx(0.8, abs=0.08)
    assert (got["S1_conf"] >= 0).all()
    # tornado: swing between low and high ends is the coefficient (deterministic model)
    t = idx.attrs["tornado"].set_index("factor")
    assert t.loc["members.referral.accept_prob", "swing"] == pytest.approx(4.0)
    assert t.loc["members.conversion.first_purchase_prob", "swing"] == pytest.approx(2.0)
    assert t.loc["members.churn.base_hazard", "swing"] == pytest.approx(0.0)
    assert t["kpi_base"].iloc[0] == pytest.approx(4 * 0.5 + 2 * 0.5)
    for f in (
        "sensitivity.parquet",
        "sensitivity.csv",
        "sensitivity_revenue.png",
        "tornado.parquet",
        "tornado_revenue.png",
        "sweep/results.parquet",
        "tornado/results.parquet",
    ):
        assert (out / f).exists(), f
    assert (out / "sensitivity_revenue.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # analysing the finished sweep again (--results) gives the same indices, nothing reruns
    again = sensitivity(exp_dir / "sobol.yaml", results=out / "sweep", tornado=False, run_fn=linear_model)
    pd.testing.assert_frame_equal(again, idx, check_exact=True)


def test_morris_of_a_linear_model(exp_dir: Path) -> None:
    idx = sensitivity(exp_dir / "morris.yaml", workers=0, run_fn=linear_model, tornado=False)
    got = idx.set_index("factor")
    # elementary effects of a linear model are its coefficient times the range, exactly
    np.testing.assert_allclose(got["mu_star"].to_numpy(), [4.0, 2.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(got["sigma"].to_numpy(), [0.0, 0.0, 0.0], atol=1e-9)


def test_indices_need_sobol_or_morris(exp_dir: Path) -> None:
    with pytest.raises(UserError, match="grid.yaml:7: design.type: sensitivity indices need a 'sobol' or 'morris'"):
        sensitivity(exp_dir / "grid.yaml", workers=0, run_fn=linear_model)
    assert load_experiment(exp_dir / "grid.yaml").spec.design.type == "grid"
