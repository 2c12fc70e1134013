"""The KPI table computed for a plan's replicates at once (over replicate x day arrays)
is the per-replicate table (``replicate_kpis`` one replicate at a time), bit for bit:
same columns in the same order, same dtypes, same bytes (NaNs included)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthsim.metrics.kpis import kpi_table
from growthsim.results import RunSet
from growthsim.runner import run_plans
from growthsim.scenario.loader import apply_overrides, load_scenario_variants
from helpers.synthetic import synthetic_runset


def same_bits(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert list(a.dtypes) == list(b.dtypes)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for c in a.columns:
        if a[c].dtype.kind == "f":
            assert a[c].to_numpy().tobytes() == b[c].to_numpy().tobytes(), c


@pytest.fixture(scope="module")
def simulated() -> RunSet:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    cut = {"market.size": 3000, "horizon_days": 75, "members.initial": 60}
    plans = {
        k: apply_overrides(p, cut) for k, p in load_scenario_variants(root / "scenarios" / "baseline.yaml").items()
    }
    return run_plans(plans, replicates=5)


def test_simulated_plans_with_variants(simulated, monkeypatch):
    slow = kpi_table(simulated, vectorised=False)
    import growthsim.metrics.kpis as kpis

    def not_per_replicate(*a, **k):
        raise AssertionError("the vectorised table went per replicate")

    monkeypatch.setattr(kpis, "replicate_kpis", not_per_replicate)
    fast = kpi_table(simulated)
    same_bits(fast, slow)
    assert len(fast) == 5 * len(simulated.plans)
    assert (fast["cost_channel:paid_ads"] > 0).sum() == 5  # only the paid_ads plan pays for ads


def test_synthetic_run_set():
    rs = synthetic_runset()
    same_bits(kpi_table(rs), kpi_table(rs, vectorised=False))


def test_irregular_replicates_fall_back_per_replicate(simulated):
    """A replicate without a ledger, one cut short, cost categories that some replicates
    lack: the plan is computed per replicate (or the rows still agree)."""
    ts, led = simulated.timeseries, simulated.ledger
    short = ts[~((ts["variant"] == "base") & (ts["replicate"] == 1) & (ts["day"] > 60))]
    no_led = led[~((led["variant"] == "two_more_admins") & (led["replicate"] == 2))]
    # a category paid in one replicate only (cost columns of the others: zero)
    odd = led[(led["variant"] == "paid_ads") & (led["replicate"] == 3)].head(1).assign(category="kol:odd")
    rs = RunSet(
        plans=simulated.plans,
        timeseries=short.reset_index(drop=True),
        scalars=simulated.scalars,
        cohorts=simulated.cohorts,
        ledger=pd.concat([no_led, odd], ignore_index=True),
    )
    fast = kpi_table(rs)
    same_bits(fast, kpi_table(rs, vectorised=False))
    assert np.isfinite(fast["cost_kol:odd"]).all() and (fast["cost_kol:odd"] > 0).sum() == 1


def test_run_set_stacked_column_by_column_equals_concatenated():
    """RunSet.from_results builds its frames column by column; the frames are those of
    concatenating each run's frames (plans with different channels included)."""
    from pathlib import Path

    from growthsim.runner import run_replicates

    root = Path(__file__).resolve().parents[1]
    cut = {"market.size": 2000, "horizon_days": 40, "members.initial": 40}
    plans = {
        k: apply_overrides(p, cut) for k, p in load_scenario_variants(root / "scenarios" / "baseline.yaml").items()
    }
    plans = {k: plans[k] for k in ("base", "paid_ads")}
    results = {k: run_replicates(p, 2) for k, p in plans.items()}
    fast = RunSet.from_results(plans, results)
    slow = RunSet._from_results_frames(plans, results)
    for name in ("timeseries", "scalars", "cohorts", "ledger"):
        a, b = getattr(fast, name), getattr(slow, name)
        assert list(a.columns) == list(b.columns), name
        assert list(a.dtypes) == list(b.dtypes), name
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert "new_paid_ads" in fast.timeseries.columns
